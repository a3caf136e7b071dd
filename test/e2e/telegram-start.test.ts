import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP, USERS, refusals, startHarness, type Harness } from '../emulators/telegram/harness.ts';
import { decodeStartPayload, encodeStartPayload } from '../../src/adapters/telegram/commands.ts';

/** `/start`, deep links, `/help`, unknown commands and commands for other bots, through real telegraf and the emulator. */
describe('telegram: /start, deep links and /help', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.stop());

  it('greets in the user’s language and explains the commands (en, zh-CN)', async () => {
    const en = await h.command(USERS.alice, USERS.alice.id, '/start');
    expect(en.text).toMatch(/^ℹ️ Hello! I keep you posted on the status of Chatter\./);
    for (const c of ['/status', '/subscribe', '/unsubscribe', '/language', '/kpi', '/help']) expect(en.text).toContain(c);
    expect(en.text).toContain('Get direct messages when something changes');
    const zh = await h.command(USERS.li, USERS.li.id, '/start');
    expect(zh.text).toContain('您好！我会随时告诉您 Chatter 的运行状态');
    expect(zh.text).toContain('/status — 当前状态、事件和关键指标');
    expect(zh.text).not.toContain('Hello');
  });

  it('subscribes in one tap from a deep link: /start subscribe-messaging', async () => {
    const carol = USERS.carol;
    const reply = await h.command(carol, carol.id, '/start subscribe-messaging');
    expect(reply.text).toMatch(/^✅ Subscribed\./);
    expect(reply.text).toContain('Messaging');
    expect(await h.app.app.store.namespace('subscriptions').get(`telegram:${carol.id}`)).toMatchObject({ components: ['messaging'] });
  });

  it('deep-link payloads stay within Telegram’s 64 characters of A-Z a-z 0-9 _ -, whatever the component id', () => {
    for (const id of ['messaging', 'voice-calls', 'Login (EU)', '消息', 'x'.repeat(40)]) {
      const payload = encodeStartPayload(id)!;
      expect(payload).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
      expect(decodeStartPayload(payload)).toEqual({ command: 'subscribe', args: [id] });
    }
    expect(encodeStartPayload('y'.repeat(60))).toBeUndefined();
    expect(decodeStartPayload('hello')).toBeUndefined();
  });

  it('/help lists the commands; an unknown command is not answered with ✅', async () => {
    const help = await h.command(USERS.dave, USERS.dave.id, '/help');
    expect(help.text).toMatch(/^ℹ️ Chatter: what I can do/);
    for (const c of ['/status', '/subscribe', '/unsubscribe', '/subscriptions', '/language', '/announce', '/kpi'])
      expect(help.text).toContain(c);
    const unknown = await h.command(USERS.dave, USERS.dave.id, '/frobnicate');
    expect(unknown.text).not.toMatch(/^✅/);
    expect(unknown.text).toMatch(/^⚠️ I don't know the command/);
    expect(refusals(h.emu)).toEqual([]);
  });

  it('in a group, ignores /status@otherbot and answers /status@status_relay_bot', async () => {
    const before = h.emu.sent(GROUP).filter((m) => m.fromBot).length;
    const other = h.emu.userSays(USERS.bob, GROUP, '/status@otherbot');
    const ours = h.emu.userSays(USERS.bob, GROUP, '/status@status_relay_bot');
    // Updates are handled in order: once ours is answered, the other bot's command was seen too.
    const answer = await h.emu.waitFor(
      () => h.emu.sent(GROUP).find((m) => m.fromBot && m.replyTo === ours.message_id),
      'the answer to /status@status_relay_bot',
    );
    expect(answer.text).toContain('Chatter');
    expect(await h.app.app.drained()).toBe(true);
    const bot = h.emu.sent(GROUP).filter((m) => m.fromBot);
    expect(bot).toHaveLength(before + 1);
    expect(bot.some((m) => m.replyTo === other.message_id)).toBe(false);
  });
});
