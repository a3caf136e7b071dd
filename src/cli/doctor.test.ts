import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { TelegramEmulator } from '../../test/emulators/telegram/server.ts';
import { SlackEmulator } from '../../test/emulators/slack/server.ts';
import { DiscordEmulator } from '../../test/emulators/discord/index.ts';
import { StatuspagePage } from '../../test/helpers/statuspage-page.ts';
import { canDraw } from '../kpi/fonts.ts';
import { runCli, type CliRun } from '../../test/helpers/cli.ts';
import { hasCommand, startOwnRedis } from '../../test/helpers/services.ts';

const SLACK_SIGNING = 'doctor-signing-secret-0123456789';
const HOOK_SECRET = 'doctor-webhook-secret-0123456789';

/** Lines of doctor's output that start with `status` and name `check`. */
const line = (run: CliRun, check: string): string => {
  const found = run.stdout
    .split('\n')
    .find((l) => new RegExp(`^(ok|problem)\\s+${check.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `).test(l));
  if (!found) throw new Error(`no "${check}" line in:\n${run.stdout}\n${run.stderr}`);
  return found;
};

/**
 * `status-relay doctor` run as a process against the three platform emulators (the real telegraf,
 * bolt WebClient and discord.js REST clients inside the CLI), a local Statuspage and a real store.
 */
describe('status-relay doctor', () => {
  let telegram: TelegramEmulator;
  let slack: SlackEmulator;
  let discord: DiscordEmulator;
  let page: StatuspagePage;
  let pageUrl: string;
  let dir: string;
  /** A port nothing listens on: connections are refused at once. */
  let closedPort: number;

  beforeAll(async () => {
    telegram = new TelegramEmulator();
    await telegram.start();
    slack = await new SlackEmulator().start();
    discord = await new DiscordEmulator().start();
    page = new StatuspagePage();
    page.addComponent('api', 'API');
    pageUrl = await page.listen();
    const probe = new StatuspagePage();
    const probeUrl = await probe.listen();
    closedPort = Number(new URL(probeUrl).port);
    await probe.close();
    dir = mkdtempSync(join(tmpdir(), 'sr-doctor-'));
  });
  afterAll(async () => {
    await telegram?.stop();
    await slack?.stop();
    await discord?.stop();
    await page?.close();
  });

  const configFile = (sources: string): string => {
    const path = join(dir, `config-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(
      path,
      `service: { name: Chatter, locales: [en, de] }
sources:
${sources}
announce:
  - { platform: console, channel: "#ops", locale: en }
`,
    );
    return path;
  };

  const platformEnv = (good: boolean): Record<string, string> => ({
    TELEGRAM_BOT_TOKEN: good ? telegram.token : '999999:not-the-token_of-this-bot',
    TELEGRAM_API_ROOT: telegram.apiRoot,
    SLACK_BOT_TOKEN: good ? 'xoxb-test' : 'xoxb-someone-else',
    SLACK_SIGNING_SECRET: SLACK_SIGNING,
    SLACK_APP_TOKEN: good ? 'xapp-test' : 'xapp-not-this-app',
    SLACK_API_URL: slack.apiUrl,
    DISCORD_TOKEN: good ? discord.token : 'not.the.discord.token',
    DISCORD_APPLICATION_ID: discord.applicationId,
    DISCORD_API_URL: discord.apiUrl,
  });

  it('all good: one ok line per check, exit 0, the tokens were asked of each platform', async () => {
    const config = configFile(`  - { id: status-page, type: statuspage, url: "${pageUrl}", interval: 60s }
  - { id: alerts, type: webhook, format: alertmanager, secret: "${HOOK_SECRET}" }
  - { id: ops, type: manual }`);
    const before = { telegram: telegram.calls.length, slack: slack.calls.length, discord: discord.state.requests.length };
    const run = await runCli(['doctor', '--timeout', '15'], {
      ...platformEnv(true),
      CONFIG_FILE: config,
      STORE_URL: `sqlite://${join(dir, 'good.sqlite')}`,
    });
    expect(run.stderr).toBe('');
    expect(line(run, 'telegram')).toMatch(/^ok\s+telegram: TELEGRAM_BOT_TOKEN accepted \(getMe: bot @status_relay_bot\)$/);
    expect(line(run, 'slack')).toMatch(/^ok\s+slack: SLACK_BOT_TOKEN accepted \(auth\.test: statusrelay in Emu\)$/);
    expect(line(run, 'slack socket mode')).toBe('ok       slack socket mode: SLACK_APP_TOKEN accepted (apps.connections.open)');
    expect(line(run, 'discord')).toMatch(/^ok\s+discord: DISCORD_TOKEN accepted \(GET \/users\/@me: Status Relay, id \d+\)$/);
    expect(line(run, 'store')).toMatch(/^ok\s+store: sqlite:\/\/.*good\.sqlite opened and answers$/);
    expect(line(run, 'source status-page')).toMatch(
      /^ok\s+source status-page: statuspage http:\/\/127\.0\.0\.1:\d+\/: fetched and understood$/,
    );
    expect(line(run, 'source alerts')).toBe('ok       source alerts: webhook (alertmanager) on POST /webhooks/alerts, secret set');
    expect(line(run, 'source ops')).toMatch(/^ok\s+source ops: manual: /);
    if (canDraw('Uptime', 'en')) expect(line(run, 'fonts')).toBe('ok       fonts: charts draw every language offered (en, de)');
    else console.log('doctor fonts line not asserted: no Latin font on this machine');
    expect(run.stdout.trim().split('\n').at(-1)).toMatch(/^all \d+ checks passed$/);
    expect(run.code).toBe(0);
    // What reached the platforms: exactly the identity calls, with the real tokens.
    expect(telegram.calls.slice(before.telegram).map((c) => `${c.method} ${c.status}`)).toEqual(['getMe 200']);
    expect(
      slack.calls
        .slice(before.slack)
        .map((c) => `${c.method} ${c.ok}`)
        .sort(),
    ).toEqual(['apps.connections.open true', 'auth.test true']);
    expect(discord.state.requests.slice(before.discord).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(['GET /users/@me 200']);
    expect(page.hits.get('/api/v2/summary.json')).toBeGreaterThanOrEqual(1);
    // Never a secret.
    for (const secret of [telegram.token, 'xoxb-test', 'xapp-test', discord.token, SLACK_SIGNING, HOOK_SECRET])
      expect(run.stdout).not.toContain(secret);
  }, 120_000);

  it('bad tokens, a down store and a failing source: a problem line each with what to fix, exit 1', async () => {
    page.failing.add('/api/v2/summary.json');
    const config = configFile(`  - { id: status-page, type: statuspage, url: "${pageUrl}", interval: 60s }
  - { id: site, type: probe, component: api, url: "http://127.0.0.1:${closedPort}/health", interval: 30s, timeout: 2s }
  - { id: open-hook, type: webhook, format: generic, insecure: true }`);
    const before = { telegram: telegram.calls.length, slack: slack.calls.length, discord: discord.state.requests.length };
    const run = await runCli(['doctor', '--timeout', '15'], {
      ...platformEnv(false),
      CONFIG_FILE: config,
      STORE_URL: `postgres://doctor:hunter2-password@127.0.0.1:${closedPort}/status`,
    });
    page.failing.delete('/api/v2/summary.json');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    expect(line(run, 'telegram')).toBe(
      'problem  telegram: Telegram refused TELEGRAM_BOT_TOKEN (getMe: 401 Unauthorized) → fix: copy the token again from @BotFather (/mybots → API Token) into TELEGRAM_BOT_TOKEN',
    );
    expect(line(run, 'slack')).toMatch(
      /^problem\s+slack: Slack refused SLACK_BOT_TOKEN \(auth\.test: invalid_auth\) → fix: copy the Bot User OAuth Token/,
    );
    expect(line(run, 'slack socket mode')).toMatch(
      /^problem\s+slack socket mode: Slack refused SLACK_APP_TOKEN \(apps\.connections\.open: invalid_auth\) → fix: copy the App-Level Token/,
    );
    expect(line(run, 'discord')).toMatch(
      /^problem\s+discord: Discord refused DISCORD_TOKEN \(GET \/users\/@me: 401 Unauthorized\) → fix: copy the bot token again/,
    );
    const store = line(run, 'store');
    expect(store).toMatch(
      /^problem\s+store: STORE_URL: cannot reach postgres:\/\/doctor:\*\*\*\*@127\.0\.0\.1:\d+\/status \(.*ECONNREFUSED.*\) → fix: start the store .*, or correct STORE_URL/,
    );
    expect(line(run, 'source status-page')).toMatch(
      /^problem\s+source status-page: statuspage http:\/\/127\.0\.0\.1:\d+\/: HTTP 503 from .*summary\.json → fix: check sources\[\]\.url/,
    );
    expect(line(run, 'source site')).toMatch(
      /^problem\s+source site: probe http:\/\/127\.0\.0\.1:\d+\/health: .* → fix: check the probed service/,
    );
    expect(line(run, 'source open-hook')).toBe(
      'ok       source open-hook: webhook (generic) on POST /webhooks/open-hook, no secret (insecure: true): anyone who can reach the port may post',
    );
    expect(run.stdout.trim().split('\n').at(-1)).toMatch(/^\d+ problems found in \d+ checks$/);
    // The platforms answered the bad tokens the way the real ones do.
    expect(telegram.calls.slice(before.telegram).map((c) => `${c.method} ${c.status} ${c.description}`)).toEqual([
      'getMe 401 Unauthorized',
    ]);
    expect(
      slack.calls
        .slice(before.slack)
        .map((c) => `${c.method} ${c.error}`)
        .sort(),
    ).toEqual(['apps.connections.open invalid_auth', 'auth.test invalid_auth']);
    expect(discord.state.requests.slice(before.discord).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(['GET /users/@me 401']);
    for (const secret of [
      '999999:not-the-token_of-this-bot',
      'xoxb-someone-else',
      'xapp-not-this-app',
      'not.the.discord.token',
      SLACK_SIGNING,
      'hunter2-password',
    ])
      expect(run.stdout).not.toContain(secret);
  }, 120_000);

  it('a platform that cannot be reached is a problem too, named with its setting', async () => {
    const config = configFile('  - { id: ops, type: manual }');
    const run = await runCli(['doctor', '--timeout', '5'], {
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_API_ROOT: `http://127.0.0.1:${closedPort}`,
      CONFIG_FILE: config,
      STORE_URL: `sqlite://${join(dir, 'reach.sqlite')}`,
    });
    expect(run.code).toBe(1);
    expect(line(run, 'telegram')).toMatch(
      /^problem\s+telegram: cannot reach http:\/\/127\.0\.0\.1:\d+ \(.+\) → fix: check the network from this machine and TELEGRAM_API_ROOT$/,
    );
    // The token sits in the Bot API's URL path: it must not leak through the error text.
    expect(run.stdout).not.toContain(telegram.token);
    expect(line(run, 'store')).toMatch(/^ok\s+store: /);
  }, 120_000);

  const withRedis = hasCommand('redis-server') ? it : it.skip;
  if (!hasCommand('redis-server')) it('a hung Redis store: was not run, redis-server is not installed', () => {});
  withRedis(
    'a store that hangs (its redis-server SIGSTOPped) is a problem within the timeout, and doctor still exits',
    async () => {
      const redis = await startOwnRedis();
      try {
        const config = configFile('  - { id: ops, type: manual }');
        const healthy = await runCli(['doctor', '--timeout', '3'], { CONFIG_FILE: config, STORE_URL: redis.url });
        expect(line(healthy, 'store')).toMatch(/^ok\s+store: redis:\/\/127\.0\.0\.1:\d+ opened and answers$/);
        expect(healthy.code).toBe(0);
        redis.pause();
        const hung = await runCli(['doctor', '--timeout', '3'], { CONFIG_FILE: config, STORE_URL: redis.url });
        expect(line(hung, 'store')).toMatch(
          /^problem\s+store: STORE_URL: no answer from redis:\/\/127\.0\.0\.1:\d+ within 3 s → fix: start the store/,
        );
        expect(hung.code).toBe(1);
      } finally {
        await redis.stop();
      }
    },
    120_000,
  );
});
