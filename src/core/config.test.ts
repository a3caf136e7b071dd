import { describe, it, expect } from 'vitest';
import { parseConfigText, parseEnv, maskSecrets, loadConfig } from './config.ts';
import { ConfigError } from './errors.ts';

/** The docs/contract.md §3 example, verbatim: it must be accepted as written. */
export const README_EXAMPLE = `
service:
  name: Chatter                 # shown in every message
  locales: [en, zh-CN]          # languages offered; the first is the default
  timezone: UTC
components:                     # optional: otherwise learned from the sources
  - { id: messaging, name: { en: Messaging, zh-CN: 消息 } }
  - { id: calls, name: { en: Voice and video calls, zh-CN: 语音和视频通话 } }
sources:
  - { id: page, type: statuspage, url: https://status.example.com, interval: 30s }
  - { id: hooks, type: webhook, format: statuspage, secret: "\${WEBHOOK_SECRET}" }
  - { id: alerts, type: webhook, format: alertmanager, secret: "\${ALERTS_TOKEN}" }
  - { id: api, type: probe, component: messaging, url: https://api.example.com/health,
      interval: 15s, timeout: 5s, degradedLatencyMs: 800, errorRatePercent: 5 }
announce:                       # channel auto-announcements fixed by config
  - { platform: telegram, chat: "-1001234567890", locale: zh-CN }
  - { platform: slack, channel: C0123456789, components: [messaging] }
  - { platform: discord, channel: "123456789012345678", minSeverity: major }
advice:                         # workaround advice, by component and/or cause; keys are localized
  - { when: { components: [messaging] }, say: [check_connectivity, retry_later] }
  - { when: { severity: major }, say: [use_alternative_channel, follow_status_page] }
digest: { cron: "0 9 * * *", announce: true }   # daily KPI summary
`;

const message = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('config file', () => {
  it('accepts the docs/contract.md §3 example as written, with durations and ${VAR} expanded', () => {
    const cfg = parseConfigText(README_EXAMPLE, { WEBHOOK_SECRET: 's3cret', ALERTS_TOKEN: 'al3rts' });
    expect(cfg.service).toEqual({ name: 'Chatter', locales: ['en', 'zh-CN'], timezone: 'UTC' });
    expect(cfg.sources.map((s) => s.type)).toEqual(['statuspage', 'webhook', 'webhook', 'probe']);
    const page = cfg.sources[0]!;
    expect(page.type === 'statuspage' && page.interval).toBe(30_000);
    const hooks = cfg.sources[1]!;
    expect(hooks.type === 'webhook' && hooks.secret).toBe('s3cret');
    const probe = cfg.sources[3]!;
    expect(probe.type === 'probe' && [probe.interval, probe.timeout, probe.degradedLatencyMs]).toEqual([15_000, 5_000, 800]);
    expect(cfg.announce.map((a) => [a.platform, a.chatId, a.minSeverity])).toEqual([
      ['telegram', '-1001234567890', 'minor'],
      ['slack', 'C0123456789', 'minor'],
      ['discord', '123456789012345678', 'major'],
    ]);
    expect(cfg.digest).toEqual({ cron: '0 9 * * *', announce: true });
  });

  it.each([
    ['an unknown field', 'service: { name: X, colour: red }', /test service: unknown field colour: remove it or check the spelling/],
    [
      'a bad URL',
      'sources: [{ id: p, type: statuspage, url: "not a url" }]',
      /test sources\[0\]\.url: expected an http:\/\/ or https:\/\/ URL/,
    ],
    ['an unknown locale', 'service: { locales: [en, xx] }', /test service\.locales\[1\]: expected one of the supported locales/],
    ['a bad duration', 'sources: [{ id: p, type: statuspage, url: "http://x", interval: soon }]', /interval: expected a duration like 30s/],
    ['an unknown source type', 'sources: [{ id: p, type: carrier-pigeon }]', /sources\[0\]\.type: unknown type/],
    ['malformed YAML', 'service: [unclosed', /test: is not valid YAML/],
    [
      'an unset variable',
      'sources: [{ id: h, type: webhook, format: generic, secret: "${NOPE}" }]',
      /sources\[0\]\.secret: uses \$\{NOPE\}, which is not set/,
    ],
    ['a duplicate source id', 'sources: [{ id: a, type: manual }, { id: a, type: manual }]', /sources\[1\]\.id: "a" is used twice/],
  ])('refuses %s with one line naming the setting and the fix', (_name, yaml, expected) => {
    const text = message(() => parseConfigText(yaml, {}, 'test'));
    expect(text).toMatch(expected);
    expect(text).not.toContain('\n');
  });

  it('accepts http:// everywhere and intervals from 1 s', () => {
    const cfg = parseConfigText('sources: [{ id: p, type: statuspage, url: "http://127.0.0.1:9/", interval: 1s }]', {});
    expect(cfg.sources[0]!.type === 'statuspage' && cfg.sources[0]!.interval).toBe(1000);
  });

  it('delivery.maxAge: 24 h unless set; delivery.maxAttempts still parses (ignored, warned at start)', () => {
    expect(parseConfigText('', {}).delivery.maxAge).toBe(86_400_000);
    expect(parseConfigText('delivery: { limits: {} }', {}).delivery.maxAge).toBe(86_400_000);
    expect(parseConfigText('delivery: { maxAge: 2h, maxAttempts: 8 }', {}).delivery).toMatchObject({ maxAge: 7_200_000, maxAttempts: 8 });
    expect(message(() => parseConfigText('delivery: { maxAge: soon }', {}))).toMatch(/^config delivery.maxAge: expected a duration/);
  });
});

describe('environment', () => {
  it('has the docs/contract.md §2 defaults', () => {
    const env = parseEnv({});
    expect(env).toMatchObject({
      CONFIG_FILE: './status-relay.yaml',
      STORE_URL: 'sqlite://./data/status-relay.sqlite',
      HTTP_HOST: '0.0.0.0',
      HTTP_PORT: 8080,
      LOG_LEVEL: 'info',
      DEFAULT_LOCALE: 'en',
      TELEGRAM_API_ROOT: 'https://api.telegram.org',
      SLACK_API_URL: 'https://slack.com/api/',
      SLACK_COMMAND: '/statusrelay',
      DISCORD_API_URL: 'https://discord.com/api',
    });
    expect(env.TELEGRAM_BOT_TOKEN).toBeUndefined();
  });

  it.each([
    [{ STORE_URL: 'mysql://x' }, /^STORE_URL: expected sqlite:\/\/PATH/],
    [{ HTTP_PORT: 'eighty' }, /^HTTP_PORT: /],
    [{ DEFAULT_LOCALE: 'xx' }, /^DEFAULT_LOCALE: expected one of the supported locales/],
    [{ TELEGRAM_API_ROOT: 'ftp://x' }, /^TELEGRAM_API_ROOT: expected an http/],
    [{ SLACK_BOT_TOKEN: 'xoxb-1' }, /^SLACK_SIGNING_SECRET: is required/],
    [{ DISCORD_TOKEN: 'abc' }, /^DISCORD_APPLICATION_ID: is required/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL: /],
  ])('refuses %o with one line naming the variable', (env, expected) => {
    expect(message(() => parseEnv(env))).toMatch(expected);
  });

  it('stops when CONFIG_FILE points nowhere, and runs the demo when it is unset and absent', () => {
    expect(message(() => loadConfig({ CONFIG_FILE: '/nonexistent/x.yaml' }))).toMatch(/^CONFIG_FILE: \/nonexistent\/x.yaml does not exist/);
    const demo = loadConfig({ CONFIG_FILE: undefined });
    expect(demo.demo).toBe(process.env.CONFIG_FILE === undefined);
  });

  it('masks secrets in check-config output', () => {
    const cfg = {
      ...parseConfigText(README_EXAMPLE, { WEBHOOK_SECRET: 'hunter22', ALERTS_TOKEN: 'al3rts-t0ken' }),
      env: parseEnv({ TELEGRAM_BOT_TOKEN: '123:ABCDEF', ADMIN_API_TOKEN: 'adm1n-t0ken', STORE_URL: 'postgres://u:pw@db/x' }),
      demo: false,
    };
    const text = JSON.stringify(maskSecrets(cfg));
    for (const secret of ['hunter22', 'al3rts-t0ken', '123:ABCDEF', 'adm1n-t0ken', ':pw@']) expect(text).not.toContain(secret);
    expect(text).toContain('postgres://u:****@db/x');
  });
});
