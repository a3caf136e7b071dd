import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it, expect } from 'vitest';
import { loadResources, LOCALES_DIR } from './i18n.ts';
import { SUPPORTED_LOCALES, matchLocale } from './locales.ts';
import { COMPONENT_STATUSES, INCIDENT_STATUSES, MAINTENANCE_STATUSES, SEVERITIES } from '../core/model.ts';

type Tree = { [k: string]: string | Tree };

const flatten = (tree: Tree, prefix = ''): Map<string, string> => {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else for (const [kk, vv] of flatten(v, key)) out.set(kk, vv);
  }
  return out;
};

/** i18next plural suffixes: a key "x" used in code may exist as x_one, x_other, … */
const PLURAL = /_(zero|one|two|few|many|other)$/;
const baseKey = (k: string) => k.replace(PLURAL, '');
const placeholders = (s: string) => [...s.matchAll(/\{\{\s*([\w.]+)[^}]*\}\}/g)].map((m) => m[1]).sort();

const resources = loadResources();
const keysOf = (lng: string): Map<string, string> => {
  const out = new Map<string, string>();
  for (const [ns, tree] of Object.entries(resources[lng] ?? {}))
    for (const [k, v] of flatten(tree as Tree)) out.set(ns === 'translation' ? k : `${ns}:${k}`, v);
  return out;
};

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });

describe('locales', () => {
  const en = keysOf('en');
  const enBase = new Set([...en.keys()].map(baseKey));

  it('has a folder for every supported locale', () => {
    expect(readdirSync(LOCALES_DIR).sort()).toEqual([...SUPPORTED_LOCALES].sort());
  });

  it.each(SUPPORTED_LOCALES.filter((l) => l !== 'en'))('%s has every key of en and no extra one', (lng) => {
    const other = keysOf(lng);
    const missing = [...enBase].filter((k) => ![...other.keys()].some((o) => baseKey(o) === k));
    const extra = [...other.keys()].filter((k) => !enBase.has(baseKey(k)));
    expect({ missing, extra }).toEqual({ missing: [], extra: [] });
  });

  it.each(SUPPORTED_LOCALES.filter((l) => l !== 'en'))('%s uses the same {{placeholders}} as en', (lng) => {
    const other = keysOf(lng);
    const differ: string[] = [];
    for (const [k, v] of other) {
      const ref = en.get(k) ?? en.get(`${baseKey(k)}_other`) ?? en.get(baseKey(k));
      if (ref !== undefined && placeholders(ref).join() !== placeholders(v).join()) differ.push(k);
    }
    expect(differ).toEqual([]);
  });

  it('has no empty string in any locale', () => {
    for (const lng of SUPPORTED_LOCALES) for (const [k, v] of keysOf(lng)) expect(v.trim(), `${lng} ${k}`).not.toBe('');
  });

  it('has every key that code uses literally, and every value of the enumerations code builds keys from', () => {
    const root = resolve(LOCALES_DIR, '..', 'src');
    const used = new Set<string>();
    for (const file of sourceFiles(root)) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\bt\(\s*'([A-Za-z0-9_-]+[.:][A-Za-z0-9_.:-]+)'/g)) used.add(m[1]!);
    }
    expect(used.size).toBeGreaterThan(20);
    const missing = [...used].filter((k) => !enBase.has(k));
    expect(missing).toEqual([]);
    const families: [string, readonly string[]][] = [
      ['severity', SEVERITIES],
      ['componentStatus', COMPONENT_STATUSES],
      ['overall', COMPONENT_STATUSES],
      ['storyStatus', [...INCIDENT_STATUSES, ...MAINTENANCE_STATUSES]],
      ['kpi.window', ['24h', '7d', '30d', '90d']],
    ];
    for (const [prefix, values] of families) for (const v of values) expect(enBase.has(`${prefix}.${v}`), `${prefix}.${v}`).toBe(true);
  });
});

/** What is wrong with the plural keys of one locale: missing CLDR categories, or categories it never uses. */
const pluralProblems = (lng: string, keys: ReadonlyMap<string, string>, bases: readonly string[]): string[] => {
  const categories = new Intl.PluralRules(lng).resolvedOptions().pluralCategories;
  const wrong: string[] = [];
  for (const base of bases) {
    for (const c of categories) if (!keys.has(`${base}_${c}`)) wrong.push(`missing ${base}_${c}`);
    for (const k of keys.keys()) {
      const m = PLURAL.exec(k);
      // `_zero` is an optional i18next extra for count 0; any other category the language lacks is dead text.
      if (m && baseKey(k) === base && m[1] !== 'zero' && !categories.includes(m[1] as Intl.LDMLPluralRule)) wrong.push(`unused ${k}`);
    }
  }
  return wrong;
};

describe('plural forms per CLDR', () => {
  const pluralBases = [...new Set([...keysOf('en').keys()].filter((k) => PLURAL.test(k)).map(baseKey))];

  it.each(SUPPORTED_LOCALES)('%s has exactly the plural categories Intl.PluralRules gives its language', (lng) => {
    const keys = keysOf(lng);
    // A language may pluralize a key English does not (Russian "раз/раза"): then it needs all its forms too.
    const own = [...keys.keys()].filter((k) => PLURAL.test(k)).map(baseKey);
    expect(pluralProblems(lng, keys, [...new Set([...pluralBases, ...own])])).toEqual([]);
  });

  it('catches a Russian or Arabic key with English-style forms only, and a Japanese key with an unused form', () => {
    const englishStyle = new Map([
      ['n_one', '{{count}}'],
      ['n_other', '{{count}}'],
    ]);
    expect(pluralProblems('ru', englishStyle, ['n']).sort()).toEqual(['missing n_few', 'missing n_many']);
    expect(pluralProblems('ar', englishStyle, ['n']).sort()).toEqual([
      'missing n_few',
      'missing n_many',
      'missing n_two',
      'missing n_zero',
    ]);
    expect(pluralProblems('ja', englishStyle, ['n'])).toEqual(['unused n_one']);
    expect(pluralProblems('ja', new Map([['n_other', 'x']]), ['n'])).toEqual([]);
  });
});

describe('no English left behind', () => {
  const en = keysOf('en');
  /** Values that are legitimately the same as English: names, codes, symbols, loanwords. */
  const SAME_AS_EN = new Set([
    'announce.title',
    'announce.window',
    'status.title',
    'status.componentLine',
    'announce.componentTitle',
    'kpi.window.24h',
    'discord:commandNames.status',
    'discord:commandNames.kpi',
    'discord:options.code.name',
    'discord:options.mode.name',
    'discord:thread.name',
    'kpi.uptime',
    'demo.banner',
    'digest.p95',
  ]);
  /** The same word in that language. */
  const SAME_WORD: Readonly<Record<string, readonly string[]>> = {
    fr: ['severity.maintenance', 'authoring:admin.impact', 'authoring:admin.message', 'authoring:admin.incidents'],
    de: ['chart.p50', 'authoring:admin.status'],
    'pt-BR': ['authoring:admin.status'],
    id: ['chart.p50', 'digest.uptime', 'authoring:admin.status'],
  };
  const letters = (s: string) => s.replace(/\{\{[^}]*\}\}/g, '').replace(/[^\p{L}]/gu, '');

  it.each(SUPPORTED_LOCALES.filter((l) => l !== 'en'))('%s translates every sentence', (lng) => {
    const same = [...keysOf(lng)]
      .filter(([k, v]) => en.get(k) === v && letters(v).length > 0 && !SAME_AS_EN.has(k) && !SAME_WORD[lng]?.includes(k))
      .map(([k]) => k);
    expect(same).toEqual([]);
  });

  it.each(SUPPORTED_LOCALES)('%s names every Discord command and option as Discord accepts', (lng) => {
    // https://discord.com/developers/docs/interactions/application-commands#application-command-object-application-command-naming
    const valid = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;
    const bad = [...keysOf(lng)]
      .filter(([k]) => /^discord:(commandNames\.|options\.[^.]+\.name$)/.test(k))
      .filter(([, v]) => !valid.test(v) || v !== v.toLowerCase())
      .map(([k, v]) => `${k}=${v}`);
    expect(bad).toEqual([]);
    // Command and option descriptions: 1-100 characters on Discord (the stricter of the platforms).
    const long = [...keysOf(lng)]
      .filter(([k, v]) => /^(commands\.[a-z]+$|discord:options\.[^.]+\.description$)/.test(k) && [...v].length > 100)
      .map(([k]) => k);
    expect(long).toEqual([]);
  });
});

describe('matching a user language tag to an offered locale', () => {
  const offered = ['en', 'zh-CN'];
  it.each([
    ['zh-hans', 'zh-CN'],
    ['zh', 'zh-CN'],
    ['zh_CN', 'zh-CN'],
    ['en-US', 'en'],
    ['EN', 'en'],
    ['fr', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%s → %s', (tag, expected) => {
    expect(matchLocale(tag, offered)).toBe(expected);
  });

  it.each([
    ['zh-HK', 'zh-TW'],
    ['zh-MO', 'zh-TW'],
    ['zh-Hant', 'zh-TW'],
    ['zh-Hant-HK', 'zh-TW'],
    ['zh-hant', 'zh-TW'],
    ['zh-Hans-HK', 'zh-CN'],
    ['zh-SG', 'zh-CN'],
    ['zh', 'zh-CN'],
    ['pt-PT', 'pt-BR'],
    ['pt', 'pt-BR'],
    ['pt-br', 'pt-BR'],
    ['es-419', 'es'],
    ['es-MX', 'es'],
    ['es-ES', 'es'],
    ['en-GB', 'en'],
    ['en-US', 'en'],
    ['ar-EG', 'ar'],
    ['ar', 'ar'],
    ['ru-RU', 'ru'],
    ['fr-CA', 'fr'],
    ['de-AT', 'de'],
    ['ja-JP', 'ja'],
    ['hi-IN', 'hi'],
    ['id-ID', 'id'],
    ['in', 'id'],
    ['ko', undefined],
    ['uk', undefined],
  ])('with all twelve offered: %s → %s', (tag, expected) => {
    expect(matchLocale(tag, SUPPORTED_LOCALES)).toBe(expected);
  });

  it('sends pt-PT to a plain `pt` when one is offered, and only then', () => {
    expect(matchLocale('pt-PT', ['en', 'pt-BR', 'pt'])).toBe('pt');
    expect(matchLocale('pt-PT', ['en', 'pt-BR'])).toBe('pt-BR');
    expect(matchLocale('es-419', ['en', 'es-419', 'es'])).toBe('es-419');
  });
});
