import { readFileSync, existsSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from './errors.ts';
import { parseDuration } from './duration.ts';
import { httpUrl } from './url.ts';
import { COMPONENT_STATUSES, SEVERITIES, CAUSES, PLATFORMS } from './model.ts';
import { SUPPORTED_LOCALES, isSupportedLocale } from '../i18n/locales.ts';
import { authorsSchema } from '../authoring/authors.ts';

const duration = (fallback: string) =>
  z
    .union([z.string(), z.number()])
    .default(fallback)
    .transform((v, ctx) => {
      const ms = parseDuration(v);
      if (ms === undefined || ms < 1) {
        ctx.addIssue({ code: 'custom', message: `expected a duration like 30s, 5m or 500ms (got "${v}")` });
        return z.NEVER;
      }
      return ms;
    });

const httpUrlSetting = z.string().refine((v) => httpUrl(v) !== undefined, 'expected an http:// or https:// URL');

const locale = z.string().refine(isSupportedLocale, `expected one of the supported locales: ${SUPPORTED_LOCALES.join(', ')}`);

const localizedText = z.union([z.string(), z.record(z.string(), z.string())]);

const componentSchema = z.strictObject({
  id: z.string().min(1),
  name: localizedText.optional(),
  group: z.string().optional(),
});

const sourceBase = { id: z.string().regex(/^[A-Za-z0-9_-]+$/, 'use letters, digits, - and _ only') };

const sourceSchema = z.discriminatedUnion('type', [
  z.strictObject({ ...sourceBase, type: z.literal('statuspage'), url: httpUrlSetting, interval: duration('60s') }),
  z.strictObject({ ...sourceBase, type: z.literal('feed'), url: httpUrlSetting, interval: duration('5m') }),
  z.strictObject({
    ...sourceBase,
    type: z.literal('webhook'),
    format: z.enum(['statuspage', 'instatus', 'alertmanager', 'grafana', 'generic']),
    secret: z
      .string()
      .min(1, 'is empty: set it to a long random string (e.g. `openssl rand -hex 32`), or remove it and write insecure: true')
      .optional(),
    /** Accept requests without any secret, on purpose (docs/contract.md §8); warned at start and by check-config. */
    insecure: z.boolean().default(false),
    /** Only HMAC-signed requests with X-Signature-Timestamp (docs/contract.md §8): no Bearer, ?token= or body-only signature. */
    requireTimestamp: z.boolean().default(false),
    componentLabel: z.string().default('component'),
    replayWindow: duration('5m'),
  }),
  z.strictObject({
    ...sourceBase,
    type: z.literal('probe'),
    component: z.string().min(1),
    url: httpUrlSetting,
    method: z.enum(['GET', 'HEAD', 'POST']).default('GET'),
    interval: duration('30s'),
    timeout: duration('5s'),
    expectStatus: z.array(z.number().int()).optional(),
    expectBody: z.string().optional(),
    degradedLatencyMs: z.number().positive().default(1000),
    errorRatePercent: z.number().min(0).max(100).default(5),
    failuresToDown: z.number().int().min(1).default(3),
    successesToUp: z.number().int().min(1).default(2),
  }),
  z.strictObject({ ...sourceBase, type: z.literal('manual') }),
  z.strictObject({
    ...sourceBase,
    type: z.literal('prometheus'),
    url: httpUrlSetting,
    interval: duration('60s'),
    queries: z.array(
      z.strictObject({
        component: z.string(),
        metric: z.enum(['response_time_ms', 'error_rate_percent', 'latency_ms', 'uptime_percent']),
        query: z.string(),
      }),
    ),
  }),
]);

const severity = z.enum(SEVERITIES);

const announceSchema = z
  .strictObject({
    platform: z.enum(PLATFORMS),
    chat: z.string().optional(),
    channel: z.string().optional(),
    thread: z.string().optional(),
    locale: locale.optional(),
    components: z.array(z.string()).optional(),
    minSeverity: severity.default('minor'),
    broadcastResolution: z.boolean().default(false),
  })
  .refine((a) => Boolean(a.chat ?? a.channel), 'each announce target needs `chat` or `channel`')
  .transform((a) => ({ ...a, chatId: (a.chat ?? a.channel)! }));

const adviceSchema = z.strictObject({
  when: z
    .strictObject({
      components: z.array(z.string()).optional(),
      severity: severity.optional(),
      cause: z.enum(CAUSES).optional(),
      status: z.array(z.enum(COMPONENT_STATUSES)).optional(),
    })
    .default({}),
  say: z.array(z.string().min(1)).min(1),
});

const fileSchema = z.strictObject({
  service: z
    .strictObject({
      name: z.string().min(1).default('Our service'),
      locales: z.array(locale).min(1).default(['en']),
      timezone: z
        .string()
        .default('UTC')
        .refine((tz) => {
          try {
            new Intl.DateTimeFormat('en', { timeZone: tz });
            return true;
          } catch {
            return false;
          }
        }, 'expected an IANA time zone such as UTC or Europe/Paris'),
      url: httpUrlSetting.optional(),
      /** Where this bot's own status page is reachable (`GET /`): announcements link there when their source has no page. */
      publicUrl: httpUrlSetting.optional(),
      /** CSP `frame-ancestors` of the status page: who may embed it in a frame; `'none'` unless set (docs/status-page.md). */
      frameAncestors: z
        .array(
          z
            .string()
            .regex(
              /^('self'|'none'|https?:\/\/[^\s;,']+|\*\.[^\s;,']+)$/,
              "expected 'self', 'none' or an origin such as https://intranet.example.com",
            ),
        )
        .min(1)
        .optional(),
    })
    .default({ name: 'Our service', locales: ['en'], timezone: 'UTC' }),
  components: z.array(componentSchema).default([]),
  sources: z.array(sourceSchema).default([]),
  announce: z.array(announceSchema).default([]),
  advice: z.array(adviceSchema).default([]),
  digest: z.strictObject({ cron: z.string(), announce: z.boolean().default(true) }).optional(),
  /** Who may write incidents from chat (src/authoring/authors.ts); nobody when absent. */
  authors: authorsSchema.default({ slack: [], discord: [], telegram: [] }),
  /** `reminder`: how long before a scheduled window a reminder joins the maintenance's story; `false` turns it off. */
  maintenance: z
    .strictObject({ reminder: z.union([z.literal(false), duration('1h')]).default(3_600_000) })
    .default({ reminder: 3_600_000 }),
  /** A flapping component: at most `maxPerWindow` announcements per `window`, then one summary once it was still for `settle`. */
  flap: z
    .strictObject({ window: duration('1m'), maxPerWindow: z.number().int().min(1).default(2), settle: duration('1m') })
    .default({ window: 60_000, maxPerWindow: 2, settle: 60_000 }),
  i18n: z
    .strictObject({
      /** A folder of `<locale>/<namespace>.json` files whose strings replace ours (validated at start-up). */
      overrides: z.string().min(1).optional(),
      /** Machine translation of incident text from the source; off unless configured. */
      translate: z
        .strictObject({
          provider: z.enum(['libretranslate', 'deepl']),
          url: httpUrlSetting,
          key: z.string().min(1).optional(),
          timeout: duration('5s'),
        })
        .optional(),
    })
    .optional(),
  delivery: z
    .strictObject({
      /** How long a message may wait for its platform (retried meanwhile) before it is dead-lettered. */
      maxAge: duration('24h'),
      /** Before 0.2 a message was dropped after this many attempts; now ignored (a warning at start): `maxAge` decides. */
      maxAttempts: z.number().int().min(1).optional(),
      deadTargetAttempts: z.number().int().min(1).max(3).default(3),
      /** Per-platform pacing; defaults are the documented limits (each adapter's limits.ts, docs/platforms.md §1). */
      limits: z
        .partialRecord(
          z.enum(PLATFORMS),
          z.strictObject({
            globalPerSecond: z.number().positive().optional(),
            perChatIntervalMs: z.number().min(0).optional(),
            perGroupPerMinute: z.number().positive().optional(),
          }),
        )
        .default({}),
    })
    .default({ maxAge: 86_400_000, deadTargetAttempts: 3, limits: {} }),
});

const storeUrl = z.string().refine((v) => /^(sqlite|redis|rediss|postgres|postgresql):\/\//.test(v), {
  message: 'expected sqlite://PATH, redis://HOST:PORT or postgres://USER@HOST/DB',
});

const optionalNonEmpty = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const envSchema = z.object({
  CONFIG_FILE: z.string().default('./status-relay.yaml'),
  STORE_URL: storeUrl.default('sqlite://./data/status-relay.sqlite'),
  HTTP_HOST: z.string().default('0.0.0.0'),
  HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DEFAULT_LOCALE: locale.default('en'),
  ADMIN_API_TOKEN: optionalNonEmpty,
  TELEGRAM_BOT_TOKEN: optionalNonEmpty,
  TELEGRAM_API_ROOT: httpUrlSetting.default('https://api.telegram.org'),
  TELEGRAM_WEBHOOK_URL: optionalNonEmpty.pipe(httpUrlSetting.optional()),
  TELEGRAM_WEBHOOK_SECRET: optionalNonEmpty,
  SLACK_BOT_TOKEN: optionalNonEmpty,
  SLACK_SIGNING_SECRET: optionalNonEmpty,
  SLACK_APP_TOKEN: optionalNonEmpty,
  SLACK_API_URL: httpUrlSetting.default('https://slack.com/api/'),
  SLACK_COMMAND: z
    .string()
    .regex(/^\/[a-z0-9_-]{1,31}$/, 'expected a slash command such as /statusrelay')
    .default('/statusrelay'),
  DISCORD_TOKEN: optionalNonEmpty,
  DISCORD_APPLICATION_ID: optionalNonEmpty,
  DISCORD_API_URL: httpUrlSetting.default('https://discord.com/api'),
  DISCORD_GUILD_ID: optionalNonEmpty,
});

export type EnvSettings = z.infer<typeof envSchema>;
export type FileConfig = z.infer<typeof fileSchema>;
export type SourceConfig = FileConfig['sources'][number];
export type AnnounceConfig = FileConfig['announce'][number];
export type AdviceRule = FileConfig['advice'][number];
export type ComponentConfig = FileConfig['components'][number];

export interface AppConfig extends FileConfig {
  readonly env: EnvSettings;
  /** True when no config file was found: the built-in demo runs. */
  readonly demo: boolean;
  readonly configPath?: string;
}

const pathOf = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '');

const firstIssue = (err: z.ZodError, prefix: string): ConfigError => {
  const issue = err.issues[0]!;
  let path = pathOf(issue.path);
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.join(', ');
    message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${keys}: remove ${issue.keys.length > 1 ? 'them' : 'it'} or check the spelling`;
  } else if (issue.code === 'invalid_union' && 'discriminator' in issue) {
    message = 'unknown type: use statuspage, feed, webhook, probe, manual or prometheus';
    if (!path.endsWith('.type')) path = `${path}.type`;
  }
  return new ConfigError(prefix ? (path ? `${prefix} ${path}` : prefix) : path || '(root)', message);
};

/** Replaces `${VAR}` in every string of a parsed YAML tree; an unset variable is an error. */
const expandEnv = (node: unknown, env: NodeJS.ProcessEnv, path: string): unknown => {
  if (typeof node === 'string') {
    return node.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
      const value = env[name];
      if (value === undefined)
        throw new ConfigError(
          path || '(root)',
          `uses \${${name}}, which is not set in the environment: set ${name} or remove the reference`,
        );
      return value;
    });
  }
  if (Array.isArray(node)) return node.map((v, i) => expandEnv(v, env, `${path}[${i}]`));
  if (node && typeof node === 'object')
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, expandEnv(v, env, path ? `${path}.${k}` : k)]));
  return node;
};

export const parseEnv = (env: NodeJS.ProcessEnv): EnvSettings => {
  const result = envSchema.safeParse(env);
  if (!result.success) throw firstIssue(result.error, '');
  const s = result.data;
  if (s.SLACK_BOT_TOKEN && !s.SLACK_SIGNING_SECRET && !s.SLACK_APP_TOKEN)
    throw new ConfigError(
      'SLACK_SIGNING_SECRET',
      "is required with SLACK_BOT_TOKEN in HTTP mode: copy it from your Slack app's Basic Information page, or set SLACK_APP_TOKEN for Socket Mode",
    );
  if (s.DISCORD_TOKEN && !s.DISCORD_APPLICATION_ID)
    throw new ConfigError(
      'DISCORD_APPLICATION_ID',
      'is required with DISCORD_TOKEN: copy the Application ID from the Discord developer portal',
    );
  return s;
};

/** docs/contract.md §8: nothing that changes what is announced is reachable without a secret unless the operator says so. */
const webhookAuthProblem = (s: Extract<SourceConfig, { type: 'webhook' }>, at: string): void => {
  if (!s.secret && !s.insecure)
    throw new ConfigError(
      `${at}.secret`,
      `webhook source "${s.id}" has no secret, so anyone who can reach the port could announce incidents: set secret: "\${WEBHOOK_SECRET}" (checked as HMAC, Authorization: Bearer or ?token=), or write insecure: true to accept unauthenticated pushes on purpose`,
    );
  if (s.secret && s.insecure)
    throw new ConfigError(
      `${at}.insecure`,
      `webhook source "${s.id}" has a secret, so insecure: true would be ignored: remove one of the two`,
    );
  if (!s.secret && s.requireTimestamp)
    throw new ConfigError(
      `${at}.requireTimestamp`,
      `webhook source "${s.id}" has no secret to sign the timestamp with: set secret, or remove requireTimestamp`,
    );
};

export const parseConfigText = (text: string, env: NodeJS.ProcessEnv, label = 'config'): FileConfig => {
  let raw: unknown;
  try {
    raw = parseYaml(text, { logLevel: 'error' }) ?? {};
  } catch (e) {
    const line = (e as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    throw new ConfigError(label, `is not valid YAML${line ? ` (line ${line})` : ''}: ${(e as Error).message.split('\n')[0]}`);
  }
  const expanded = expandEnv(raw, env, '');
  const result = fileSchema.safeParse(expanded);
  if (!result.success) throw firstIssue(result.error, label);
  const cfg = result.data;
  const ids = new Set<string>();
  cfg.sources.forEach((s, i) => {
    if (ids.has(s.id)) throw new ConfigError(`${label} sources[${i}].id`, `"${s.id}" is used twice: give each source its own id`);
    ids.add(s.id);
    if (s.type === 'webhook') webhookAuthProblem(s, `${label} sources[${i}]`);
  });
  return cfg;
};

/** Reads env and the config file (when present). Throws `ConfigError` with one clear line. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): AppConfig => {
  const settings = parseEnv(env);
  const path = settings.CONFIG_FILE;
  if (!existsSync(path)) {
    if (env.CONFIG_FILE) throw new ConfigError('CONFIG_FILE', `${path} does not exist: fix the path or unset CONFIG_FILE to run the demo`);
    return { ...parseConfigText('', env), env: settings, demo: true };
  }
  const cfg = parseConfigText(readFileSync(path, 'utf8'), env, path);
  return { ...cfg, env: settings, demo: false, configPath: path };
};

const SECRET_KEYS = /TOKEN|SECRET|PASSWORD|KEY/i;

/** The config with every secret masked, for `check-config` and logs. */
export const maskSecrets = (config: AppConfig): unknown => {
  const mask = (node: unknown, key: string): unknown => {
    if (typeof node === 'string') {
      if (SECRET_KEYS.test(key)) return node ? '********' : node;
      if (/^(redis|rediss|postgres|postgresql):\/\//.test(node)) return node.replace(/\/\/([^:@/]*):([^@/]*)@/, '//$1:****@');
      return node;
    }
    if (Array.isArray(node)) return node.map((v) => mask(v, key));
    if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, mask(v, k)]));
    return node;
  };
  return mask(config, '');
};

/**
 * The language of messages nobody chose one for: `DEFAULT_LOCALE` when the service offers it (the
 * demo offers every language), else the first of `service.locales`.
 */
export const defaultLocaleOf = (config: Pick<AppConfig, 'service' | 'env' | 'demo'>): string =>
  config.service.locales.includes(config.env.DEFAULT_LOCALE) || config.demo ? config.env.DEFAULT_LOCALE : config.service.locales[0]!;

/** Every language a message may be rendered in: the offered ones and any configured channel's. */
export const messageLocalesOf = (config: Pick<AppConfig, 'service' | 'announce'>): string[] => [
  ...new Set([...config.service.locales, ...config.announce.flatMap((a) => (a.locale ? [a.locale] : []))]),
];
