import { describe, it, expect, afterEach } from 'vitest';
import { startTestApp, type TestApp } from '../../test/helpers/app.ts';
import { ScriptedPlatform } from '../../test/helpers/scripted-platform.ts';

const YAML = `
service: { name: Chatter, locales: [en] }
sources: [{ id: gen, type: webhook, format: generic, insecure: true }]
announce:
  - { platform: console, channel: A }
  - { platform: console, channel: B }
`;

const push = (t: TestApp, status: string, message: string) =>
  fetch(`${t.baseUrl}/webhooks/gen`, {
    method: 'POST',
    body: JSON.stringify({ incident: { id: 'i1', name: 'Outage', status, impact: 'major', message } }),
  });

describe('delivery', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('posts once, then edits the first post and replies in its thread; the resolution closes the thread', async () => {
    const platform = new ScriptedPlatform();
    t = await startTestApp(YAML, {}, { adapters: [platform] });
    await push(t, 'investigating', 'one');
    await t.app.drained();
    await push(t, 'identified', 'two');
    await t.app.drained();
    await push(t, 'resolved', 'three');
    await t.app.drained();
    const a = platform.calls.filter((c) => c.chat === 'A').map((c) => `${c.op}${c.replyTo ? `>${c.replyTo}` : ''}`);
    const root = platform.calls.find((c) => c.chat === 'A' && c.op === 'send')!;
    expect(root.replyTo).toBeUndefined();
    expect(a).toEqual(['send', 'edit', expect.stringMatching(/^send>\d+$/), 'edit', expect.stringMatching(/^send>\d+$/), 'close']);
  });

  it('waits as told on a 429 and then delivers, without giving up', async () => {
    const platform = new ScriptedPlatform();
    platform.failures = [{ chat: 'A', kind: 'rate_limited', retryAfterMs: 300, times: 2 }];
    t = await startTestApp(YAML, {}, { adapters: [platform] });
    const started = Date.now();
    await push(t, 'investigating', 'one');
    await t.app.drained();
    const sentA = platform.calls.filter((c) => c.chat === 'A');
    expect(sentA).toHaveLength(1);
    expect(sentA[0]!.at - started).toBeGreaterThanOrEqual(600);
    expect(t.app.delivery.stats.rateLimited.console).toBe(2);
  });

  it('retries a transient failure with backoff and dead-letters a permanent one', async () => {
    const platform = new ScriptedPlatform();
    platform.failures = [
      { chat: 'A', kind: 'transient', times: 1 },
      { chat: 'B', kind: 'permanent', times: 1 },
    ];
    t = await startTestApp(YAML, {}, { adapters: [platform] });
    await push(t, 'investigating', 'one');
    await t.app.drained();
    expect(platform.calls.filter((c) => c.chat === 'A')).toHaveLength(1);
    expect(platform.calls.filter((c) => c.chat === 'B')).toHaveLength(0);
    expect(t.app.delivery.stats.failed.console).toBe(1);
    expect(t.app.delivery.stats.deadLettered.permanent.console).toBe(1);
  });

  it('pauses a config target the platform says is gone, until the next start', async () => {
    const platform = new ScriptedPlatform();
    platform.failures = [{ chat: 'B', kind: 'target_gone', times: 99 }];
    t = await startTestApp(YAML, {}, { adapters: [platform] });
    await push(t, 'investigating', 'one');
    await t.app.drained();
    await push(t, 'identified', 'two');
    await t.app.drained();
    expect(platform.calls.filter((c) => c.chat === 'A').length).toBeGreaterThan(1);
    expect(platform.failures[0]!.times).toBe(98);
    const ready = (await (await fetch(`${t.baseUrl}/readyz`)).json()) as { pausedTargets: string[] };
    expect(ready.pausedTargets).toEqual(['console:channel:B']);
  });

  it('removes a subscription whose chat is gone, and keeps order per target', async () => {
    const platform = new ScriptedPlatform();
    platform.failures = [{ chat: 'gone-user', kind: 'target_gone', times: 99 }];
    t = await startTestApp(
      'service: { name: Chatter }\nsources: [{ id: gen, type: webhook, format: generic, insecure: true }]',
      {},
      { adapters: [platform] },
    );
    for (const user of ['gone-user', 'ok-user'])
      await t.app.router.handle({ platform: 'console', userId: user, chatId: user, chatKind: 'dm', command: '/subscribe', args: [] });
    for (const [i, status] of ['investigating', 'identified', 'monitoring'].entries()) await push(t, status, `msg ${i}`);
    await t.app.drained();
    expect(await t.app.store.namespace('subscriptions').get('console:gone-user')).toBeUndefined();
    expect(await t.app.store.namespace('subscriptions').get('console:ok-user')).toBeDefined();
    expect(platform.failures[0]!.times).toBe(98);
    const titles = platform.calls.filter((c) => c.chat === 'ok-user' && c.op === 'send').map((c) => c.title);
    expect(titles).toEqual([
      'Chatter · Major incident · Investigating',
      'Chatter · Major incident · Identified',
      'Chatter · Major incident · Monitoring',
    ]);
  });
});
