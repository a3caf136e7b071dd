import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { parseMetrics } from '../../test/helpers/prometheus-text.ts';
import { startHarness, outage, CHANNEL, type Harness } from '../../test/emulators/telegram/harness.ts';
import { StatuspagePage } from '../../test/helpers/statuspage-page.ts';
import type { Subscription } from '../core/recipients.ts';

const parse = parseMetrics;

/** A chat the configured announce list names but Telegram does not know: "Bad Request: chat not found". */
const MISSING_CHAT = -1003000000003;
const PKG_VERSION = (JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { version: string })
  .version;

/**
 * /metrics of a running App (the real telegraf client against the Telegram emulator, a Statuspage
 * source polling a local page): each health family moves with a real event — the page failing and
 * recovering, a configured chat that is gone, a message Telegram refuses, Telegram answering 502.
 */
describe('/metrics: build, source health, paused targets, dead letters, circuit state', () => {
  let h: Harness;
  let page: StatuspagePage;

  const scrape = async (): Promise<Map<string, number>> => {
    const res = await fetch(`${h.app.baseUrl}/metrics`);
    expect(res.status).toBe(200);
    return parse(await res.text());
  };
  /** Scrapes until `check` holds on the values; returns them. */
  const scrapeUntil = async (
    what: string,
    check: (v: Map<string, number>) => boolean,
    timeoutMs = 30_000,
  ): Promise<Map<string, number>> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const values = await scrape();
      if (check(values)) return values;
      if (Date.now() > deadline)
        throw new Error(
          `metrics: ${what} not seen within ${timeoutMs} ms; last scrape:\n${[...values]
            .filter(([k]) => k.startsWith('status_relay'))
            .map(([k, v]) => `${k} ${v}`)
            .join('\n')}`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  beforeAll(async () => {
    page = new StatuspagePage();
    page.addComponent('api', 'API');
    const pageUrl = await page.listen();
    const yaml = `
service: { name: Chatter, locales: [en] }
components:
  - { id: messaging, name: { en: Messaging } }
sources:
  - { id: hooks, type: webhook, format: generic, insecure: true }
  - { id: page, type: statuspage, url: "${pageUrl}", interval: 300ms }
announce:
  - { platform: telegram, chat: "${CHANNEL}", locale: en }
  - { platform: telegram, chat: "${MISSING_CHAT}", locale: en }
`;
    h = await startHarness({}, yaml, { breaker: { failures: 3, targets: 2, cooldownMs: 500, maxCooldownMs: 2000 } });
  }, 60_000);
  afterAll(async () => {
    await h?.stop();
    await page?.close();
  });

  it('status_relay_build_info says the version and Node.js', async () => {
    const values = await scrape();
    expect(values.get(`status_relay_build_info{version="${PKG_VERSION}",node="${process.version}"}`)).toBe(1);
  });

  it('a source that fails goes to 0 and keeps its last success; back to 1 with a newer one once it recovers', async () => {
    const up = 'status_relay_source_up{source="page",type="statuspage"}';
    const last = 'status_relay_source_last_success_timestamp_seconds{source="page"}';
    const healthy = await scrapeUntil('the page source up', (v) => v.get(up) === 1 && (v.get(last) ?? 0) > 0);
    expect(healthy.get('status_relay_source_up{source="hooks",type="webhook"}')).toBe(1);
    expect(healthy.get(last)! * 1000).toBeLessThanOrEqual(Date.now() + 1000);
    expect(healthy.get(last)! * 1000).toBeGreaterThan(Date.now() - 60_000);

    page.failing.add('/api/v2/summary.json');
    const failed = await scrapeUntil('the page source down', (v) => v.get(up) === 0);
    const lastBeforeRecovery = failed.get(last)!;
    const failedAt = Date.now() / 1000;
    expect(lastBeforeRecovery).toBeGreaterThanOrEqual(healthy.get(last)!);
    expect(lastBeforeRecovery).toBeLessThanOrEqual(failedAt);
    // Stays down (and its last success stays put) while the page fails.
    await new Promise((r) => setTimeout(r, 800));
    const still = await scrape();
    expect(still.get(up)).toBe(0);
    expect(still.get(last)).toBe(lastBeforeRecovery);

    page.failing.delete('/api/v2/summary.json');
    const recovered = await scrapeUntil('the page source up again', (v) => v.get(up) === 1);
    expect(recovered.get(last)!).toBeGreaterThan(lastBeforeRecovery);
  }, 60_000);

  it('a configured chat Telegram says is gone is counted as paused', async () => {
    expect((await scrape()).get('status_relay_paused_targets{platform="telegram"}')).toBe(0);
    await h.incident(outage('m-1', 'investigating', 'Messages are delayed.'));
    const values = await scrapeUntil('a paused target', (v) => v.get('status_relay_paused_targets{platform="telegram"}') === 1);
    expect(h.emu.rejected().some((c) => c.method === 'sendMessage' && /chat not found/.test(c.description ?? ''))).toBe(true);
    expect(values.get('status_relay_paused_targets{platform="telegram"}')).toBe(1);
    expect(await h.app.app.drained(30_000)).toBe(true);
    expect(h.emu.sent(CHANNEL).some((m) => m.text.includes('Messages delayed'))).toBe(true);
  }, 60_000);

  it('a message Telegram refuses for good becomes a dead letter, counted by reason', async () => {
    const before = await scrape();
    expect(before.get('status_relay_dead_letters')).toBe(0);
    h.emu.failNext('sendMessage', 400, 'Bad Request: message text is empty');
    await h.incident(outage('m-2', 'investigating', 'Calls drop after a minute.'));
    const values = await scrapeUntil('a dead letter', (v) => v.get('status_relay_dead_letters') === 1);
    expect(values.get('status_relay_dead_lettered_total{platform="telegram",reason="permanent"}')).toBe(1);
    expect(await h.app.app.outbox.deadLetters.count()).toBe(1);
  }, 60_000);

  it('Telegram answering 502 opens the circuit (2), and it closes (0) once Telegram answers again', async () => {
    expect((await scrape()).get('status_relay_circuit_state{platform="telegram"}')).toBe(0);
    // Distinct chats: one broken chat never pauses a platform.
    const subs = h.app.app.store.namespace('subscriptions');
    for (const id of [810_001, 810_002, 810_003]) {
      h.emu.addUser({ id, first_name: `Subscriber ${id}`, language_code: 'en' });
      await subs.set<Subscription>(`telegram:${id}`, {
        platform: 'telegram',
        userId: String(id),
        components: [],
        createdAt: new Date().toISOString(),
      });
    }
    h.emu.startOutage(502);
    await h.incident(outage('m-3', 'investigating', 'Logins fail.'));
    await scrapeUntil('the circuit open', (v) => v.get('status_relay_circuit_state{platform="telegram"}') === 2);
    expect(h.emu.calls.some((c) => c.status === 502)).toBe(true);
    h.emu.endOutage();
    await scrapeUntil('the circuit closed again', (v) => v.get('status_relay_circuit_state{platform="telegram"}') === 0, 60_000);
    expect(await h.app.app.drained(30_000)).toBe(true);
    for (const id of [810_001, 810_002, 810_003]) expect(h.emu.sent(id).some((m) => m.text.includes('Logins fail'))).toBe(true);
  }, 120_000);
});
