import { describe, it, expect, afterEach } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import type { ChatAdapter, PostedRef } from '../../src/adapters/adapter.ts';

const YAML = `
service: { name: Chatter, locales: [en] }
sources: [{ id: gen, type: webhook, format: generic, insecure: true }]
announce: [{ platform: console, channel: ops }]
`;
const SUBSCRIBERS = 20_000;

/** A platform whose sends wait until the test opens the gate. */
const gatedPlatform = () => {
  let open: () => void = () => undefined;
  const gate = new Promise<void>((r) => (open = r));
  const sent: string[] = [];
  const adapter: ChatAdapter = {
    platform: 'console',
    start: async () => undefined,
    stop: async () => undefined,
    state: () => 'connected',
    async send(target): Promise<PostedRef> {
      await gate;
      sent.push(target.chatId);
      return { platform: 'console', chatId: target.chatId, messageId: String(sent.length) };
    },
  };
  return { adapter, sent, open: () => open() };
};

const seed = async (t: TestApp) => {
  const now = new Date().toISOString();
  await t.app.store
    .namespace('subscriptions')
    .setMany(
      Array.from(
        { length: SUBSCRIBERS },
        (_, i) => [`console:user-${i}`, { platform: 'console', userId: `user-${i}`, components: [], createdAt: now }] as const,
      ),
    );
};

const push = (t: TestApp, id: string) =>
  fetch(`${t.baseUrl}/webhooks/gen`, {
    method: 'POST',
    body: JSON.stringify({ incident: { id, name: `Outage ${id}`, status: 'investigating', impact: 'major', message: 'x' } }),
  });

describe('webhook acceptance is a durable append, fan-out comes after', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it(`answers 202 while the fan-out to ${SUBSCRIBERS.toLocaleString('en')} subscribers has not finished, and the announcement then reaches them all`, async () => {
    const platform = gatedPlatform();
    t = await startTestApp(YAML, {}, { adapters: [platform.adapter] });
    await seed(t);
    const res = await push(t, 'big');
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: true, changes: 1, samples: 0 });
    // At the 202: the payload is recorded, the recipients are not all recorded yet, nothing is sent.
    const recordedAt202 = t.app.outbox.depth();
    expect(recordedAt202).toBeLessThan(SUBSCRIBERS + 1);
    expect(platform.sent).toHaveLength(0);
    expect(await t.app.processed(120_000)).toBe(true);
    expect(t.app.outbox.depth()).toBe(SUBSCRIBERS + 1);
    platform.open();
    expect(await t.app.drained(120_000)).toBe(true);
    expect(new Set(platform.sent).size).toBe(SUBSCRIBERS + 1);
    console.log(`[ingest] ${recordedAt202} of ${SUBSCRIBERS + 1} jobs recorded when the 202 arrived`);
  }, 180_000);

  it('a full ingest queue answers 503 with Retry-After, and what was accepted is still processed', async () => {
    const platform = gatedPlatform();
    platform.open();
    t = await startTestApp(YAML, {}, { adapters: [platform.adapter], ingestQueueLimit: 2 });
    await seed(t);
    // The first push keeps the leader busy with its fan-out (its claim still counts), the second waits.
    expect((await push(t, 'one')).status).toBe(202);
    expect((await push(t, 'two')).status).toBe(202);
    const full = await push(t, 'three');
    expect(full.status).toBe(503);
    expect(full.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await full.json()) as { error: string }).error).toMatch(/queue "ingest:gen" is full \(2 items waiting\)/);
    expect(await t.app.processed(120_000)).toBe(true);
    expect(
      t.app.tracker
        .openIncidents()
        .map((i) => i.name)
        .sort(),
    ).toEqual(['Outage one', 'Outage two']);
    // Room again once drained.
    expect((await push(t, 'three')).status).toBe(202);
  }, 180_000);
});
