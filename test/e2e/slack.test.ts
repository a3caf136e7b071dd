import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { SlackEmulator, type EmuMessage } from '../emulators/slack/server.ts';
import { postBlockAction, postEvent, postSlashCommand, type PostOptions } from '../emulators/slack/sign.ts';
import { chatKey, userKey } from '../../src/core/recipients.ts';
import { ConfigError } from '../../src/core/errors.ts';

const SECRET = 'test-signing-secret';
const ADMIN = 'admin-token';
const YAML = `
service: { name: Chatter, locales: [en, zh-CN], timezone: UTC }
components:
  - { id: messaging, name: { en: Messaging, zh-CN: 消息 } }
  - { id: calls, name: { en: Voice and video calls, zh-CN: 语音和视频通话 } }
sources:
  - { id: manual, type: manual }
announce:
  - { platform: slack, channel: CENGLISH, broadcastResolution: true }
  - { platform: slack, channel: CCHINESE, locale: zh-CN }
`;
const HAN = /[\u4e00-\u9fff]/;

describe('Slack end to end (bolt + WebClient against the emulator)', () => {
  let emu: SlackEmulator;
  let t: TestApp;
  let events: string;

  const api = async (path: string, body: unknown) => {
    const res = await fetch(`${t.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBeLessThan(300);
    return (await res.json()) as { id: string };
  };
  const slash = async (user: string, channel: string, text: string, o?: PostOptions) => {
    const response_url = emu.responseUrl();
    const res = await postSlashCommand(
      events,
      SECRET,
      { command: '/statusrelay', text, user_id: user, channel_id: channel, response_url },
      o,
    );
    return { res, response_url };
  };
  /** The respond() body the bot posted to this response_url. */
  const answer = (url: string) => emu.waitFor(() => emu.responses.find((r) => url.endsWith(`/response/${r.id}`))?.body);
  const textOf = (body: Record<string, unknown>) => JSON.stringify(body.blocks ?? body.text);
  const roots = (channel: string) => emu.messages.filter((m) => m.channel === channel && !m.thread_ts);
  const replies = (root: EmuMessage) => emu.messages.filter((m) => m.channel === root.channel && m.thread_ts === root.ts);

  beforeAll(async () => {
    emu = await new SlackEmulator().start();
    for (const id of ['CENGLISH', 'CCHINESE', 'CGONE', 'CPERM'])
      emu.channels.set(id, { id, creator: id === 'CPERM' ? 'UCREATOR' : 'UADMIN' });
    emu.users.set('UEN', { id: 'UEN', locale: 'en-US' });
    emu.users.set('UZH', { id: 'UZH', locale: 'zh-CN' });
    emu.users.set('UADMIN', { id: 'UADMIN', locale: 'en-US', is_admin: true });
    emu.users.set('UCREATOR', { id: 'UCREATOR', locale: 'en-US' });
    t = await startTestApp(YAML, {
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: emu.apiUrl,
      ADMIN_API_TOKEN: ADMIN,
    });
    events = `${t.baseUrl}/slack/events`;
  });
  afterAll(async () => {
    await t?.stop();
    await emu?.stop();
  });

  it('is connected after auth.test', async () => {
    const res = await fetch(`${t.baseUrl}/readyz`);
    expect(((await res.json()) as { adapters: Record<string, string> }).adapters.slack).toBe('connected');
    expect(emu.calls.some((c) => c.method === 'auth.test' && c.ok)).toBe(true);
  });

  it('announces an incident in two languages, edits the first post and threads every update', async () => {
    // One step at a time: delivery may merge updates that wait together, and here each one must show.
    const { id } = await api('/api/incidents', {
      name: 'Messages are not delivered',
      message: 'We are investigating.',
      components: ['messaging'],
      componentStatus: 'major_outage',
      impact: 'major',
    });
    expect(await t.app.drained(40_000)).toBe(true);
    await api(`/api/incidents/${id}/updates`, { status: 'identified', message: 'A database node failed.' });
    expect(await t.app.drained(40_000)).toBe(true);
    await api(`/api/incidents/${id}/updates`, { status: 'resolved', message: 'Messages flow again.' });
    expect(await t.app.drained(40_000)).toBe(true);

    for (const channel of ['CENGLISH', 'CCHINESE']) {
      const [root, ...others] = roots(channel);
      expect(others).toEqual([]);
      expect(root!.edits.length).toBeGreaterThanOrEqual(2);
      const thread = replies(root!);
      expect(thread).toHaveLength(2);
      expect(JSON.stringify(root!.edits.at(-1)!.blocks)).toContain(channel === 'CCHINESE' ? '已解决' : 'Resolved');
      expect(HAN.test(JSON.stringify(root!.blocks))).toBe(channel === 'CCHINESE');
      // broadcastResolution is on for CENGLISH only: the resolution reply is echoed to that channel.
      expect(thread.map((m) => Boolean(m.reply_broadcast))).toEqual([false, channel === 'CENGLISH']);
    }
    expect(emu.rejected()).toEqual([]);
  });

  it('answers a bare command with the status, in Chinese for a zh-CN Slack user, ephemeral unless shared', async () => {
    const zh = await slash('UZH', 'CENGLISH', '');
    expect(zh.res.status).toBe(200);
    const body = await answer(zh.response_url);
    expect(body.response_type).toBe('ephemeral');
    expect(HAN.test(textOf(body))).toBe(true);

    const en = await slash('UEN', 'CENGLISH', 'status share');
    const shared = await answer(en.response_url);
    expect(shared.response_type).toBe('in_channel');
    expect(HAN.test(textOf(shared))).toBe(false);
  });

  it('subscribe → a direct message through conversations.open; unsubscribe → none', async () => {
    const sub = await slash('UEN', 'CENGLISH', 'subscribe messaging');
    expect(textOf(await answer(sub.response_url))).toContain('Subscribed');
    const first = await api('/api/incidents', {
      name: 'Slow delivery',
      message: 'Queues are long.',
      components: ['messaging'],
      componentStatus: 'degraded_performance',
      impact: 'minor',
    });
    expect(await t.app.drained(40_000)).toBe(true);
    const dm = emu.messages.filter((m) => m.channel === 'DEN');
    expect(dm).toHaveLength(1);
    expect(emu.calls.some((c) => c.method === 'conversations.open' && c.args.users === 'UEN')).toBe(true);

    const unsub = await slash('UEN', 'DEN', 'unsubscribe');
    expect(textOf(await answer(unsub.response_url))).toContain('Unsubscribed');
    await api(`/api/incidents/${first.id}/updates`, { status: 'resolved', message: 'Fixed.' });
    expect(await t.app.drained(40_000)).toBe(true);
    expect(emu.messages.filter((m) => m.channel === 'DEN')).toHaveLength(1);
  });

  it('lets only admins/owners or the channel creator run announce, and removes a channel that died', async () => {
    const refused = await slash('UEN', 'CPERM', 'announce on');
    const no = await answer(refused.response_url);
    expect(no.response_type).toBe('ephemeral');
    expect(textOf(no)).toContain('only');
    expect(await t.app.store.namespace('announce').get(chatKey('slack', 'CPERM'))).toBeUndefined();

    const creator = await slash('UCREATOR', 'CPERM', 'announce on');
    expect((await answer(creator.response_url)).response_type).toBe('in_channel');
    const admin = await slash('UADMIN', 'CGONE', 'announce on');
    await answer(admin.response_url);
    expect(await t.app.store.namespace('announce').get(chatKey('slack', 'CGONE'))).toBeDefined();

    emu.channels.get('CGONE')!.archived = true;
    await api('/api/incidents', {
      name: 'Calls drop',
      message: 'Calls drop after a minute.',
      components: ['calls'],
      componentStatus: 'partial_outage',
      impact: 'major',
    });
    expect(await t.app.drained(40_000)).toBe(true);
    expect(emu.calls.some((c) => c.method === 'chat.postMessage' && c.args.channel === 'CGONE' && c.error === 'is_archived')).toBe(true);
    expect(await t.app.store.namespace('announce').get(chatKey('slack', 'CGONE'))).toBeUndefined();
    expect(roots('CPERM').length).toBeGreaterThan(0);
  });

  it('delivers hostile status text with no mass mention and no rejected call', async () => {
    const before = emu.rejected().length;
    // The manual source strips tags, but decodes entities: `&lt;!channel&gt;` in a status page's HTML arrives as `<!channel>`.
    const hostile = `&lt;!channel&gt; &lt;!here|here&gt; &lt;@U0ADMIN&gt; &lt;!subteam^S1|@ops&gt; <!channel> <!here> <!everyone> <@U0ADMIN> <!subteam^S123|@oncall> <https://evil.example|click> & *bold* _x_ ~y~ \`z\` <b>html</b> @everyone مرحبا بالعالم 👩‍👩‍👧‍👦 `;
    await api('/api/incidents', {
      name: `${hostile}`.slice(0, 400),
      message: hostile.repeat(60).slice(0, 12_000),
      components: ['messaging'],
      componentStatus: 'major_outage',
      impact: 'critical',
    });
    expect(await t.app.drained(40_000)).toBe(true);
    const last = roots('CENGLISH').at(-1)!;
    expect(JSON.stringify(last.blocks)).toContain('&lt;!channel&gt;');
    expect(emu.mentions).toEqual([]);
    expect(emu.rejected().slice(before)).toEqual([]);
  });

  it('serves App Home with the status and per-component subscribe buttons that work', async () => {
    const opened = await postEvent(events, SECRET, {
      type: 'app_home_opened',
      user: 'UZH',
      channel: 'DZH',
      tab: 'home',
      event_ts: `${Date.now() / 1000}`,
    });
    expect(opened.status).toBe(200);
    const home = await emu.waitFor(() => emu.homeViews.get('UZH'));
    expect(HAN.test(JSON.stringify(home))).toBe(true);
    expect(JSON.stringify(home)).toContain('sr_home_subscribe');

    const click = await postBlockAction(events, SECRET, { user_id: 'UZH', action_id: 'sr_home_subscribe', value: 'calls' });
    expect(click.status).toBe(200);
    await emu.waitFor(() => JSON.stringify(emu.homeViews.get('UZH')).includes('sr_home_unsubscribe') || undefined);
    expect(await t.app.store.namespace('subscriptions').get(userKey('slack', 'UZH'))).toMatchObject({ components: ['calls'] });
  });

  it('refuses unsigned and stale requests and acts on neither', async () => {
    const unsigned = await slash('UCREATOR', 'CCHINESE', 'subscribe', { unsigned: true });
    expect(unsigned.res.status).toBe(401);
    const stale = await slash('UCREATOR', 'CCHINESE', 'subscribe', { timestampSec: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(stale.res.status).toBe(401);
    const forged = await postSlashCommand(events, 'wrong-secret', {
      command: '/statusrelay',
      text: 'subscribe',
      user_id: 'UCREATOR',
      channel_id: 'CCHINESE',
      response_url: emu.responseUrl(),
    });
    expect(forged.status).toBe(401);
    expect(await t.app.store.namespace('subscriptions').get(userKey('slack', 'UCREATOR'))).toBeUndefined();
  });
});

describe('Slack with a refused token', () => {
  it('stops start-up with one line naming SLACK_BOT_TOKEN when auth.test says invalid_auth, and reports down when a send says token_revoked', async () => {
    const emu = await new SlackEmulator().start();
    const bad = await startTestApp(
      'service: { name: Chatter }',
      { SLACK_BOT_TOKEN: 'xoxb-unknown', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: emu.apiUrl },
      { start: false },
    );
    try {
      const err = await bad.app.start().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).setting).toBe('SLACK_BOT_TOKEN');
      expect((err as Error).message).not.toContain('xoxb-unknown');
      // No retry loop: one auth.test, then nothing.
      expect(emu.calls.filter((c) => c.method === 'auth.test')).toHaveLength(1);
      expect(bad.app.adapters.get('slack')!.state()).toBe('down');
    } finally {
      await bad.stop();
    }

    emu.channels.set('CENGLISH', { id: 'CENGLISH' });
    const good = await startTestApp(YAML, {
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: emu.apiUrl,
      ADMIN_API_TOKEN: ADMIN,
    });
    try {
      expect(good.app.adapters.get('slack')!.state()).toBe('connected');
      emu.revoked.add('xoxb-test');
      await fetch(`${good.baseUrl}/api/incidents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Down', components: ['messaging'], impact: 'major' }),
      });
      await emu.waitFor(() => emu.calls.some((c) => c.error === 'token_revoked'));
      const res = await fetch(`${good.baseUrl}/readyz`);
      expect(((await res.json()) as { adapters: Record<string, string> }).adapters.slack).toBe('down');
      // Delivery holds the job while the adapter is down: no retry storm against a revoked token.
      const attempts = emu.calls.filter((c) => c.error === 'token_revoked').length;
      expect(attempts).toBeLessThanOrEqual(2);
    } finally {
      await good.stop();
      await emu.stop();
    }
  });
});

describe('Slack answering 429 ratelimited', () => {
  it('waits the Retry-After it was given and then delivers, without a retry storm', async () => {
    const emu = await new SlackEmulator().start();
    emu.channels.set('CENGLISH', { id: 'CENGLISH' });
    emu.channels.set('CCHINESE', { id: 'CCHINESE' });
    // Stricter than our own pacing (1 per second per channel), so the reply right after the first post meets a 429.
    emu.postIntervalMs = 2500;
    const t = await startTestApp(YAML, {
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: emu.apiUrl,
      ADMIN_API_TOKEN: ADMIN,
    });
    try {
      const call = (path: string, body: unknown) =>
        fetch(`${t.baseUrl}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }).then((r) => r.json() as Promise<{ id: string }>);
      const { id } = await call('/api/incidents', {
        name: 'Login fails',
        message: 'Investigating.',
        components: ['messaging'],
        impact: 'major',
      });
      await emu.waitFor(() => emu.messages.filter((m) => !m.thread_ts).length === 2 || undefined);
      await call(`/api/incidents/${id}/updates`, { status: 'identified', message: 'Found it.' });
      expect(await t.app.drained(40_000)).toBe(true);
      const limited = emu.calls.filter((c) => c.error === 'ratelimited');
      expect(limited.length).toBeGreaterThanOrEqual(1);
      expect(limited.length).toBeLessThanOrEqual(4);
      expect(limited.every((c) => c.status === 429)).toBe(true);
      for (const channel of ['CENGLISH', 'CCHINESE'])
        expect(emu.messages.filter((m) => m.channel === channel && m.thread_ts)).toHaveLength(1);
      expect(emu.rejected()).toEqual([]);
      expect(t.app.delivery.stats.rateLimited.slack).toBe(limited.length);
    } finally {
      await t.stop();
      await emu.stop();
    }
  });
});
