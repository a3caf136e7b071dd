import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPONENTS_YAML, startDiscordRig, type DiscordRig } from '../emulators/discord/app.ts';
import { MEMBER_PERMS, PERMS, type Json } from '../emulators/discord/index.ts';
import type { KpiProvider } from '../../src/kpi/model.ts';

/** A 1×1 PNG: the chart the KPI engine would draw. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const kpi: KpiProvider = {
  figures: async (_ids, window) => {
    if (window === '90d') throw new Error('KPI store unreachable');
    return { window, uptimePercent: 99.95, responseP50Ms: 120, responseP95Ms: 480, errorRatePercent: 0.4 };
  },
  chart: async () => PNG,
};

const EPHEMERAL = 64;
const embedOf = (m: { embeds: Json[] } | undefined) =>
  (m?.embeds[0] ?? {}) as { title?: string; description?: string; fields?: { name: string; value: string }[] };

describe('Discord slash commands through discord.js and the emulated gateway', () => {
  let rig: DiscordRig;
  let channel: string;
  let admin: string;
  let member: string;

  beforeAll(async () => {
    rig = await startDiscordRig(
      (emu) => {
        channel = emu.addChannel({ name: 'general' });
        admin = emu.addUser({ username: 'admin' });
        member = emu.addUser({ username: 'member' });
        return `service: { name: Chatter, locales: [en, zh-CN] }\n${COMPONENTS_YAML}`;
      },
      { kpi },
    );
  });
  afterAll(() => rig?.stop());

  it('registers every command to the guild in one bulk overwrite, localized for en and zh-CN', () => {
    const { emu } = rig;
    const puts = emu.state.requests.filter((r) => r.method === 'PUT');
    expect(puts.map((r) => r.path)).toEqual([`/applications/${emu.applicationId}/guilds/${emu.guildId}/commands`]);
    expect(emu.commands('global')).toEqual([]);
    const cmds = emu.commands();
    // `/incident` (writing incidents, test/e2e/authoring-discord.test.ts) comes last.
    expect(cmds.map((c) => c.name)).toEqual([
      'status',
      'subscribe',
      'unsubscribe',
      'subscriptions',
      'language',
      'announce',
      'kpi',
      'help',
      'incident',
    ]);
    for (const c of cmds.filter((x) => x.name !== 'incident')) {
      expect(Object.keys(c.name_localizations as Json).sort()).toEqual(['en-GB', 'en-US', 'zh-CN']);
      expect(Object.keys(c.description_localizations as Json).sort()).toEqual(['en-GB', 'en-US', 'zh-CN']);
    }
    const status = cmds.find((c) => c.name === 'status')!;
    expect(status.name_localizations).toMatchObject({ 'zh-CN': '状态' });
    expect(status.description_localizations).toMatchObject({
      'zh-CN': '当前状态、事件和关键指标',
      'en-US': 'Current status, incidents and numbers',
    });
    expect((status.options as Json[])[0]).toMatchObject({ name: 'component', type: 3, autocomplete: true, required: false });
    const announce = cmds.find((c) => c.name === 'announce')!;
    expect(announce).toMatchObject({ default_member_permissions: String(PERMS.ManageChannels), contexts: [0] });
    expect((announce.options as Json[])[0]).toMatchObject({
      name: 'mode',
      required: true,
      choices: [{ value: 'on', name_localizations: { 'zh-CN': '开启' } }, { value: 'off' }],
    });
    const kpi = cmds.find((c) => c.name === 'kpi')!;
    expect(((kpi.options as Json[])[0]!.choices as Json[]).map((c) => c.value)).toEqual(['24h', '7d', '30d', '90d']);
  });

  it('answers /status in Chinese to a user whose Discord locale is zh-CN, and in English to en-US, for their eyes only', async () => {
    const zh = await rig.emu.interact({ name: 'status', userId: member, locale: 'zh-CN', channelId: channel });
    expect(embedOf(zh.reply).title).toContain('所有系统运行正常');
    expect(zh.reply!.flags & EPHEMERAL).toBe(EPHEMERAL);
    // /status answers in the initial response (type 4): not counted by the global limit, one call instead of two.
    expect(zh.callbackType).toBe(4);
    const en = await rig.emu.interact({ name: 'status', userId: admin, locale: 'en-US', channelId: channel });
    expect(embedOf(en.reply).title).toContain('All systems operational');
  });

  it('refuses /announce to a member without Manage Channels even though Discord let the command through', async () => {
    const r = await rig.emu.interact({
      name: 'announce',
      options: { mode: 'on' },
      userId: member,
      locale: 'en-US',
      channelId: channel,
      permissions: MEMBER_PERMS,
    });
    expect(embedOf(r.reply).title).toContain('only the channel');
    expect(r.reply!.flags & EPHEMERAL).toBe(EPHEMERAL);
    expect(await rig.t.app.store.namespace('announce').get(`discord:${channel}`)).toBeUndefined();
  });

  it('turns announcements on for a member with Manage Channels, publicly, in the chosen language', async () => {
    const r = await rig.emu.interact({
      name: 'announce',
      options: { mode: 'on', component: 'messaging', language: 'zh-CN' },
      userId: admin,
      locale: 'en-US',
      channelId: channel,
      permissions: MEMBER_PERMS | PERMS.ManageChannels,
    });
    expect(r.reply!.flags & EPHEMERAL).toBe(0);
    expect(embedOf(r.reply).title).toContain('Announcements are on');
    expect(await rig.t.app.store.namespace('announce').get(`discord:${channel}`)).toMatchObject({
      components: ['messaging'],
      locale: 'zh-CN',
    });
  });

  it('suggests components by name in the user’s language while they type', async () => {
    const r = await rig.emu.interact({
      name: 'subscribe',
      options: { component: '消' },
      focused: 'component',
      userId: member,
      locale: 'zh-CN',
      channelId: channel,
    });
    expect(r.choices).toEqual([{ name: '消息 (messaging)', value: 'messaging' }]);
    const all = await rig.emu.interact({
      name: 'subscribe',
      options: { component: 'messaging c' },
      focused: 'component',
      userId: member,
      locale: 'en-US',
      channelId: channel,
    });
    expect(all.choices).toContainEqual({ name: 'Voice and video calls (calls)', value: 'messaging calls' });
  });

  it('keeps /language per user and answers in it from then on, in DMs too', async () => {
    const set = await rig.emu.interact({ name: 'language', options: { code: 'zh-CN' }, userId: admin, locale: 'en-US' });
    expect(embedOf(set.reply).title).toMatch(/中文|简体/);
    const status = await rig.emu.interact({ name: 'status', userId: admin, locale: 'en-US' });
    expect(embedOf(status.reply).title).toContain('所有系统运行正常');
  });

  it('answers /kpi after deferring, with the figures as fields and the chart attached to the embed', async () => {
    const r = await rig.emu.interact({ name: 'kpi', options: { period: '7d' }, userId: member, locale: 'en-US', channelId: channel });
    expect(r.callbackType).toBe(5);
    const embed = embedOf(r.reply) as { title?: string; fields?: { name: string; value: string }[]; image?: { url: string } };
    expect(embed.title).toContain('7 days');
    expect(embed.fields?.map((f) => f.name)).toContain('Uptime (7 days)');
    expect(embed.image).toEqual({ url: 'attachment://chart.png' });
    expect(r.reply!.attachments).toMatchObject([{ filename: 'chart.png', size: PNG.length }]);
  });

  it('still answers, in the user’s language, when the command itself fails', async () => {
    const r = await rig.emu.interact({ name: 'kpi', options: { period: '90d' }, userId: member, locale: 'en-US', channelId: channel });
    expect(embedOf(r.reply).title).toContain('Something went wrong');
    expect(r.reply!.flags & EPHEMERAL).toBe(EPHEMERAL);
  });

  it('sent allowed_mentions with parse [] on every interaction reply and edit', () => {
    const replies = rig.emu.state.requests.filter((r) =>
      r.path.includes('/callback') ? r.body?.type === 4 : r.path.includes('@original'),
    );
    expect(replies.length).toBeGreaterThan(3);
    for (const r of replies) {
      const data = (r.path.includes('/callback') ? r.body?.data : r.body) as Json;
      expect(data.allowed_mentions, r.path).toEqual({ parse: [] });
    }
  });
});
