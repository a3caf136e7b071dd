import pino from 'pino';
import type { LogLevel, Logger as SlackLogger } from '@slack/bolt';
import type { AppConfig, SourceConfig } from '../core/config.ts';
import { ConfigError } from '../core/errors.ts';
import { scrubSecrets } from '../core/logger.ts';
import { maskUrl, openStore } from '../storage/store.ts';
import { fontsFor, missingFontsMessage } from '../kpi/fonts.ts';
import { Translator } from '../i18n/i18n.ts';
import { createSource } from '../sources/registry.ts';
import type { SourceHealth } from '../sources/source.ts';
import { classifyTelegramError } from '../adapters/telegram/errors.ts';
import { classifySlackError } from '../adapters/slack/errors.ts';
import { classifyDiscordError } from '../adapters/discord/errors.ts';

/** One line of `status-relay doctor`: what was checked, how it went, and what to do when it failed. */
export interface DoctorCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  /** What to change, when `ok` is false. */
  readonly fix?: string;
}

export interface DoctorOptions {
  /** Upper bound for each network check (a platform, the store, a source). */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** `promise`, or a TimeoutError after `ms`: an SDK call without its own deadline must not hang doctor. */
const within = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`no answer from ${what} within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
};

const unreachable = (e: unknown, what: string, setting: string): Pick<DoctorCheck, 'detail' | 'fix'> => ({
  detail: `cannot reach ${what} (${(e as Error).message ?? String(e)})`,
  fix: `check the network from this machine${setting ? ` and ${setting}` : ''}`,
});

/** `getMe` through telegraf's client, at TELEGRAM_API_ROOT like the adapter. */
const checkTelegram = async (cfg: AppConfig, timeoutMs: number): Promise<DoctorCheck> => {
  const env = cfg.env;
  const { Telegram } = await import('telegraf');
  const client = new Telegram(env.TELEGRAM_BOT_TOKEN!, { apiRoot: env.TELEGRAM_API_ROOT });
  try {
    const me = await within(client.getMe(), timeoutMs, env.TELEGRAM_API_ROOT);
    return { name: 'telegram', ok: true, detail: `TELEGRAM_BOT_TOKEN accepted (getMe: bot @${me.username})` };
  } catch (e) {
    const err = classifyTelegramError(e);
    if (err.kind === 'auth')
      return {
        name: 'telegram',
        ok: false,
        detail: `Telegram refused TELEGRAM_BOT_TOKEN (getMe: ${err.message})`,
        fix: 'copy the token again from @BotFather (/mybots → API Token) into TELEGRAM_BOT_TOKEN',
      };
    return { name: 'telegram', ok: false, ...unreachable(e instanceof TimeoutError ? e : err, env.TELEGRAM_API_ROOT, 'TELEGRAM_API_ROOT') };
  }
};

/** The WebClient logs each failed call itself; doctor's line says it once. */
const silentSlackLogger = (): SlackLogger => {
  let level = 'error' as LogLevel;
  return {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
    setLevel: (l) => void (level = l),
    getLevel: () => level,
    setName: () => undefined,
  };
};

/** `auth.test` through bolt's WebClient at SLACK_API_URL like the adapter; Socket Mode's app token too. */
const checkSlack = async (cfg: AppConfig, timeoutMs: number): Promise<DoctorCheck[]> => {
  const env = cfg.env;
  const { webApi } = await import('@slack/bolt');
  const client = (token: string) =>
    new webApi.WebClient(token, {
      slackApiUrl: env.SLACK_API_URL,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout: timeoutMs,
      logger: silentSlackLogger(),
    });
  const checks: DoctorCheck[] = [];
  try {
    const me = await within(client(env.SLACK_BOT_TOKEN!).auth.test(), timeoutMs + 1000, env.SLACK_API_URL);
    checks.push({
      name: 'slack',
      ok: true,
      detail: `SLACK_BOT_TOKEN accepted (auth.test: ${me.user ?? me.user_id ?? 'bot'} in ${me.team ?? me.team_id ?? 'the workspace'})`,
    });
  } catch (e) {
    const err = classifySlackError(e);
    checks.push(
      err.kind === 'auth'
        ? {
            name: 'slack',
            ok: false,
            detail: `Slack refused SLACK_BOT_TOKEN (auth.test: ${err.code})`,
            fix: 'copy the Bot User OAuth Token (xoxb-…) again from OAuth & Permissions, and reinstall the app if it was revoked',
          }
        : { name: 'slack', ok: false, ...unreachable(e instanceof TimeoutError ? e : err, env.SLACK_API_URL, 'SLACK_API_URL') },
    );
  }
  if (env.SLACK_APP_TOKEN) {
    // Socket Mode's own token: apps.connections.open only hands out a one-time WebSocket URL, which expires unused.
    try {
      await within(client(env.SLACK_APP_TOKEN).apps.connections.open(), timeoutMs + 1000, env.SLACK_API_URL);
      checks.push({ name: 'slack socket mode', ok: true, detail: 'SLACK_APP_TOKEN accepted (apps.connections.open)' });
    } catch (e) {
      const err = classifySlackError(e);
      checks.push(
        err.kind === 'auth'
          ? {
              name: 'slack socket mode',
              ok: false,
              detail: `Slack refused SLACK_APP_TOKEN (apps.connections.open: ${err.code})`,
              fix: 'copy the App-Level Token (xapp-…, scope connections:write) again from Basic Information, and turn Socket Mode on',
            }
          : {
              name: 'slack socket mode',
              ok: false,
              ...unreachable(e instanceof TimeoutError ? e : err, env.SLACK_API_URL, 'SLACK_API_URL'),
            },
      );
    }
  } else if (!env.SLACK_SIGNING_SECRET) {
    checks.push({
      name: 'slack events',
      ok: false,
      detail: 'neither SLACK_SIGNING_SECRET (HTTP mode) nor SLACK_APP_TOKEN (Socket Mode) is set',
      fix: 'set SLACK_SIGNING_SECRET (Basic Information → Signing Secret) or SLACK_APP_TOKEN',
    });
  }
  return checks;
};

/** `GET /users/@me` through discord.js's REST at DISCORD_API_URL like the adapter. */
const checkDiscord = async (cfg: AppConfig, timeoutMs: number): Promise<DoctorCheck[]> => {
  const env = cfg.env;
  const { REST, Routes } = await import('discord.js');
  const rest = new REST({ api: env.DISCORD_API_URL, retries: 0, timeout: timeoutMs }).setToken(env.DISCORD_TOKEN!);
  const checks: DoctorCheck[] = [];
  try {
    const me = (await within(rest.get(Routes.user()), timeoutMs + 1000, env.DISCORD_API_URL)) as { id: string; username: string };
    checks.push({ name: 'discord', ok: true, detail: `DISCORD_TOKEN accepted (GET /users/@me: ${me.username}, id ${me.id})` });
  } catch (e) {
    const err = classifyDiscordError(e);
    checks.push(
      err.kind === 'auth'
        ? {
            name: 'discord',
            ok: false,
            detail: `Discord refused DISCORD_TOKEN (GET /users/@me: 401 Unauthorized)`,
            fix: 'copy the bot token again from the Bot page of your application (Reset Token) into DISCORD_TOKEN',
          }
        : { name: 'discord', ok: false, ...unreachable(e instanceof TimeoutError ? e : err, env.DISCORD_API_URL, 'DISCORD_API_URL') },
    );
  } finally {
    rest.clearHashSweeper();
    rest.clearHandlerSweeper();
  }
  if (!env.DISCORD_APPLICATION_ID)
    checks.push({
      name: 'discord commands',
      ok: false,
      detail: 'DISCORD_APPLICATION_ID is not set',
      fix: 'set DISCORD_APPLICATION_ID (General Information → Application ID)',
    });
  return checks;
};

const checkPlatforms = async (cfg: AppConfig, timeoutMs: number): Promise<DoctorCheck[]> => {
  const env = cfg.env;
  const runs: Promise<DoctorCheck[]>[] = [];
  if (env.TELEGRAM_BOT_TOKEN) runs.push(checkTelegram(cfg, timeoutMs).then((c) => [c]));
  if (env.SLACK_BOT_TOKEN) runs.push(checkSlack(cfg, timeoutMs));
  if (env.DISCORD_TOKEN) runs.push(checkDiscord(cfg, timeoutMs));
  if (runs.length === 0)
    return [
      {
        name: 'platforms',
        ok: true,
        detail: 'no token set (TELEGRAM_BOT_TOKEN, SLACK_BOT_TOKEN, DISCORD_TOKEN): announcements go to the console only',
      },
    ];
  return (await Promise.all(runs)).flat();
};

/** Opens the store like the bot does and pings it; the location is shown with any password masked. */
const checkStore = async (cfg: AppConfig, timeoutMs: number): Promise<DoctorCheck> => {
  const url = cfg.env.STORE_URL;
  try {
    const store = await within(openStore(url, { timeoutMs }), timeoutMs, maskUrl(url));
    try {
      const ok = await store.ping(timeoutMs);
      return ok
        ? { name: 'store', ok: true, detail: `${store.location} opened and answers` }
        : {
            name: 'store',
            ok: false,
            detail: `${store.location} opened but does not answer a ping within ${timeoutMs / 1000} s`,
            fix: 'check the server is not overloaded or paused, and the disk is not full',
          };
    } finally {
      await store.close();
    }
  } catch (e) {
    const message =
      e instanceof ConfigError
        ? e.message.replace(/^STORE_URL: /, '').replace(/: check the address and that the server runs$/, '')
        : (e as Error).message;
    return {
      name: 'store',
      ok: false,
      detail: `STORE_URL: ${message}`,
      fix: 'start the store (or wake it: a paused or overloaded server answers nothing), or correct STORE_URL (sqlite://path, redis://host:port, postgres://user@host/db)',
    };
  }
};

/** Which writing systems charts can draw, for the languages this config offers and announces in. */
const checkFonts = async (cfg: AppConfig): Promise<DoctorCheck> => {
  const translator = await Translator.create();
  const locales = [...new Set([...cfg.service.locales, ...cfg.announce.flatMap((a) => (a.locale ? [a.locale] : []))])];
  const drawn = new Set<string>();
  const missing = new Map<string, { remedy: string; locales: string[] }>();
  for (const locale of locales) {
    const t = translator.t(locale);
    const choice = fontsFor(`${t('chart.uptime')} ${t('chart.noData')} 0123456789`, locale);
    for (const m of choice.missing) {
      const entry = missing.get(m.script) ?? { remedy: m.remedy, locales: [] };
      entry.locales.push(locale);
      missing.set(m.script, entry);
    }
    if (choice.missing.length === 0) drawn.add(locale);
  }
  if (missing.size === 0) return { name: 'fonts', ok: true, detail: `charts draw every language offered (${locales.join(', ')})` };
  const scripts = [...missing.entries()].map(([script, m]) => `${script} (${m.locales.join(', ')})`).join('; ');
  return {
    name: 'fonts',
    ok: false,
    detail: `charts cannot draw ${scripts}${drawn.size ? `; they draw ${[...drawn].join(', ')}` : ''}`,
    fix: missingFontsMessage([...missing.entries()].map(([script, m]) => ({ script, remedy: m.remedy }))).replace(
      /^chart fonts missing for [^:]*: /,
      '',
    ),
  };
};

const POLL_FIX: Record<string, string> = {
  statuspage:
    'check sources[].url is the page of an Atlassian Statuspage (it must serve /api/v2/summary.json) and that this machine can reach it',
  feed: 'check sources[].url is an RSS or Atom feed and that this machine can reach it',
  probe: "check the probed service is up, or the source's url, timeout, expectStatus and expectBody",
  prometheus: 'check sources[].url is the Prometheus server (it must answer /api/v1/query) and each query',
};

const sourceLabel = (s: SourceConfig): string => `${s.type}${'url' in s && s.url ? ` ${maskUrl(s.url)}` : ''}`;

/** Each source once: a polling source fetches and parses once; webhook and manual sources say how they are fed. */
const checkSource = async (cfg: AppConfig, sc: SourceConfig, timeoutMs: number): Promise<DoctorCheck> => {
  const name = `source ${sc.id}`;
  if (sc.type === 'webhook') {
    const route = `POST /webhooks/${encodeURIComponent(sc.id)}`;
    const auth = sc.secret
      ? `secret set${sc.requireTimestamp ? ', timestamp required' : ''}`
      : 'no secret (insecure: true): anyone who can reach the port may post';
    return { name, ok: true, detail: `webhook (${sc.format}) on ${route}, ${auth}` };
  }
  if (sc.type === 'manual')
    return {
      name,
      ok: true,
      detail: `manual: incidents written with \`status-relay incident\` or the admin API${cfg.env.ADMIN_API_TOKEN ? '' : ' (off until ADMIN_API_TOKEN is set)'}`,
    };
  const source = createSource(sc);
  if (!source.pollOnce) return { name, ok: true, detail: `${sourceLabel(sc)}: nothing to fetch` };
  const health: SourceHealth = { state: 'pending' };
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    await source.pollOnce({
      emit: async () => undefined,
      recordSamples: async () => undefined,
      openStories: () => [],
      log: pino({ level: 'silent' }),
      signal: controller.signal,
      health,
    });
  } catch (e) {
    health.state = 'error';
    health.lastError = (e as Error).message;
  } finally {
    clearTimeout(timer);
  }
  if (controller.signal.aborted && health.state !== 'ok')
    return {
      name,
      ok: false,
      detail: `${sourceLabel(sc)}: no answer within ${timeoutMs / 1000} s`,
      fix: POLL_FIX[sc.type] ?? 'check the source settings',
    };
  if (health.state === 'ok') return { name, ok: true, detail: `${sourceLabel(sc)}: fetched and understood` };
  return {
    name,
    ok: false,
    detail: `${sourceLabel(sc)}: ${health.lastError ?? 'failed'}`,
    fix: POLL_FIX[sc.type] ?? 'check the source settings',
  };
};

/** Every check, in the order printed: platforms, store, fonts, sources. Never throws for a failed check. */
export const runDoctor = async (cfg: AppConfig, options: DoctorOptions = {}): Promise<DoctorCheck[]> => {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const [platforms, store, fonts, sources] = await Promise.all([
    checkPlatforms(cfg, timeoutMs),
    checkStore(cfg, timeoutMs),
    checkFonts(cfg),
    Promise.all(cfg.sources.map((s) => checkSource(cfg, s, timeoutMs))),
  ]);
  return [
    ...platforms,
    store,
    fonts,
    ...(sources.length ? sources : [{ name: 'sources', ok: true, detail: 'none configured (webhooks and the admin API only)' }]),
  ];
};

/** `ok       name: detail` / `problem  name: detail → fix`, one line each, every secret masked. */
export const formatDoctor = (checks: readonly DoctorCheck[], secrets: readonly string[]): string => {
  const lines = checks.map((c) =>
    `${c.ok ? 'ok     ' : 'problem'}  ${c.name}: ${c.detail}${c.ok || !c.fix ? '' : ` → fix: ${c.fix}`}`.replace(/\s*\n\s*/g, ' '),
  );
  const problems = checks.filter((c) => !c.ok).length;
  lines.push(
    problems ? `${problems} problem${problems === 1 ? '' : 's'} found in ${checks.length} checks` : `all ${checks.length} checks passed`,
  );
  return scrubSecrets(lines.join('\n'), secrets);
};
