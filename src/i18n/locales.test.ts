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
});
