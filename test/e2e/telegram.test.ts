import { afterEach, describe, expect, it } from 'vitest';
import { CHANNEL, GROUP, USERS, outage, startHarness, type Harness, refusals } from '../emulators/telegram/harness.ts';

/**
 * The real App and the real telegraf client against the Telegram emulator over HTTP (long polling):
 * commands in private chats, groups and channels, announcements edited in place, DM subscriptions.
 */
let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const topLevel = (h: Harness, chat: number) => h.emu.sent(chat).filter((m) => m.replyTo === undefined);

describe('telegram end to end (long polling)', () => {
  it('registers commands per language and scope, with /announce only for chat administrators', async () => {
    h = await startHarness();
    const lists = h.emu.world.commands;
    expect([...lists.keys()].sort()).toEqual([
      'all_chat_administrators|',
      'all_chat_administrators|en',
      'all_chat_administrators|zh',
      'default|',
      'default|en',
      'default|zh',
    ]);
    expect(lists.get('default|zh')!.map((c) => c.command)).not.toContain('announce');
    expect(lists.get('all_chat_administrators|zh')!.map((c) => c.command)).toContain('announce');
    expect(lists.get('default|zh')!.find((c) => c.command === 'status')!.description).toMatch(/[\u4e00-\u9fff]/);
    expect(lists.get('default|en')!.find((c) => c.command === 'status')!.description).toMatch(/status/i);
    const ready = (await (await fetch(`${h.app.baseUrl}/readyz`)).json()) as { adapters: Record<string, string> };
    expect(ready.adapters.telegram).toBe('connected');

    // Stopping ends the long poll: no getUpdates is left hanging on the server.
    await h.emu.waitFor(() => h!.emu.pendingPolls() === 1, 'the long poll');
    const { app, emu } = h;
    h = undefined;
    await app.stop();
    await emu.waitFor(() => emu.pendingPolls() === 0, 'no pending long poll after stop', 3000);
    await emu.stop();
  });

  it('announces an incident to a group (en) and a channel (zh-CN), edits it in place and replies with each update', async () => {
    h = await startHarness();
    const { emu } = h;
    const refused = await h.command(USERS.bob, GROUP, '/announce on');
    expect(refused.text).toContain("only the channel's administrators");
    const on = await h.command(USERS.alice, GROUP, '/announce@status_relay_bot on en');
    expect(on.text).toMatch(/Announcements are on/);
    expect(on.replyTo).toBeDefined();

    await h.incident(outage('db-1', 'investigating', 'We are looking into delayed messages.'));
    const groupRoot = await emu.waitFor(() => topLevel(h!, GROUP).find((m) => m.text.includes('Messages delayed')), 'group announcement');
    const channelRoot = await emu.waitFor(() => topLevel(h!, CHANNEL)[0], 'channel announcement');
    expect(groupRoot.text).toContain('Investigating');
    expect(groupRoot.entities.some((e) => e.type === 'bold' && e.offset === 0)).toBe(true);
    expect(channelRoot.text).toContain('调查中');
    expect(channelRoot.text).toContain('消息');

    await h.incident(outage('db-1', 'identified', 'A database node failed; traffic is moving to a replica.'));
    await emu.waitFor(
      () => groupRoot.text.includes('Identified') && channelRoot.text.includes('已查明原因'),
      'both roots edited to "identified"',
    );
    const replies = (chat: number, root: number) => emu.sent(chat).filter((m) => m.replyTo === root);
    await emu.waitFor(
      () => replies(GROUP, groupRoot.message_id).length === 1 && replies(CHANNEL, channelRoot.message_id).length === 1,
      'one reply each',
    );
    expect(replies(GROUP, groupRoot.message_id)[0]!.text).toContain('A database node failed');

    await h.incident(outage('db-1', 'resolved', 'All delayed messages were delivered.'));
    await emu.waitFor(
      () => replies(GROUP, groupRoot.message_id).length === 2 && replies(CHANNEL, channelRoot.message_id).length === 2,
      'the resolution replies',
    );
    expect(await h.app.app.drained()).toBe(true);
    expect(groupRoot.text).toContain('Resolved');
    expect(channelRoot.text).toContain('已解决');
    expect(groupRoot.edits).toBeGreaterThanOrEqual(2);
    // One story, one top-level post per chat; nothing the server refused.
    expect(topLevel(h, GROUP).filter((m) => m.text.includes('Messages delayed'))).toHaveLength(1);
    expect(topLevel(h, CHANNEL)).toHaveLength(1);
    expect(refusals(emu)).toEqual([]);
  });

  it('answers /status from a zh-hans user in Chinese and shows a component in place from the keyboard', async () => {
    h = await startHarness();
    const reply = await h.command(USERS.li, USERS.li.id, '/status');
    expect(reply.text).toContain('Chatter · 所有系统运行正常');
    const keyboard = reply.replyMarkup as { inline_keyboard: { text: string; callback_data: string }[][] };
    const button = keyboard.inline_keyboard.flat().find((b) => b.text === '消息');
    expect(button).toBeDefined();
    await h.emu.pressButton(USERS.li, reply, button!.callback_data);
    await h.emu.waitFor(() => reply.edits === 1, 'the status message edited to the component');
    expect(reply.text).toContain('消息');
    // A button from a menu this version does not know is answered, not left spinning.
    expect(await h.emu.pressButton(USERS.li, reply, 'v0:legacy')).toEqual({ text: '此菜单已过期，请重新发送命令。' });
    expect(refusals(h.emu)).toEqual([]);
  });

  it('works in a channel: /status posted by the channel gets an answer there', async () => {
    h = await startHarness();
    const before = h.emu.sent(CHANNEL).length;
    h.emu.channelPost(CHANNEL, '/status');
    const answer = await h.emu.waitFor(() => h!.emu.sent(CHANNEL)[before], 'the channel answer');
    expect(answer.text).toContain('Chatter');
  });

  it('/subscribe subscribes to everything and its keyboard narrows it; a change → exactly one DM; /unsubscribe → no more', async () => {
    h = await startHarness();
    const { emu } = h;
    const carol = USERS.carol;
    const menu = await h.command(carol, carol.id, '/subscribe');
    expect(menu.text).toMatch(/Subscribed\. I will send you a direct message when any component changes\./);
    expect(menu.text).toContain('Which component');
    expect(await h.app.app.store.namespace('subscriptions').get(`telegram:${carol.id}`)).toMatchObject({ components: [] });
    const pick = (menu.replyMarkup as { inline_keyboard: { text: string; callback_data: string }[][] }).inline_keyboard
      .flat()
      .find((b) => b.text === 'Messaging')!;
    const answer = await emu.pressButton(carol, menu, pick.callback_data);
    expect(answer.text).toMatch(/^Subscribed/);
    await emu.waitFor(
      () => menu.text.startsWith('✅ Subscribed') && menu.text.includes('Messaging'),
      'the menu turned into the confirmation',
    );
    expect(await h.app.app.store.namespace('subscriptions').get(`telegram:${carol.id}`)).toMatchObject({ components: ['messaging'] });

    const dmsBefore = emu.sent(carol.id).length;
    await h.incident(outage('net-7', 'investigating', 'Messages are slow to arrive.'));
    await emu.waitFor(() => emu.sent(carol.id).length > dmsBefore, 'the DM');
    expect(await h.app.app.drained()).toBe(true);
    const dms = emu.sent(carol.id).slice(dmsBefore);
    expect(dms).toHaveLength(1);
    expect(dms[0]!.text).toContain('Messages delayed');

    const bye = await h.command(carol, carol.id, '/unsubscribe');
    expect(bye.text).toContain('Unsubscribed');
    const count = emu.sent(carol.id).length;
    await h.incident(outage('net-8', 'investigating', 'Another problem.'));
    await emu.waitFor(() => topLevel(h!, CHANNEL).length === 2, 'the second incident reached the channel');
    expect(await h.app.app.drained()).toBe(true);
    expect(emu.sent(carol.id)).toHaveLength(count);
  });

  it('removes the subscription of a user who blocked the bot', async () => {
    h = await startHarness();
    const { emu } = h;
    const dave = USERS.dave;
    const ok = await h.command(dave, dave.id, '/subscribe messaging');
    expect(ok.text).toContain('Subscribed');
    const subs = h.app.app.store.namespace('subscriptions');
    expect(await subs.get(`telegram:${dave.id}`)).toBeDefined();
    emu.chat(dave.id).blocked = true;
    await h.incident(outage('cdn-2', 'investigating', 'Images do not load.'));
    const refused = await emu.waitFor(
      () => emu.calls.find((c) => c.method === 'sendMessage' && Number(c.params.chat_id) === dave.id && c.status === 403),
      'the 403',
    );
    expect(refused.description).toBe('Forbidden: bot was blocked by the user');
    expect(await h.app.app.drained()).toBe(true);
    expect(await subs.get(`telegram:${dave.id}`)).toBeUndefined();
    // Removed, not retried: exactly one attempt.
    expect(emu.calls.filter((c) => c.method === 'sendMessage' && Number(c.params.chat_id) === dave.id && c.status === 403)).toHaveLength(1);
  });
});
