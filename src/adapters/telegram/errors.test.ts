import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Telegram } from 'telegraf';
import { TelegramEmulator } from '../../../test/emulators/telegram/server.ts';
import { classifyTelegramError, isNotModified } from './errors.ts';

/** The real telegraf client against the emulator: each server answer → the DeliveryError delivery acts on. */
const emu = new TelegramEmulator(undefined, { limits: { chatBurst: 1 } });
let tg: Telegram;

beforeAll(async () => {
  const apiRoot = await emu.start();
  tg = new Telegram(emu.token, { apiRoot });
  emu.addUser({ id: 1, first_name: 'Blocked' }).blocked = true;
  emu.addUser({ id: 2, first_name: 'Gone' }).deactivated = true;
  emu.addUser({ id: 3, first_name: 'Paced' });
  emu.addGroup(-10, 'Old group', { type: 'group' }).migratedTo = -1009;
  emu.addGroup(-11, 'Kicked from', { type: 'group' }).botStatus = 'kicked';
  emu.addGroup(-1004, 'Forum', { forumTopics: [7] });
});
afterAll(() => emu.stop());

const failure = async (call: () => Promise<unknown>) => {
  try {
    await call();
  } catch (e) {
    return { raw: e, err: classifyTelegramError(e) };
  }
  throw new Error('expected the call to fail');
};

describe('classifyTelegramError', () => {
  it.each([
    ['blocked user', 1, 'target_gone', 'bot_was_blocked_by_the_user'],
    ['deactivated user', 2, 'target_gone', 'user_is_deactivated'],
    ['kicked from a group', -11, 'target_gone', 'bot_was_kicked_from_the_group_chat'],
    ['unknown chat', 999, 'target_gone', 'chat_not_found'],
  ])('%s → %s', async (_name, chat, kind, code) => {
    const { err } = await failure(() => tg.sendMessage(chat, 'hello'));
    expect(err).toMatchObject({ platform: 'telegram', kind, code });
  });

  it('a group upgraded to a supergroup → target_gone with movedToChatId', async () => {
    const { err } = await failure(() => tg.sendMessage(-10, 'hello'));
    expect(err).toMatchObject({ kind: 'target_gone', code: 'migrated', movedToChatId: '-1009' });
  });

  it('429 → rate_limited with retry_after in ms', async () => {
    await tg.sendMessage(3, 'one');
    const { err } = await failure(() => tg.sendMessage(3, 'two'));
    expect(err.kind).toBe('rate_limited');
    expect(err.retryAfterMs).toBe(1000);
    expect(emu.calls.at(-1)).toMatchObject({ status: 429, description: 'Too Many Requests: retry after 1', retryAfter: 1 });
  });

  it('markup the server cannot parse → permanent, with the real error text', async () => {
    const { err } = await failure(() => tg.sendMessage(-1004, '<b>x</i>', { parse_mode: 'HTML' }));
    expect(err.kind).toBe('permanent');
    expect(err.message).toBe('400 Bad Request: can\'t parse entities: Unmatched end tag at byte offset 4, expected "</b>", found "</i>"');
  });

  it('an unknown forum topic → permanent', async () => {
    const { err } = await failure(() => tg.sendMessage(-1004, 'x', { message_thread_id: 99 }));
    expect(err).toMatchObject({ kind: 'permanent', code: 'message_thread_not_found' });
  });

  it('5xx and network failures → transient; a wrong token → auth', async () => {
    emu.failNext('sendMessage', 502);
    expect((await failure(() => tg.sendMessage(-1004, 'x'))).err.kind).toBe('transient');
    const offline = new Telegram(emu.token, { apiRoot: 'http://127.0.0.1:9' });
    expect((await failure(() => offline.getMe())).err.kind).toBe('transient');
    const wrong = new Telegram('42:wrong', { apiRoot: emu.apiRoot });
    expect((await failure(() => wrong.getMe())).err).toMatchObject({ kind: 'auth', code: 'unauthorized' });
  });

  it('"message is not modified" is recognised so that an identical edit is not an error', async () => {
    const m = await tg.sendMessage(-1004, '<b>same</b>', { parse_mode: 'HTML' });
    const { raw } = await failure(() => tg.editMessageText(-1004, m.message_id, undefined, '<b>same</b>', { parse_mode: 'HTML' }));
    expect(isNotModified(raw)).toBe(true);
    expect(isNotModified(new Error('message is not modified'))).toBe(false);
  });
});
