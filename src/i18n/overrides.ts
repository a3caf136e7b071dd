import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../core/errors.ts';
import type { Resources } from './i18n.ts';

/**
 * Operators' own wording: `<dir>/<locale>/<namespace>.json`, shaped like `locales/`, replaces any of
 * our strings. Checked at start-up against our resources so a typo fails loudly instead of silently
 * showing our text: unknown locale, namespace or key, a value that is not text, or a {{placeholder}}
 * missing or added.
 */
const SETTING = 'i18n.overrides';
const PLURAL = /_(zero|one|two|few|many|other)$/;

type Tree = { [k: string]: unknown };

const flatten = (tree: Tree, prefix = ''): [string, unknown][] =>
  Object.entries(tree).flatMap(([k, v]) => {
    const key = prefix ? `${prefix}.${k}` : k;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? flatten(v as Tree, key) : [[key, v] as [string, unknown]];
  });

const placeholders = (s: string): string[] => [...new Set([...s.matchAll(/\{\{\s*-?\s*([\w.]+)[^}]*\}\}/g)].map((m) => m[1]!))].sort();

const setDeep = (tree: Tree, key: string, value: string): void => {
  const parts = key.split('.');
  let node = tree;
  for (const p of parts.slice(0, -1)) {
    if (typeof node[p] !== 'object' || node[p] === null) node[p] = {};
    node = node[p] as Tree;
  }
  node[parts.at(-1)!] = value;
};

/** The text ours has for a key in a locale (or its plural sibling): the reference for placeholders. */
const reference = (flat: Map<string, string>, key: string): string | undefined => {
  const base = key.replace(PLURAL, '');
  return flat.get(key) ?? flat.get(`${base}_other`) ?? flat.get(base);
};

/** Reads and validates the overrides folder; returns the strings to lay over ours. */
export const loadOverrides = (dir: string, base: Resources): Resources => {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ConfigError(SETTING, `${dir} is not a folder`);
  const out: Resources = {};
  for (const lng of readdirSync(dir).sort()) {
    const folder = join(dir, lng);
    if (!statSync(folder).isDirectory()) continue;
    if (!base[lng])
      throw new ConfigError(SETTING, `${folder}: "${lng}" is not one of the supported locales (${Object.keys(base).join(', ')})`);
    for (const file of readdirSync(folder)
      .filter((f) => f.endsWith('.json'))
      .sort()) {
      const path = join(folder, file);
      const ns = file.replace(/\.json$/, '');
      const ours = base[lng]![ns];
      if (!ours)
        throw new ConfigError(
          SETTING,
          `${path}: unknown namespace "${ns}" (expected one of ${Object.keys(base[lng]!)
            .map((n) => `${n}.json`)
            .join(', ')})`,
        );
      let parsed: unknown;
      try {
        parsed = JSON.parse(readFileSync(path, 'utf8'));
      } catch (e) {
        throw new ConfigError(SETTING, `${path}: not valid JSON (${(e as Error).message})`);
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
        throw new ConfigError(SETTING, `${path}: expected a JSON object of keys`);
      const oursFlat = new Map(flatten(ours as Tree).filter((e): e is [string, string] => typeof e[1] === 'string'));
      const categories = new Intl.PluralRules(lng).resolvedOptions().pluralCategories as readonly string[];
      for (const [key, value] of flatten(parsed as Tree)) {
        const plural = PLURAL.exec(key);
        const known =
          oursFlat.has(key) ||
          (plural !== null &&
            categories.includes(plural[1]!) &&
            [...oursFlat.keys()].some((k) => k.replace(PLURAL, '') === key.replace(PLURAL, '')));
        if (!known) throw new ConfigError(SETTING, `${path}: unknown key "${key}"`);
        if (typeof value !== 'string' || value.trim() === '')
          throw new ConfigError(SETTING, `${path}: "${key}" must be a non-empty string`);
        const want = placeholders(reference(oursFlat, key)!);
        const got = placeholders(value);
        const missing = want.filter((p) => !got.includes(p));
        const extra = got.filter((p) => !want.includes(p));
        if (missing.length) throw new ConfigError(SETTING, `${path}: "${key}" is missing ${missing.map((p) => `{{${p}}}`).join(', ')}`);
        if (extra.length)
          throw new ConfigError(
            SETTING,
            `${path}: "${key}" uses ${extra.map((p) => `{{${p}}}`).join(', ')}, which this text does not have (it has ${want.map((p) => `{{${p}}}`).join(', ') || 'none'})`,
          );
        setDeep(((out[lng] ??= {})[ns] ??= {}) as Tree, key, value);
      }
    }
  }
  return out;
};

/** Our resources with the overrides laid over them (a new object; the inputs are not changed). */
export const applyOverrides = (base: Resources, overrides: Resources): Resources => {
  const merged = structuredClone(base);
  for (const [lng, namespaces] of Object.entries(overrides))
    for (const [ns, tree] of Object.entries(namespaces))
      for (const [key, value] of flatten(tree as Tree)) setDeep((merged[lng]![ns] ??= {}) as Tree, key, value as string);
  return merged;
};
