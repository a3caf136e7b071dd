import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect } from 'vitest';
import { ConfigError } from '../core/errors.ts';
import { loadResources, Translator } from './i18n.ts';
import { loadOverrides } from './overrides.ts';
import { startTestApp } from '../../test/helpers/app.ts';

const base = loadResources();

/** A fresh overrides folder with the given files: { 'de/translation.json': {...} }. */
const folder = (files: Record<string, unknown>): string => {
  const dir = mkdtempSync(join(tmpdir(), 'sr-overrides-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path.split('/')[0]!), { recursive: true });
    writeFileSync(join(dir, path), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
};

const errorOf = (dir: string): ConfigError => {
  try {
    loadOverrides(dir, base);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
};

describe('operator overrides', () => {
  it('replaces our wording in any locale and namespace, plural forms included, and keeps the rest', async () => {
    const dir = folder({
      'de/translation.json': { announce: { statusPage: 'Unsere Statusseite' } },
      'ru/translation.json': { quiet: { summaryTitle_few: '{{service}}: {{count}} новости, пока вы отдыхали' } },
      'en/telegram.json': { fullText: 'Read it all' },
    });
    const translator = await Translator.create({ overridesDir: dir });
    expect(translator.t('de')('announce.statusPage')).toBe('Unsere Statusseite');
    expect(translator.t('de')('announce.affected')).toBe('Betroffen');
    expect(translator.t('ru')('quiet.summaryTitle', { service: 'Chatter', count: 3 })).toBe('Chatter: 3 новости, пока вы отдыхали');
    expect(translator.t('ru')('quiet.summaryTitle', { service: 'Chatter', count: 5 })).toBe('Chatter · 5 обновлений за время тихих часов');
    expect(translator.t('en')('telegram:fullText')).toBe('Read it all');
  });

  it.each([
    [
      'an unknown key',
      { 'fr/translation.json': { announce: { statusPag: 'Page' } } },
      /fr\/translation\.json: unknown key "announce\.statusPag"$/,
    ],
    [
      'a missing placeholder',
      { 'es/translation.json': { announce: { updatedAt: 'Actualizado' } } },
      /es\/translation\.json: "announce\.updatedAt" is missing \{\{time\}\}$/,
    ],
    [
      'an extra placeholder',
      { 'ja/translation.json': { announce: { updatedAt: '{{time}} {{who}}' } } },
      /ja\/translation\.json: "announce\.updatedAt" uses \{\{who\}\}, which this text does not have \(it has \{\{time\}\}\)$/,
    ],
    [
      'a plural form the language lacks',
      { 'ja/translation.json': { quiet: { summaryTitle_one: '{{service}} {{count}}' } } },
      /unknown key "quiet\.summaryTitle_one"$/,
    ],
    ['an unknown locale', { 'xx/translation.json': {} }, /xx: "xx" is not one of the supported locales/],
    ['an unknown namespace', { 'de/whatsapp.json': {} }, /de\/whatsapp\.json: unknown namespace "whatsapp"/],
    ['broken JSON', { 'de/translation.json': '{ "announce": ' }, /de\/translation\.json: not valid JSON/],
    [
      'a value that is not text',
      { 'de/translation.json': { announce: { affected: 3 } } },
      /"announce\.affected" must be a non-empty string$/,
    ],
  ])('rejects %s with a ConfigError naming the file and key', (_what, files, message) => {
    const e = errorOf(folder(files));
    expect(e.setting).toBe('i18n.overrides');
    expect(e.message).toMatch(message);
  });

  it('rejects a folder that does not exist', () => {
    expect(errorOf(join(tmpdir(), 'sr-no-such-folder')).message).toMatch(/is not a folder$/);
  });

  it('is checked when the app starts, from the config setting', async () => {
    const dir = folder({ 'de/translation.json': { announce: { since: 'Seit {{when}}' } } });
    const yaml = `service: { name: Chatter, locales: [en, de] }\ni18n: { overrides: "${dir}" }\n`;
    await expect(startTestApp(yaml, {}, { start: false })).rejects.toThrow(
      /i18n\.overrides: .*de\/translation\.json: "announce\.since" uses \{\{when\}\}/,
    );
  }, 30_000);
});
