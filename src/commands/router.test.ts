import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startTestApp, type TestApp } from '../../test/helpers/app.ts';
import type { CommandInvocation } from './context.ts';
import type { Subscription, ChannelAnnouncement } from '../core/recipients.ts';

const YAML = `
service: { name: Chatter, locales: [en, zh-CN] }
components:
  - { id: messaging, name: { en: Messaging, zh-CN: 消息 } }
  - { id: calls, name: { en: Calls, zh-CN: 通话 } }
sources: [{ id: gen, type: webhook, format: generic, insecure: true }]
`;

describe('commands (platform-neutral)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(YAML);
  });
  afterAll(async () => t.stop());

  const run = (command: string, args: string[] = [], extra: Partial<CommandInvocation> = {}) =>
    t.app.router.handle({ platform: 'console', userId: 'u1', chatId: 'u1', chatKind: 'dm', command, args, ...extra });

  it("answers an unknown command with the list of commands, in the asker's language", async () => {
    const r = await run('/frobnicate', [], { userId: 'zh-user', localeHint: 'zh-hans' });
    expect(r.locale).toBe('zh-CN');
    expect(r.message.title).toBe(
      '我不认识命令“/frobnicate”。可以试试：/status, /subscribe, /unsubscribe, /subscriptions, /language, /announce, /kpi, /help。',
    );
    expect(r.message.icon).toBe('⚠️');
  });

  it('/help lists every command with what it does; /start greets with the same list', async () => {
    const help = await run('/help', [], { userId: 'help-user' });
    expect(help.message.title).toBe('Chatter: what I can do');
    expect(help.message.body?.split('\n')).toContain('/kpi — Key numbers with a chart');
    expect(help.message.icon).toBe('ℹ️');
    const start = await run('/start', [], { userId: 'zh-start', localeHint: 'zh-hans' });
    expect(start.message.title).toContain('您好');
    expect(start.message.body?.split('\n')).toHaveLength(8);
  });

  it('subscribes, lists, unsubscribes per component and in full', async () => {
    expect((await run('/subscriptions')).message.title).toBe('You have no subscriptions. Use /subscribe to get direct messages.');
    expect((await run('/subscribe', ['消息'])).message.title).toBe('Subscribed. I will send you a direct message when Messaging changes.');
    expect((await run('/subscribe', ['calls'])).message.title).toBe(
      'Subscribed. I will send you a direct message when Messaging and Calls changes.',
    );
    const stored = await t.app.store.namespace('subscriptions').get<Subscription>('console:u1');
    expect(stored?.components).toEqual(['messaging', 'calls']);
    expect((await run('/unsubscribe', ['messaging'])).message.title).toBe('Unsubscribed from Messaging.');
    expect((await run('/subscriptions')).message.title).toBe('You are subscribed to: Calls.');
    expect((await run('/unsubscribe')).message.title).toBe('Unsubscribed. You will get no more direct messages.');
    expect(await t.app.store.namespace('subscriptions').get('console:u1')).toBeUndefined();
  });

  it('refuses an unknown component and stores nothing', async () => {
    const r = await run('/subscribe', ['teleportation'], { userId: 'u2' });
    expect(r.message.title).toBe("I don't know a component called “teleportation”. Known: Messaging, Calls.");
    expect(await t.app.store.namespace('subscriptions').get('console:u2')).toBeUndefined();
  });

  it('resolves language: /language wins over the platform hint, which wins over the default', async () => {
    expect((await run('/status', [], { userId: 'u3' })).locale).toBe('en');
    expect((await run('/status', [], { userId: 'u3', localeHint: 'zh' })).locale).toBe('zh-CN');
    expect((await run('/language', ['xx'], { userId: 'u3' })).message.title).toBe('我不支持“xx”。请选择：en, zh-CN。');
    const set = await run('/language', ['en'], { userId: 'u3', localeHint: 'zh' });
    expect(set.message.title).toBe('Done: I will answer you in English.');
    expect((await run('/status', [], { userId: 'u3', localeHint: 'zh' })).locale).toBe('en');
  });

  it('lets only channel admins turn announcements on, with components and a language', async () => {
    const inChannel = { chatId: 'C1', chatKind: 'channel' as const };
    const refused = await run('/announce', ['on'], { ...inChannel, isChannelAdmin: async () => false });
    expect(refused.message.title).toBe("Sorry, only the channel's administrators can change announcements.");
    expect(await t.app.store.namespace('announce').get('console:C1')).toBeUndefined();
    const on = await run('/announce', ['on', 'messaging', 'zh-CN'], { ...inChannel, isChannelAdmin: async () => true });
    expect(on.ephemeral).toBe(false);
    expect(on.message.title).toBe('Announcements are on in this channel for Messaging, in Chinese (China).');
    expect(await t.app.store.namespace('announce').get<ChannelAnnouncement>('console:C1')).toMatchObject({
      components: ['messaging'],
      locale: 'zh-CN',
    });
    // The channel's locale is now zh-CN: replies in the channel follow it unless the user chose otherwise.
    expect((await run('/announce', ['maybe'], { ...inChannel, isChannelAdmin: async () => true })).message.title).toBe(
      '用法：/announce on|off [组件…] [语言]',
    );
    await run('/announce', ['off'], { ...inChannel, isChannelAdmin: async () => true });
    expect(await t.app.store.namespace('announce').get('console:C1')).toBeUndefined();
  });

  it('slows down a user who sends commands too quickly, in their language, without affecting others', async () => {
    const replies = [];
    for (let i = 0; i < 12; i++) replies.push(await run('/subscriptions', [], { userId: 'spammer', localeHint: 'zh-CN' }));
    expect(replies.slice(0, 10).every((r) => !r.message.title.includes('太快'))).toBe(true);
    // Told once, politely; the next command over the limit in the same window gets no message where silence is allowed.
    expect(replies[10]!.message.title).toMatch(/^您发送命令太快了，请等待 \d+ 秒。$/);
    expect(replies[10]!.quiet).toBeUndefined();
    expect(replies[11]!.quiet).toBe(true);
    expect((await run('/subscriptions', [], { userId: 'calm' })).message.title).toBe(
      'You have no subscriptions. Use /subscribe to get direct messages.',
    );
  });

  it('/status shows components, open incidents with their latest update, and advice-free calm when all is well', async () => {
    await fetch(`${t.baseUrl}/webhooks/gen`, {
      method: 'POST',
      body: JSON.stringify({
        components: [{ name: 'Messaging', status: 'major_outage' }],
        incident: {
          id: 'i1',
          name: 'Messages fail',
          status: 'identified',
          impact: 'major',
          message: 'Failover running.',
          components: ['messaging'],
        },
      }),
    });
    // 202 means recorded; the change is processed right after.
    expect(await t.app.processed()).toBe(true);
    const r = await run('/status', [], { userId: 'u4', localeHint: 'zh-CN' });
    expect(r.message.title).toBe('Chatter · 服务严重中断');
    expect(r.message.body).toContain('Messages fail — 已查明原因');
    expect(r.message.body).toContain('最新进展: Failover running.');
    expect(r.message.fields[0]).toEqual({ label: '消息', value: '严重中断', inline: true });
    const one = await run('/status', ['calls'], { userId: 'u4' });
    expect(one.message.title).toBe('Chatter · 所有系统运行正常');
    expect(one.message.fields[0]).toEqual({ label: '通话', value: '运行正常', inline: true });
  });
});
