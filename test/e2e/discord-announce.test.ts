import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPONENTS_YAML, startDiscordRig, type DiscordRig } from '../emulators/discord/app.ts';
import { MEMBER_PERMS, PERMS, type EmuMessage, type Json } from '../emulators/discord/index.ts';

const title = (m: EmuMessage | undefined) => String((m?.embeds[0] as Json | undefined)?.title ?? '');
const text = (m: EmuMessage | undefined) => JSON.stringify(m?.embeds ?? []);

describe('Discord announcements: embeds edited in place, updates in threads, DMs', () => {
  let rig: DiscordRig;
  let en: string;
  let zh: string;
  let noThreads: string;

  beforeAll(async () => {
    rig = await startDiscordRig((emu) => {
      en = emu.addChannel({ name: 'status-en' });
      zh = emu.addChannel({ name: 'status-zh' });
      noThreads = emu.addChannel({ name: 'no-threads', threads: false });
      return `service: { name: Chatter, locales: [en, zh-CN] }
${COMPONENTS_YAML}
announce:
  - { platform: discord, channel: "${en}", components: [messaging] }
  - { platform: discord, channel: "${zh}", locale: zh-CN, components: [messaging] }
  - { platform: discord, channel: "${noThreads}", components: [calls] }
`;
    });
  });
  afterAll(() => rig?.stop());

  it('tells one incident’s story in two languages: one post each, edited, updates in a thread archived at resolution', async () => {
    const { emu } = rig;
    const id = await rig.open({
      name: 'Messages delayed',
      message: 'We are investigating delays.',
      components: ['messaging'],
      componentStatus: 'partial_outage',
      impact: 'major',
    });
    const [rootEn] = emu.messagesIn(en);
    const [rootZh] = emu.messagesIn(zh);
    expect(emu.messagesIn(en)).toHaveLength(1);
    expect(title(rootEn)).toContain('Major incident');
    expect(title(rootZh)).toContain('重大事件');
    expect((rootEn!.embeds[0] as Json).color).toBe(0xe67e22);

    await rig.update(id, { status: 'identified', message: 'A database node failed; failing over.' });
    expect(emu.messagesIn(en)).toHaveLength(1);
    expect(rootEn!.edits).toBeGreaterThan(0);
    expect(title(rootEn)).toContain('Identified');
    const threadEn = emu.channel(rootEn!.id);
    expect(threadEn).toMatchObject({ type: 11, parentId: en, archived: false });
    expect(threadEn!.name).toContain('Messages delayed');
    expect(emu.messagesIn(rootEn!.id)).toHaveLength(1);
    expect(text(emu.messagesIn(rootEn!.id)[0])).toContain('failing over');
    expect(emu.channel(rootZh!.id)!.name).toContain('更新');

    await rig.update(id, { status: 'resolved', message: 'Delivery is back to normal.' });
    expect(emu.messagesIn(en)).toHaveLength(1);
    expect(title(rootEn)).toContain('Resolved');
    expect(title(rootZh)).toContain('已解决');
    expect(emu.messagesIn(rootEn!.id)).toHaveLength(2);
    expect(emu.channel(rootEn!.id)!.archived).toBe(true);
    expect(emu.channel(rootZh!.id)!.archived).toBe(true);
  });

  it('replies to the first post where the bot may not start threads', async () => {
    const { emu } = rig;
    const id = await rig.open({
      name: 'Calls drop',
      message: 'Investigating.',
      components: ['calls'],
      componentStatus: 'partial_outage',
      impact: 'major',
    });
    await rig.update(id, { status: 'monitoring', message: 'A fix is deployed.' });
    const [root, reply, ...rest] = emu.messagesIn(noThreads);
    expect(rest).toEqual([]);
    expect(reply!.replyTo).toBe(root!.id);
    expect(emu.channel(root!.id)).toBeUndefined();
    const refused = emu.state.requests.filter((r) => r.path.endsWith('/threads') && r.path.includes(noThreads));
    expect(refused.map((r) => r.code)).toEqual([50013]); // tried once, then remembered
    await rig.update(id, { status: 'resolved', message: 'Fixed.' });
    expect(emu.messagesIn(noThreads)).toHaveLength(3);
    expect(emu.state.requests.filter((r) => r.path.endsWith('/threads') && r.path.includes(noThreads))).toHaveLength(1);
  });

  it('sends subscribers a direct message, and none after they unsubscribe', async () => {
    const { emu } = rig;
    const user = emu.addUser();
    const sub = await emu.interact({
      name: 'subscribe',
      options: { component: 'messaging' },
      userId: user,
      locale: 'zh-CN',
      channelId: en,
    });
    expect(title(sub.reply)).toContain('订阅成功');
    const id = await rig.open({
      name: 'Login slow',
      message: 'Investigating.',
      components: ['messaging'],
      componentStatus: 'degraded_performance',
      impact: 'minor',
    });
    const dms = emu.dmsTo(user);
    expect(dms).toHaveLength(1);
    expect(title(dms[0])).toContain('Chatter');
    expect(text(dms[0])).toContain('消息');
    await emu.interact({ name: 'unsubscribe', userId: user, locale: 'zh-CN', channelId: en });
    await rig.update(id, { status: 'resolved', message: 'Fixed.' });
    expect(emu.dmsTo(user)).toHaveLength(1);
  });

  it('removes a subscription whose user closed DMs (50007) and an /announce channel that was deleted (10003)', async () => {
    const { emu, t } = rig;
    const closed = emu.addUser({ dmsOpen: false });
    const doomed = emu.addChannel({ name: 'doomed' });
    const admin = emu.addUser();
    await emu.interact({ name: 'subscribe', userId: closed, channelId: en });
    await emu.interact({
      name: 'announce',
      options: { mode: 'on' },
      userId: admin,
      channelId: doomed,
      permissions: MEMBER_PERMS | PERMS.ManageChannels,
    });
    expect(await t.app.store.namespace('subscriptions').get(`discord:${closed}`)).toBeDefined();
    emu.deleteChannel(doomed);
    await rig.open({
      name: 'Everything down',
      message: 'Investigating.',
      components: ['messaging'],
      componentStatus: 'major_outage',
      impact: 'critical',
    });
    expect(await t.app.store.namespace('subscriptions').get(`discord:${closed}`)).toBeUndefined();
    expect(await t.app.store.namespace('announce').get(`discord:${doomed}`)).toBeUndefined();
    const codes = emu.state.requests
      .filter((r) => r.status >= 400 && r.path.startsWith('/channels/') && !r.path.endsWith('/threads'))
      .map((r) => r.code);
    expect(codes.sort()).toEqual([10003, 50007]); // one call each: no retry storm
  });

  it('delivers hostile status text with no mass mention and no rejected call', async () => {
    const { emu } = rig;
    const hostile = `@everyone @here <@&123456789012345678> **bold** [x](https://evil.example) <b>&amp;</b> مرحبا 👩‍👩‍👧‍👦 ${'Z̷a̷l̷g̷o̷ '.repeat(1200)}`;
    const before = emu.state.requests.length;
    const id = await rig.open({
      name: `@everyone ${hostile.slice(0, 400)}`,
      message: hostile,
      components: ['messaging'],
      componentStatus: 'major_outage',
      impact: 'critical',
    });
    await rig.update(id, { status: 'resolved', message: hostile });
    const calls = emu.state.requests.slice(before).filter((r) => r.path.startsWith('/channels/') && r.method !== 'GET');
    const sends = calls.filter((r) => /\/messages(\/\d+)?$/.test(r.path));
    expect(sends.length).toBeGreaterThanOrEqual(6);
    for (const r of calls) expect(r.status, `${r.method} ${r.path} ${r.code}`).toBeLessThan(300);
    for (const r of sends) expect(r.body?.allowed_mentions, `${r.method} ${r.path}`).toEqual({ parse: [] });
    for (const m of emu.state.messages.values()) {
      expect(m.pingedEveryone).toBe(false);
      expect(text(m)).not.toMatch(/@everyone|@here|<@&/);
    }
  });
});
