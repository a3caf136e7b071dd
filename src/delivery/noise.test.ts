import { describe, it, expect, afterEach } from 'vitest';
import { startTestApp, type TestApp } from '../../test/helpers/app.ts';
import type { ChatAdapter, PostedRef, SendOptions } from '../adapters/adapter.ts';
import type { Target } from '../core/model.ts';
import type { MessageModel } from '../i18n/message.ts';
import { quietUntil, parseQuietRange } from '../core/quiet.ts';

/** Records what a platform would show; can be held "connecting" so a backlog builds up. */
class RecordingPlatform implements ChatAdapter {
  readonly platform = 'console' as const;
  connected = true;
  readonly calls: { op: string; chat: string; title: string; headline?: string; body?: string; reply: boolean }[] = [];
  private n = 0;
  async start() {}
  async stop() {}
  state() {
    return this.connected ? ('connected' as const) : ('connecting' as const);
  }
  async send(target: Target, m: MessageModel, o?: SendOptions): Promise<PostedRef> {
    this.calls.push({
      op: 'send',
      chat: target.chatId,
      title: m.title,
      ...(m.headline ? { headline: m.headline } : {}),
      ...(m.body ? { body: m.body } : {}),
      reply: Boolean(o?.replyTo),
    });
    return { platform: 'console', chatId: target.chatId, messageId: String(++this.n) };
  }
  async edit(ref: PostedRef, m: MessageModel) {
    this.calls.push({ op: 'edit', chat: ref.chatId, title: m.title, reply: false });
  }
}

const YAML = `
service: { name: Chatter, locales: [en] }
components: [{ id: messaging, name: Messaging }]
sources: [{ id: gen, type: webhook, format: generic, insecure: true }]
announce: [{ platform: console, channel: ops, minSeverity: minor }]
`;

const push = (t: TestApp, body: unknown) => fetch(`${t.baseUrl}/webhooks/gen`, { method: 'POST', body: JSON.stringify(body) });

describe('never noisy', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('coalesces queued updates of one incident: the target gets the latest state, not a backlog', async () => {
    const platform = new RecordingPlatform();
    platform.connected = false;
    t = await startTestApp(YAML, {}, { adapters: [platform] });
    for (const status of ['investigating', 'identified', 'monitoring'])
      await push(t, { incident: { id: 'i1', name: 'Outage', status, impact: 'major', message: `now ${status}` } });
    expect(await t.app.processed()).toBe(true);
    expect(t.app.outbox.depth()).toBe(3);
    platform.connected = true;
    t.app.delivery.poke();
    await t.app.drained();
    expect(platform.calls).toEqual([
      { op: 'send', chat: 'ops', title: 'Chatter · Major incident · Monitoring', headline: 'Outage', body: 'now monitoring', reply: false },
    ]);
    expect(t.app.delivery.stats.coalesced).toBe(2);
  });

  it('a component flipping 10 times in a minute gives at most 2 announcements, then one summary', async () => {
    const platform = new RecordingPlatform();
    t = await startTestApp(`${YAML}flap: { window: 1m, maxPerWindow: 2, settle: 300ms }\n`, {}, { adapters: [platform] });
    for (let i = 0; i < 10; i++) {
      await push(t, { components: [{ name: 'Messaging', status: i % 2 === 0 ? 'major_outage' : 'operational' }] });
      await t.app.drained();
    }
    expect(platform.calls.filter((c) => c.op === 'send')).toHaveLength(2);
    const deadline = Date.now() + 5000;
    while (platform.calls.filter((c) => c.op === 'send').length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await t.app.drained();
    const sends = platform.calls.filter((c) => c.op === 'send');
    expect(sends).toHaveLength(3);
    expect(sends[2]!.title).toBe('Chatter · Messaging: Operational');
    expect(sends[2]!.headline).toMatch(/^Messaging changed status 10 times since .+\. It is now: Operational\.$/);
  });

  it('holds non-critical direct messages during quiet hours and sends them as one summary; critical ones go through', async () => {
    const platform = new RecordingPlatform();
    // A clock that puts "now" 2 s before the end of the quiet hours 00:00-00:01 UTC of some day.
    const realStart = Date.now();
    const fakeStart = Date.UTC(2026, 2, 2, 0, 0, 58, 0);
    t = await startTestApp(
      'service: { name: Chatter, locales: [en] }\nsources: [{ id: gen, type: webhook, format: generic, insecure: true }]',
      {},
      { adapters: [platform], clock: () => fakeStart + (Date.now() - realStart) },
    );
    const sub = (args: string[]) =>
      t!.app.router.handle({ platform: 'console', userId: 'night-owl', chatId: 'night-owl', chatKind: 'dm', command: '/subscribe', args });
    await sub([]);
    expect((await sub(['quiet', '25:00-07:00'])).message.title).toMatch(/^Usage: \/subscribe quiet/);
    expect((await sub(['quiet', '00:00-00:01', 'UTC'])).message.title).toBe(
      'Quiet hours set: 00:00–00:01 (UTC). Only critical incidents reach you then; the rest comes as one summary afterwards.',
    );
    await push(t, { incident: { id: 'a', name: 'Slow search', status: 'investigating', impact: 'minor', message: 'slow' } });
    await push(t, { incident: { id: 'b', name: 'Avatars missing', status: 'investigating', impact: 'minor', message: 'missing' } });
    await push(t, { incident: { id: 'c', name: 'Everything down', status: 'investigating', impact: 'critical', message: 'down' } });
    const deadline = Date.now() + 10_000;
    while (platform.calls.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(platform.calls.map((c) => c.title)).toEqual(['Chatter · Critical incident · Investigating']);
    await t.app.drained(10_000);
    const summary = platform.calls[1]!;
    expect(summary.title).toBe('Chatter · 2 updates while your quiet hours were on');
    expect(summary.body).toContain('Slow search');
    expect(summary.body).toContain('Avatars missing');
    expect(platform.calls).toHaveLength(2);
  });
});

describe('quiet hours arithmetic', () => {
  it.each([
    ['22:00-07:00', 'Europe/Berlin', Date.UTC(2026, 0, 10, 22, 30), Date.UTC(2026, 0, 11, 6, 0)],
    ['22:00-07:00', 'Europe/Berlin', Date.UTC(2026, 0, 10, 12, 0), undefined],
    ['09:00-17:00', 'UTC', Date.UTC(2026, 0, 10, 16, 59, 30), Date.UTC(2026, 0, 10, 17, 0)],
  ])('%s in %s', (range, timeZone, now, expected) => {
    expect(quietUntil({ ...parseQuietRange(range)!, timeZone }, now)).toBe(expected);
  });
});
