import { describe, expect, it } from 'vitest';
import { Translator } from '../../i18n/i18n.ts';
import { commandRegistrations, decodePick, encodePick, isAdminStatus, parseCommand, pickKeyboard, toInvocation } from './commands.ts';

describe('parseCommand', () => {
  it.each([
    ['/status', { command: 'status', args: [] }],
    ['/status@Status_Relay_Bot messaging', { command: 'status', args: ['messaging'] }],
    ['/subscribe  messaging\ncalls ', { command: 'subscribe', args: ['messaging', 'calls'] }],
    ['/KPI 7d', { command: 'kpi', args: ['7d'] }],
  ])('%j', (text, expected) => expect(parseCommand(text, 'status_relay_bot')).toEqual(expected));

  it('ignores plain text and commands addressed to another bot', () => {
    expect(parseCommand('hello /status', 'status_relay_bot')).toBeUndefined();
    expect(parseCommand('/status@other_bot', 'status_relay_bot')).toBeUndefined();
    expect(parseCommand(undefined, 'status_relay_bot')).toBeUndefined();
  });
});

describe('toInvocation', () => {
  it('maps private chats to dm and everything else to channel, with thread and language hint', () => {
    const admin = async () => true;
    const dm = toInvocation({
      chat: { id: 5, type: 'private' },
      userId: 5,
      parsed: { command: 'status', args: [] },
      languageCode: 'zh-hans',
      isChannelAdmin: admin,
    });
    expect(dm).toMatchObject({ platform: 'telegram', userId: '5', chatId: '5', chatKind: 'dm', localeHint: 'zh-hans' });
    const topic = toInvocation({
      chat: { id: -100, type: 'supergroup' },
      userId: 5,
      threadId: 7,
      parsed: { command: 'announce', args: ['on'] },
      isChannelAdmin: admin,
    });
    expect(topic).toMatchObject({ chatKind: 'channel', chatId: '-100', threadId: '7' });
    expect(topic.localeHint).toBeUndefined();
  });

  it('treats creator and administrator as admins only', () => {
    expect(['creator', 'administrator', 'member', 'restricted', 'left', 'kicked'].map(isAdminStatus)).toEqual([
      true,
      true,
      false,
      false,
      false,
      false,
    ]);
  });
});

describe('inline keyboards', () => {
  it('round-trips picks within the 64-byte callback_data limit and drops ids that do not fit', () => {
    expect(decodePick(encodePick({ action: 'status', componentId: 'messaging' }))).toEqual({ action: 'status', componentId: 'messaging' });
    expect(decodePick(encodePick({ action: 'subscribe' }))).toEqual({ action: 'subscribe' });
    expect(encodePick({ action: 'status', componentId: 'x'.repeat(60) })).toBeUndefined();
    expect(decodePick('something else')).toBeUndefined();
    const kb = pickKeyboard(
      'subscribe',
      [
        { id: 'messaging', name: 'Messaging' },
        { id: 'y'.repeat(80), name: 'Too long' },
        { id: 'calls', name: 'Calls' },
      ],
      'All',
    );
    expect(kb?.inline_keyboard.map((row) => row.map((b) => b.text))).toEqual([['All', 'Messaging'], ['Calls']]);
  });
});

describe('commandRegistrations', () => {
  it('gives one list per scope and two-letter language; /announce only for administrators', async () => {
    const translator = await Translator.create();
    const regs = commandRegistrations(['en', 'zh-CN'], 'en', (l) => translator.t(l));
    expect(regs.map((r) => `${r.scope.type}|${r.language_code ?? ''}`)).toEqual([
      'default|',
      'default|en',
      'default|zh',
      'all_chat_administrators|',
      'all_chat_administrators|en',
      'all_chat_administrators|zh',
    ]);
    for (const r of regs) {
      expect(r.commands.some((c) => c.command === 'announce')).toBe(r.scope.type === 'all_chat_administrators');
      for (const c of r.commands) {
        expect(c.command).toMatch(/^[a-z0-9_]{1,32}$/);
        expect(c.description.length).toBeGreaterThan(0);
        expect(c.description.length).toBeLessThanOrEqual(256);
      }
    }
    expect(regs[2]!.commands[0]!.description).toMatch(/[\u4e00-\u9fff]/);
  });
});
