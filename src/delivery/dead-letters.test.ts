import { describe, it, expect, afterEach } from 'vitest';
import { startTestApp, type TestApp } from '../../test/helpers/app.ts';
import { ScriptedPlatform } from '../../test/helpers/scripted-platform.ts';
import { waitFor } from '../../test/helpers/child.ts';
import type { DeadLetter } from './dead-letters.ts';

const YAML = (maxAge: string) => `
service: { name: Chatter, locales: [en] }
sources: [{ id: gen, type: webhook, format: generic, insecure: true }]
delivery: { maxAge: ${maxAge} }
announce:
  - { platform: console, channel: A }
  - { platform: console, channel: B }
`;

const push = (t: TestApp, status: string, message: string, id = 'i1') =>
  fetch(`${t.baseUrl}/webhooks/gen`, {
    method: 'POST',
    body: JSON.stringify({ incident: { id, name: 'Outage', status, impact: 'major', message } }),
  });

const letters = async (t: TestApp): Promise<DeadLetter[]> => {
  const out: DeadLetter[] = [];
  for await (const l of t.app.outbox.deadLetters.list()) out.push(l);
  return out;
};

const metric = async (t: TestApp, line: RegExp): Promise<number | undefined> => {
  const text = await (await fetch(`${t.baseUrl}/metrics`)).text();
  const m = text.split('\n').find((l) => line.test(l));
  return m === undefined ? undefined : Number(m.split(' ').at(-1));
};

describe('retries and dead letters', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('retries a transient failure on a backoff until it is older than delivery.maxAge, then dead-letters it with its last error', async () => {
    const platform = new ScriptedPlatform();
    platform.failures = [{ chat: 'A', kind: 'transient', times: 1_000_000 }];
    t = await startTestApp(YAML('4s'), {}, { adapters: [platform] });
    const started = Date.now();
    await push(t, 'investigating', 'one');
    await waitFor(async () => (await letters(t!)).length === 1, 15_000);
    const waited = Date.now() - started;
    const [letter] = await letters(t);
    expect(letter).toMatchObject({
      reason: 'expired',
      code: 'transient',
      error: expect.stringMatching(/^scripted transient \(waited longer than delivery.maxAge \(4 s\)/),
      job: { target: { chatId: 'A' }, story: 'incident:gen:i1' },
    });
    // Tried on a backoff (1 s, 2 s …), not dropped after a count, and not kept past maxAge.
    expect(letter!.job.attempts).toBeGreaterThanOrEqual(2);
    expect(waited).toBeGreaterThanOrEqual(4000);
    expect(await t.app.drained()).toBe(true);
    expect(t.app.outbox.depth()).toBe(0);
    expect(platform.calls.filter((c) => c.chat === 'B')).toHaveLength(1);
    expect(t.app.delivery.stats.deadLettered.expired.console).toBe(1);
    expect(await metric(t, /^status_relay_dead_lettered_total\{platform="console",reason="expired"\}/)).toBe(1);
    expect(await metric(t, /^status_relay_dead_letters /)).toBe(1);
    // The store no longer holds it as pending: a restart does not try it again.
    expect(await t.app.store.namespace('outbox').get(letter!.job.id)).toBeUndefined();
  });

  it('dead-letters a message the platform refuses, at once and with its error code', async () => {
    const platform = new ScriptedPlatform();
    platform.failures = [{ chat: 'B', kind: 'permanent', times: 1 }];
    t = await startTestApp(YAML('24h'), {}, { adapters: [platform] });
    await push(t, 'investigating', 'one');
    await waitFor(async () => (await letters(t!)).length === 1);
    const [letter] = await letters(t);
    expect(letter).toMatchObject({ reason: 'permanent', code: 'permanent', job: { target: { chatId: 'B' }, attempts: 1 } });
    expect(await t.app.store.namespace('dead-letter-events').get(letter!.job.eventId)).toMatchObject({ id: letter!.job.eventId });
    expect(await metric(t, /^status_relay_dead_lettered_total\{platform="console",reason="permanent"\}/)).toBe(1);
  });

  it('a job that fails while a newer state of its story waits is superseded, not retried: the target gets the latest once', async () => {
    const platform = new ScriptedPlatform();
    platform.failures = [{ chat: 'A', kind: 'transient', times: 1 }];
    t = await startTestApp(YAML('24h'), {}, { adapters: [platform] });
    await push(t, 'investigating', 'one');
    await waitFor(() => platform.calls.some((c) => c.chat === 'B'));
    await push(t, 'identified', 'two');
    expect(await t.app.drained()).toBe(true);
    expect(platform.calls.filter((c) => c.chat === 'A' && c.op === 'send').map((c) => c.title)).toEqual([
      'Chatter · Major incident · Identified',
    ]);
    expect(await letters(t)).toEqual([]);
  });

  it('an expired job never reached while its platform is paused is dead-lettered by the sweep', async () => {
    const platform = new ScriptedPlatform();
    t = await startTestApp(YAML('1500ms'), {}, { adapters: [platform] });
    // Telegram-style long outage: the circuit is open and stays open (probes fail), so jobs wait without attempts.
    for (const [i, chat] of ['x', 'y', 'z', 'w', 'v'].entries())
      t.app.delivery.breaker.failed('console', `j${i}`, `console:channel:${chat}`, Date.now() + 3_600_000);
    expect(t.app.delivery.breaker.state('console')).toBe('open');
    await push(t, 'investigating', 'one');
    await waitFor(async () => (await letters(t!)).length === 2, 15_000);
    expect((await letters(t)).map((l) => [l.job.target.chatId, l.reason, l.job.attempts]).sort()).toEqual([
      ['A', 'expired', 0],
      ['B', 'expired', 0],
    ]);
    expect(platform.calls).toEqual([]);
  });
});
