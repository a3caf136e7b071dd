import { PassThrough } from 'node:stream';
import { describe, it, expect, afterAll } from 'vitest';
import { startHarness, outage, CHANNEL, USERS, type Harness } from '../emulators/telegram/harness.ts';
import { StatuspagePage } from '../helpers/statuspage-page.ts';
import { createLogger } from '../../src/core/logger.ts';
import { repeatedKeys } from '../helpers/json-keys.ts';
import { waitFor } from '../helpers/child.ts';

/** A configured chat Telegram does not know ("Bad Request: chat not found"). */
const MISSING_CHAT = -1003000000003;

/**
 * Issue 15: "log lines never repeat a key". The production logger (createLogger, debug level) of a
 * real App on the Telegram emulator, through a realistic run: webhooks (good and bad), deliveries,
 * a 502 and a gone chat, a user's command, a status page that fails and a probe that is refused.
 * Every line is read as raw text, where JSON.parse would hide a second copy of a key.
 */
describe('log lines never repeat a key', () => {
  let h: Harness | undefined;
  const page = new StatuspagePage();
  afterAll(async () => {
    await h?.stop();
    await page.close();
  });

  it('over a realistic run, no line has a key twice', { timeout: 120_000 }, async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString('utf8')));
    const lines = () => text.split('\n').filter(Boolean);
    page.addComponent('api', 'API');
    const pageUrl = await page.listen();
    const yaml = `
service: { name: Chatter, locales: [en, zh-CN] }
components:
  - { id: messaging, name: { en: Messaging, zh-CN: 消息 } }
sources:
  - { id: hooks, type: webhook, format: generic, insecure: true }
  - { id: page, type: statuspage, url: "${pageUrl}", interval: 200ms }
  - { id: site, type: probe, component: api, url: "http://127.0.0.1:9/health", interval: 200ms, timeout: 1s, failuresToDown: 1 }
announce:
  - { platform: telegram, chat: "${CHANNEL}", locale: zh-CN }
  - { platform: telegram, chat: "${MISSING_CHAT}", locale: en }
`;
    h = await startHarness({}, yaml, { logger: createLogger('debug', [], out) });
    const { emu, app } = h;
    await waitFor(() => app.app.sourceHealth.get('page')?.state === 'ok');

    // A webhook, its delivery (one chat gone), an update whose send first meets a 502.
    await h.incident(outage('log-1', 'investigating', 'Messages are delayed.'));
    expect(await app.app.drained(30_000)).toBe(true);
    emu.failNext('sendMessage', 502);
    await h.incident(outage('log-1', 'identified', 'A bad deploy; rolling back.'));
    expect(await app.app.drained(30_000)).toBe(true);
    // Refused pushes: bad JSON, an unknown source.
    expect(
      (await fetch(`${app.baseUrl}/webhooks/hooks`, { method: 'POST', body: '{"nope', headers: { 'content-type': 'application/json' } }))
        .status,
    ).toBe(400);
    expect((await fetch(`${app.baseUrl}/webhooks/nobody`, { method: 'POST', body: '{}' })).status).toBe(404);
    // A user's command, answered.
    const answer = await h.command(USERS.alice, USERS.alice.id, '/status');
    expect(answer.text.length).toBeGreaterThan(0);
    // The status page fails for a while; the probe was refused all along.
    page.failing.add('/api/v2/summary.json');
    await waitFor(() => lines().some((l) => l.includes('status page poll failed')));
    await h.stop();
    h = undefined;

    const all = lines();
    const repeated = all.flatMap((line) => repeatedKeys(line).map((key) => `${key} in ${line.slice(0, 300)}`));
    expect(repeated).toEqual([]);
    // The run logged what it should have, through the child loggers that bind keys.
    const parsed = all.map((l) => JSON.parse(l) as Record<string, unknown>);
    const has = (what: string, pred: (l: Record<string, unknown>) => boolean) => expect(parsed.some(pred), what).toBe(true);
    has('an access line', (l) => l.msg === 'http request' && typeof l.reqId === 'string' && l.route === '/webhooks/:sourceId');
    has('a status event', (l) => l.msg === 'status event');
    has(
      'the failing page, from its source logger',
      (l) => l.source === 'page' && l.level === 40 && l.msg === 'status page poll failed; keeping the last known state',
    );
    has('a line from the Telegram adapter', (l) => l.platform === 'telegram');
    has('a delivery problem', (l) => Number(l.level) >= 40 && JSON.stringify(l).includes(String(MISSING_CHAT)));
    console.log(`log-keys: ${all.length} lines checked, none with a repeated key`);
  });
});
