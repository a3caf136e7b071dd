import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText, parseEnv } from '../../core/config.ts';
import type { MessageModel } from '../../i18n/message.ts';
import { TelegramEmulator } from '../../../test/emulators/telegram/server.ts';
import type { TelegramAdapter } from './index.ts';
import { createTelegramAdapter, telegramSettings, webhookTarget } from './index.ts';

/** The adapter's own calls against the emulator, without an App around it. */
// Pacing is tested elsewhere; here one chat takes a burst of calls.
const emu = new TelegramEmulator(undefined, { limits: { chatBurst: 20 } });
let adapter: TelegramAdapter;
const FORUM = -1005;
const msg = (title: string, image?: Buffer): MessageModel => ({
  locale: 'en',
  dir: 'ltr',
  severity: 'minor',
  title,
  fields: [],
  advice: [],
  ...(image ? { image: { png: image, alt: title } } : {}),
});

beforeAll(async () => {
  await emu.start();
  emu.addGroup(FORUM, 'Forum', { forumTopics: [5] });
  const service = parseConfigText('service: { name: Chatter, locales: [en, zh-CN] }', {}).service;
  adapter = createTelegramAdapter(
    telegramSettings({ env: parseEnv({ TELEGRAM_BOT_TOKEN: emu.token, TELEGRAM_API_ROOT: emu.apiRoot }), service }),
  );
});
afterAll(() => emu.stop());

describe('TelegramAdapter', () => {
  it('names TELEGRAM_BOT_TOKEN when its settings are built without one', () => {
    const config = { env: parseEnv({}), service: parseConfigText('', {}).service };
    expect(() => telegramSettings(config)).toThrow(/^TELEGRAM_BOT_TOKEN: /);
  });

  it('registers commands without being started (status-relay register-commands)', async () => {
    await adapter.registerCommands();
    expect(emu.world.commands.get('all_chat_administrators|zh')?.find((c) => c.command === 'announce')?.description).toMatch(
      /[\u4e00-\u9fff]/,
    );
    expect(emu.world.commands.size).toBe(6);
  });

  it('posts into a forum topic, replies to the root, and treats identical or impossible edits as done', async () => {
    const target = { platform: 'telegram' as const, chatId: String(FORUM), kind: 'channel' as const, threadId: '5' };
    const root = await adapter.send(target, msg('Root'));
    expect(root).toEqual({ platform: 'telegram', chatId: String(FORUM), messageId: '1', threadId: '5' });
    await adapter.edit(root, msg('Root v2'));
    await adapter.edit(root, msg('Root v2')); // "message is not modified"
    await adapter.edit({ ...root, messageId: '999' }, msg('Gone')); // deleted root: the reply carries the news
    const reply = await adapter.send(target, msg('Update'), { replyTo: root });
    const [first, second] = emu.sent(FORUM);
    expect(first).toMatchObject({ text: '🟡 Root v2', edits: 1, threadId: 5 });
    expect(second).toMatchObject({ message_id: Number(reply.messageId), replyTo: 1, threadId: 5 });
    expect(emu.rejected().map((c) => c.description)).toEqual([
      expect.stringMatching(/^Bad Request: message is not modified/),
      'Bad Request: message to edit not found',
    ]);
  });

  it('sends images as photos and edits their caption', async () => {
    const target = { platform: 'telegram' as const, chatId: String(FORUM), kind: 'channel' as const };
    const root = await adapter.send(target, msg('Chart', Buffer.from([137, 80, 78, 71])));
    await adapter.edit(root, msg('Chart v2', Buffer.from([137, 80, 78, 71])));
    const photo = emu.sent(FORUM).find((m) => m.message_id === Number(root.messageId))!;
    expect(photo).toMatchObject({ isPhoto: true, text: '🟡 Chart v2', photoBytes: 4 });
  });

  it('throws typed errors and stops cleanly even when never started', async () => {
    await expect(adapter.send({ platform: 'telegram', chatId: '404', kind: 'dm' }, msg('x'))).rejects.toMatchObject({
      kind: 'target_gone',
      code: 'chat_not_found',
    });
    await adapter.stop();
    expect(adapter.state()).toBe('down');
  });

  it('completes a webhook URL that names only the host', () => {
    expect(webhookTarget('https://relay.example.com')).toBe('https://relay.example.com/telegram/webhook');
    expect(webhookTarget('https://relay.example.com/tg/hook')).toBe('https://relay.example.com/tg/hook');
  });
});
