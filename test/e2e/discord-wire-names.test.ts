import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPONENTS_YAML, startDiscordRig, type DiscordRig } from '../emulators/discord/app.ts';
import type { Json } from '../emulators/discord/index.ts';

/**
 * An operator rewords the English option and command names (i18n.overrides accepts it). The names
 * on the wire stay ours, so the commands a real client sends — by their registered names — still
 * parse; only what English clients see changes (issue 13).
 */
describe('Discord: overridden English option names leave the wire names alone', () => {
  let rig: DiscordRig;
  let channel: string;
  let user: string;

  beforeAll(async () => {
    const overrides = mkdtempSync(join(tmpdir(), 'sr-discord-overrides-'));
    mkdirSync(join(overrides, 'en'));
    writeFileSync(
      join(overrides, 'en', 'discord.json'),
      JSON.stringify({
        options: { component: { name: 'service-part' }, window: { name: 'timespan' } },
        commandNames: { subscribe: 'follow' },
      }),
    );
    rig = await startDiscordRig((emu) => {
      channel = emu.addChannel({ name: 'general' });
      user = emu.addUser({ username: 'reader' });
      return `service: { name: Chatter, locales: [en, zh-CN] }\ni18n: { overrides: "${overrides}" }\n${COMPONENTS_YAML}`;
    });
  });
  afterAll(() => rig?.stop());

  const registered = (command: string) => rig.emu.commands().find((c) => c.name === command);
  const optionNames = (command: string) => ((registered(command)?.options ?? []) as Json[]).map((o) => String(o.name));

  it('registers the constant names, the operator’s words as English localizations', () => {
    expect(registered('subscribe')).toBeDefined();
    expect(optionNames('subscribe')).toEqual(['component']);
    expect(optionNames('kpi')).toEqual(['period']);
    expect(registered('subscribe')!.name_localizations).toMatchObject({ 'en-US': 'follow', 'zh-CN': '订阅' });
    const component = (registered('subscribe')!.options as Json[])[0]!;
    expect(component.name_localizations).toMatchObject({ 'en-US': 'service-part', 'en-GB': 'service-part' });
  });

  it('parses a command sent by its registered names', async () => {
    const [option] = optionNames('subscribe');
    const sub = await rig.emu.interact({
      name: 'subscribe',
      options: { [option!]: 'calls' },
      userId: user,
      locale: 'en-US',
      channelId: channel,
    });
    expect(JSON.stringify(sub.reply?.embeds)).toContain('Voice and video calls');
    expect(await rig.t.app.store.namespace('subscriptions').get(`discord:${user}`)).toMatchObject({ components: ['calls'] });
    const [window] = optionNames('kpi');
    const kpi = await rig.emu.interact({ name: 'kpi', options: { [window!]: '7d' }, userId: user, locale: 'en-US', channelId: channel });
    expect(JSON.stringify(kpi.reply?.embeds)).toMatch(/7 days/);
  });
});
