import pino from 'pino';
import type { AppConfig, SourceConfig } from '../core/config.ts';
import { ConfigError } from '../core/errors.ts';
import { scrubSecrets } from '../core/logger.ts';
import { maskUrl, openStore } from '../storage/store.ts';
import { fontsFor, missingFontsMessage } from '../kpi/fonts.ts';
import { Translator } from '../i18n/i18n.ts';
import { createSource } from '../sources/registry.ts';
import type { SourceHealth } from '../sources/source.ts';
import { PLATFORM_REGISTRY, type PlatformEntry } from '../adapters/registry.ts';
import { within, type SetupCheck } from '../adapters/checks.ts';

/** One line of `status-relay doctor`: what was checked, how it went, and what to do when it failed. */
export type DoctorCheck = SetupCheck;

export interface DoctorOptions {
  /** Upper bound for each network check (a platform, the store, a source). */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** Every platform with a token, checked by its adapter (the registry's `check`). */
const checkPlatforms = async (cfg: AppConfig, timeoutMs: number): Promise<DoctorCheck[]> => {
  const entries: PlatformEntry[] = Object.values(PLATFORM_REGISTRY);
  const runs = entries.flatMap((e) => (e.check && e.enabled(cfg) ? [e.check(cfg, timeoutMs)] : []));
  if (runs.length === 0) {
    const tokens = entries.flatMap((e) => (e.check && e.token ? [e.token] : []));
    return [{ name: 'platforms', ok: true, detail: `no token set (${tokens.join(', ')}): announcements go to the console only` }];
  }
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
