import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Translator } from '../../i18n/i18n.ts';
import { SUPPORTED_LOCALES } from '../../i18n/locales.ts';
import { validateCommands } from '../../../test/emulators/discord/commands.ts';
import { buildCommandDefinitions, discordLocalesFor, INVITE_PERMISSIONS } from './commands.ts';

describe('Discord command definitions', () => {
  it.each([
    ['en', ['en-US', 'en-GB']],
    ['zh-CN', ['zh-CN']],
    ['zh-TW', ['zh-TW']],
    ['es', ['es-ES', 'es-419']],
    ['pt-BR', ['pt-BR']],
    ['ja', ['ja']],
    ['ar', []],
    ['zh', []],
  ])('maps our locale %s to Discord locales %j', (ours, theirs) => {
    expect(discordLocalesFor(ours).sort()).toEqual([...theirs].sort());
  });

  it('is a body Discord accepts with every supported locale offered, localized for each Discord has', async () => {
    const translator = await Translator.create();
    const defs = buildCommandDefinitions(SUPPORTED_LOCALES, (l) => translator.t(l));
    expect(validateCommands(defs as never)).toBeUndefined();
    const status = defs.find((d) => d.name === 'status')!;
    const expected = SUPPORTED_LOCALES.flatMap((l) => discordLocalesFor(l)).sort();
    expect(Object.keys(status.description_localizations ?? {}).sort()).toEqual(expected);
    expect(status.name_localizations).toMatchObject({ 'zh-CN': '状态', ja: 'ステータス', ru: 'статус' });
    for (const d of defs) expect(d.description.length).toBeLessThanOrEqual(100);
  });

  it('leaves out a translated name Discord would refuse instead of failing the whole registration', async () => {
    const translator = await Translator.create();
    const bad = (l: string) => (key: string, o?: Record<string, unknown>) =>
      l === 'zh-CN' && key === 'discord:commandNames.status' ? 'Status?!' : translator.t(l)(key, o);
    const defs = buildCommandDefinitions(['en', 'zh-CN'], bad);
    expect(validateCommands(defs as never)).toBeUndefined();
    expect(defs[0]!.name_localizations).toEqual({ 'en-US': 'status', 'en-GB': 'status' });
  });

  it('documents the invite URL with exactly the permissions the bot needs', () => {
    const doc = readFileSync(new URL('../../../docs/discord.md', import.meta.url), 'utf8');
    expect(doc).toContain(`scope=bot+applications.commands&permissions=${INVITE_PERMISSIONS}`);
    expect(INVITE_PERMISSIONS & (1n << 17n)).toBe(0n); // never Mention Everyone
    // Attach Files: the /kpi chart and the digest's chart are uploaded images.
    expect(INVITE_PERMISSIONS & (1n << 15n)).toBe(1n << 15n);
    for (const readme of ['../../../README.md', '../../../docs/discord.md'])
      expect(readFileSync(new URL(readme, import.meta.url), 'utf8')).toMatch(/\| Attach Files \| `1 << 15` = 32768 \|/);
  });
});
