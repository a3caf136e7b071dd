import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordRig, type DiscordRig } from '../emulators/discord/app.ts';
import type { EmuInteraction, EmuMessage, Json } from '../emulators/discord/index.ts';
import { validateModal } from '../emulators/discord/modals.ts';
import { validateMessage } from '../emulators/discord/validate.ts';
import { startLibreTranslate, type TranslateFake } from '../emulators/translate/fakes.ts';
import { buttonsHtml, writeScreenshot } from '../helpers/screenshot.ts';
import { discordHtml, esc } from '../../src/authoring/web.ts';
import type { DiscordPayload } from '../../src/adapters/discord/render.ts';

/**
 * Writing an incident on Discord, through discord.js against the emulator: `/incident open`
 * answers with a MODAL (type 9), its submission with an ephemeral preview (one embed per language)
 * and Publish / Cancel, Publish announces on every target once, Update and Resolve open the modal
 * pre-filled; a member without a responder role is refused at every step.
 */
const EPHEMERAL = 64;
const RESPONDERS = '111111111111111111';
const OTHER_ROLE = '222222222222222222';
const buttonsOf = (m: EmuMessage | undefined) => (m?.components ?? []).flatMap((r) => (r.components as Json[]) ?? []);

describe('writing an incident on Discord', () => {
  let rig: DiscordRig;
  let ops: string;
  let announce: string;
  let announceZh: string;
  let responder: string;
  let stranger: string;

  beforeAll(async () => {
    rig = await startDiscordRig((emu) => {
      ops = emu.addChannel({ name: 'ops' });
      announce = emu.addChannel({ name: 'status' });
      announceZh = emu.addChannel({ name: 'status-zh' });
      responder = emu.addUser({ username: 'ada' });
      stranger = emu.addUser({ username: 'bob' });
      return [
        'service: { name: Chatter, locales: [en, zh-CN] }',
        'components:',
        '  - { id: messaging, name: { en: Messaging, zh-CN: 消息 } }',
        '  - { id: calls, name: { en: Voice and video calls, zh-CN: 语音和视频通话 } }',
        'announce:',
        `  - { platform: discord, channel: "${announce}" }`,
        `  - { platform: discord, channel: "${announceZh}", locale: zh-CN }`,
        'authors:',
        `  discord: ["${RESPONDERS}"]`,
      ].join('\n');
    });
  });
  afterAll(() => rig?.stop());

  const roots = () => [announce, announceZh].flatMap((c) => rig.emu.messagesIn(c).filter((m) => !m.replyTo && (m.flags & EPHEMERAL) === 0));
  const slash = (userId: string, subcommand: string, options: Record<string, string> = {}, roles = [RESPONDERS]) =>
    rig.emu.interact({ name: 'incident', subcommand, options, userId, channelId: ops, roles });

  it('registers /incident with open, update and resolve, hidden behind default_member_permissions', () => {
    const cmd = rig.emu.commands().find((c) => c.name === 'incident')!;
    expect(cmd).toMatchObject({ default_member_permissions: String(1n << 13n), contexts: [0] });
    expect((cmd.options as Json[]).map((o) => [o.name, o.type])).toEqual([
      ['open', 1],
      ['update', 1],
      ['resolve', 1],
    ]);
  });

  it('refuses a member without a responder role, politely and only to them, at the command and on the buttons', async () => {
    const refused = await slash(stranger, 'open', {}, [OTHER_ROLE]);
    expect(refused.callbackType).toBe(4);
    expect(refused.modal).toBeUndefined();
    expect(refused.reply!.flags & EPHEMERAL).toBe(EPHEMERAL);
    expect(refused.reply!.content).toMatch(/^Sorry, only the responders/);
  });

  let key = '';
  let published: EmuInteraction;
  it('declares: the modal, the ephemeral preview in both languages, publish — announced on every target once', async () => {
    const opened = await slash(responder, 'open');
    expect(opened.callbackType).toBe(9);
    expect(validateModal(opened.modal!)).toBeUndefined();
    expect(opened.modal).toMatchObject({ custom_id: 'sr_inc:m:open', title: 'New incident' });
    const selects = (opened.modal!.components as Json[]).map((c) => (c.component as Json).custom_id);
    expect(selects).toEqual(['name', 'impact', 'status', 'components', 'message']);

    const submitted = await rig.emu.submitModal({
      userId: responder,
      opened,
      roles: [RESPONDERS],
      inputs: {
        name: 'Messages are delayed',
        impact: ['major'],
        status: ['identified'],
        components: ['messaging=major_outage', 'calls=degraded_performance'],
        message: 'A router is congested @everyone',
      },
    });
    const preview = submitted.reply!;
    expect(preview.flags & EPHEMERAL).toBe(EPHEMERAL);
    expect(preview.embeds.map((e) => e.title)).toEqual([
      expect.stringContaining('Chatter · Critical incident · Identified'),
      expect.stringContaining('Chatter · 严重事件'),
    ]);
    expect(JSON.stringify(preview.embeds)).toContain('消息');
    expect(preview.pingedEveryone).toBe(false);
    expect(buttonsOf(preview).map((b) => b.custom_id)).toEqual(['sr_inc:cause', 'sr_inc:pub', 'sr_inc:x']);
    // The cause (which picks the advice) is a string select on the preview: the modal had no room left.
    const causeSelect = buttonsOf(preview)[0]!;
    expect(causeSelect).toMatchObject({ type: 3, placeholder: 'Cause (picks the advice)' });
    expect((causeSelect.options as Json[]).map((o) => [o.value, o.label])).toEqual([
      ['technical_fault', 'Technical fault'],
      ['network_congestion', 'Network congestion'],
      ['security_incident', 'Security incident'],
      ['external_provider', 'External provider'],
      ['maintenance', 'Planned maintenance'],
    ]);
    const phishing = 'Be wary of messages asking for your password';
    expect(JSON.stringify(preview.embeds)).not.toContain(phishing);
    expect(roots()).toEqual([]);
    await writeScreenshot(
      'discord',
      'Discord: the ephemeral preview, one embed per language',
      `<div class="card"><p>${esc(preview.content)}</p>${discordHtml({ embeds: preview.embeds, components: [], allowed_mentions: { parse: [] } } as DiscordPayload)}${buttonsHtml(buttonsOf(preview).map((b) => String(b.label)))}</div>`,
    );

    // The stranger can neither submit the modal nor press the responder's Publish.
    const forgedSubmit = await rig.emu.submitModal({
      userId: stranger,
      opened,
      roles: [OTHER_ROLE],
      inputs: { name: 'Forged', impact: ['minor'], status: ['investigating'], components: [], message: '' },
    });
    expect(forgedSubmit.reply!.content).toMatch(/^Sorry/);
    const forged = await rig.emu.pressButton({ userId: stranger, message: preview, customId: 'sr_inc:pub', roles: [OTHER_ROLE] });
    expect(forged.reply!.content).toMatch(/^Sorry/);
    // Nor pick the cause: refused to them alone, the preview and the draft stay as they were.
    const forgedCause = await rig.emu.chooseOptions({
      userId: stranger,
      message: preview,
      customId: 'sr_inc:cause',
      values: ['security_incident'],
      roles: [OTHER_ROLE],
    });
    expect(forgedCause.callbackType).toBe(4);
    expect(forgedCause.reply!.content).toMatch(/^Sorry/);
    expect(forgedCause.reply!.flags & EPHEMERAL).toBe(EPHEMERAL);
    expect(JSON.stringify(preview.embeds)).not.toContain(phishing);
    expect((await rig.t.app.authoring.drafts.get('discord', responder))?.fields.cause).toBeUndefined();
    expect(roots()).toEqual([]);

    // The responder picks the cause: the preview is updated in place (type 7) with that cause's advice, in each language.
    const picked = await rig.emu.chooseOptions({
      userId: responder,
      message: preview,
      customId: 'sr_inc:cause',
      values: ['security_incident'],
      roles: [RESPONDERS],
    });
    expect(picked.callbackType).toBe(7);
    expect(preview.embeds).toHaveLength(2);
    expect(JSON.stringify(preview.embeds[0])).toContain(phishing);
    expect(JSON.stringify(preview.embeds[1])).toContain('请警惕索要密码的消息');
    expect((buttonsOf(preview)[0]!.options as Json[]).find((o) => o.default === true)?.value).toBe('security_incident');
    expect(roots()).toEqual([]);

    published = await rig.emu.pressButton({ userId: responder, message: preview, customId: 'sr_inc:pub', roles: [RESPONDERS] });
    expect(published.callbackType).toBe(7);
    expect(preview.content).toContain('Published: Messages are delayed');
    const [update, resolve] = buttonsOf(preview);
    expect(update!.custom_id).toMatch(/^sr_inc:u:manual:messages-are-delayed-/);
    key = String(update!.custom_id).slice('sr_inc:u:'.length);
    expect(resolve!.custom_id).toBe(`sr_inc:r:${key}`);
    if (!(await rig.t.app.drained(30_000))) throw new Error('not drained');
    await rig.emu.waitFor(() => roots().length === 2);
    expect(roots()).toHaveLength(2);
    expect(roots().map((m) => m.embeds[0]!.title)).toEqual([
      expect.stringContaining('Critical incident'),
      expect.stringContaining('严重事件'),
    ]);
    // The announcement carries the advice of the cause picked on the preview.
    expect(JSON.stringify(roots()[0]!.embeds)).toContain(phishing);
    expect(JSON.stringify(roots()[1]!.embeds)).toContain('请警惕索要密码的消息');
    expect(rig.t.app.tracker.incident(key)?.cause).toBe('security_incident');
  }, 30_000);

  it('updates and resolves from the buttons; the modal comes pre-filled; the audit log says who', async () => {
    // `/incident update <incident>` offers the open incidents as the responder types.
    const typed = await rig.emu.interact({
      name: 'incident',
      subcommand: 'update',
      options: { incident: 'delayed' },
      focused: 'incident',
      userId: responder,
      channelId: ops,
      roles: [RESPONDERS],
    });
    expect(typed.choices).toEqual([{ name: 'Messages are delayed', value: key }]);
    const typedByStranger = await rig.emu.interact({
      name: 'incident',
      subcommand: 'update',
      options: { incident: 'delayed' },
      focused: 'incident',
      userId: stranger,
      channelId: ops,
      roles: [],
    });
    expect(typedByStranger.choices).toEqual([]);
    const message = published.reply!;
    expect((await rig.emu.pressButton({ userId: stranger, message, customId: `sr_inc:u:${key}`, roles: [] })).modal).toBeUndefined();
    const edit = await rig.emu.pressButton({ userId: responder, message, customId: `sr_inc:u:${key}`, roles: [RESPONDERS] });
    expect(edit.callbackType).toBe(9);
    const fields = edit.modal!.components as Json[];
    const status = fields.find((c) => (c.component as Json).custom_id === 'status')!.component as Json;
    expect((status.options as Json[]).find((o) => o.default)!.value).toBe('identified');
    const comps = fields.find((c) => (c.component as Json).custom_id === 'components')!.component as Json;
    expect((comps.options as Json[]).filter((o) => o.default).map((o) => o.value)).toEqual([
      'messaging=major_outage',
      'calls=degraded_performance',
    ]);
    const preview = (
      await rig.emu.submitModal({
        userId: responder,
        opened: edit,
        roles: [RESPONDERS],
        inputs: { status: ['monitoring'], components: ['messaging=degraded_performance'], message: 'Traffic moved.' },
      })
    ).reply!;
    expect(preview.embeds[0]!.title).toContain('Monitoring');
    const afterUpdate = await rig.emu.pressButton({ userId: responder, message: preview, customId: 'sr_inc:pub', roles: [RESPONDERS] });
    await rig.t.app.drained(30_000);
    expect(rig.t.app.tracker.incident(key)?.status).toBe('monitoring');

    const closing = await rig.emu.pressButton({
      userId: responder,
      message: afterUpdate.reply!,
      customId: `sr_inc:r:${key}`,
      roles: [RESPONDERS],
    });
    const closingStatus = (closing.modal!.components as Json[]).find((c) => (c.component as Json).custom_id === 'status')!
      .component as Json;
    expect((closingStatus.options as Json[]).find((o) => o.default)!.value).toBe('resolved');
    const last = (
      await rig.emu.submitModal({ userId: responder, opened: closing, roles: [RESPONDERS], inputs: { message: 'All good again.' } })
    ).reply!;
    expect(last.embeds[0]!.description).toContain('Resolved after');
    const done = await rig.emu.pressButton({ userId: responder, message: last, customId: 'sr_inc:pub', roles: [RESPONDERS] });
    expect(buttonsOf(done.reply)).toEqual([]);
    await rig.t.app.drained(30_000);
    expect(rig.t.app.tracker.incident(key)?.status).toBe('resolved');
    expect(roots()).toHaveLength(2);
    const audit = await rig.t.app.authoring.audit.of(key);
    expect(audit.map((e) => [e.action, e.who.id, e.who.name, e.where])).toEqual([
      ['opened', responder, 'ada', `discord channel ${ops}`],
      ['updated', responder, 'ada', `discord channel ${ops}`],
      ['resolved', responder, 'ada', `discord channel ${ops}`],
    ]);
    expect(JSON.stringify([announce, announceZh].map((c) => rig.emu.messagesIn(c).map((m) => m.embeds)))).not.toContain('ada');
  }, 30_000);

  it('the emulator holds message string selects to Discord’s rules', async () => {
    const select = (extra: Json = {}) => ({
      type: 3,
      custom_id: 's',
      options: [{ label: 'A', value: 'a' }],
      ...extra,
    });
    const message = (components: unknown) => validateMessage({ content: 'x', components }, { create: true, files: 0 });
    expect(message([{ type: 1, components: [select()] }])).toBeUndefined();
    // A select fills its row alone.
    expect(message([{ type: 1, components: [select(), { type: 2, style: 1, custom_id: 'b', label: 'B' }] }])).toMatchObject({
      body: { code: 50035 },
    });
    expect(message([{ type: 1, components: [select({ options: [] })] }])).toBeDefined();
    expect(message([{ type: 1, components: [select({ max_values: 2 })] }])).toMatchObject({
      body: {
        errors: {
          components: { 0: { components: { 0: { max_values: { _errors: [{ code: 'SELECT_COMPONENT_MAX_VALUES_EXCEEDS_OPTIONS' }] } } } } },
        },
      },
    });
    // The client offers only the select's own options, as many as it takes.
    const opened = await slash(responder, 'open');
    const submitted = await rig.emu.submitModal({
      userId: responder,
      opened,
      roles: [RESPONDERS],
      inputs: { name: 'Select rules', impact: ['minor'], status: ['investigating'], components: [], message: '' },
    });
    const preview = submitted.reply!;
    await expect(
      rig.emu.chooseOptions({ userId: responder, message: preview, customId: 'sr_inc:cause', values: ['aliens'], roles: [RESPONDERS] }),
    ).rejects.toThrow(/not among the options/);
    await expect(
      rig.emu.chooseOptions({
        userId: responder,
        message: preview,
        customId: 'sr_inc:cause',
        values: ['maintenance', 'technical_fault'],
        roles: [RESPONDERS],
      }),
    ).rejects.toThrow(/takes 1 to 1/);
    await expect(
      rig.emu.chooseOptions({ userId: responder, message: preview, customId: 'sr_inc:nope', values: ['maintenance'], roles: [RESPONDERS] }),
    ).rejects.toThrow(/no string select/);
    await rig.emu.pressButton({ userId: responder, message: preview, customId: 'sr_inc:x', roles: [RESPONDERS] });
  });

  it('the emulator holds modals to Discord’s limits', () => {
    const input = (id: string) => ({ type: 18, label: 'L', component: { type: 4, custom_id: id, style: 1 } });
    expect(validateModal({ custom_id: 'x', title: 't', components: [1, 2, 3, 4, 5, 6].map((n) => input(`i${n}`)) })).toMatchObject({
      body: { code: 50035, errors: { data: { components: { _errors: [{ code: 'BASE_TYPE_BAD_LENGTH' }] } } } },
    });
    expect(validateModal({ custom_id: 'x', title: 'x'.repeat(46), components: [input('a')] })).toBeDefined();
    expect(validateModal({ custom_id: 'x', title: 't', components: [input('a'), input('a')] })).toMatchObject({
      body: {
        errors: { data: { components: { 1: { component: { custom_id: { _errors: [{ code: 'COMPONENT_CUSTOM_ID_DUPLICATED' }] } } } } } },
      },
    });
  });
});

describe('writing an incident on Discord while machine translation is slow', () => {
  let rig: DiscordRig;
  let fake: TranslateFake;
  let ops: string;
  let responder: string;
  beforeAll(async () => {
    fake = await startLibreTranslate('k');
    fake.mode = 'hang';
    rig = await startDiscordRig((emu) => {
      ops = emu.addChannel({ name: 'ops' });
      responder = emu.addUser({ username: 'ada' });
      return [
        'service: { name: Chatter, locales: [en, zh-CN] }',
        `i18n: { translate: { provider: libretranslate, url: "${fake.url}", key: k, timeout: 2500ms } }`,
        'authors:',
        `  discord: ["${RESPONDERS}"]`,
      ].join('\n');
    });
  });
  afterAll(async () => {
    await rig?.stop();
    await fake?.close();
  });

  it('defers the answer to the modal within Discord’s 3 s, then edits the preview in', async () => {
    const opened = await rig.emu.interact({ name: 'incident', subcommand: 'open', userId: responder, channelId: ops, roles: [RESPONDERS] });
    const submitted = await rig.emu.submitModal({
      userId: responder,
      opened,
      roles: [RESPONDERS],
      inputs: { name: 'Messages are delayed', impact: ['major'], status: ['investigating'], message: 'Looking.' },
    });
    expect(submitted.callbackType).toBe(5);
    expect(submitted.reply!.flags & EPHEMERAL).toBe(EPHEMERAL);
    expect(submitted.reply!.embeds.map((e) => e.title)).toEqual([
      expect.stringContaining('Major incident'),
      expect.stringContaining('重大事件'),
    ]);
    expect(buttonsOf(submitted.reply).map((b) => b.custom_id)).toEqual(['sr_inc:cause', 'sr_inc:pub', 'sr_inc:x']);
  }, 30_000);
});
