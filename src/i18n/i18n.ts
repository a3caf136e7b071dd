import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import i18next, { type i18n as I18nInstance, type TFunction } from 'i18next';
import { SUPPORTED_LOCALES, isRtl } from './locales.ts';
import { FSI, RLM, isolateValue } from './bidi.ts';
import { applyOverrides, loadOverrides } from './overrides.ts';

/** locales/ beside src/ or dist/: the build keeps src/'s layout (tsconfig.build.json rootDir), so one relative path serves tsx and the compiled code. */
export const LOCALES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'locales');

export type Resources = Record<string, Record<string, Record<string, unknown>>>;

/** Reads `locales/<lng>/<namespace>.json` for every supported locale. */
export const loadResources = (dir = LOCALES_DIR, locales: readonly string[] = SUPPORTED_LOCALES): Resources => {
  const resources: Resources = {};
  for (const lng of locales) {
    const folder = join(dir, lng);
    if (!existsSync(folder)) continue;
    resources[lng] = {};
    for (const file of readdirSync(folder).filter((f) => f.endsWith('.json'))) {
      resources[lng]![file.replace(/\.json$/, '')] = JSON.parse(readFileSync(join(folder, file), 'utf8')) as Record<string, unknown>;
    }
  }
  return resources;
};

/**
 * A translate function that looks each (key, values) up once: a page renders the same labels for
 * every component and window, and an i18next lookup (key parsing, fallbacks, interpolation) costs far
 * more than a map hit. Only calls whose values are plain strings/numbers are kept (the output is then a
 * pure function of them); anything else goes straight through. Meant for one render, so it stays small.
 */
export const memoT = (t: TFunction): TFunction => {
  const seen = new Map<string, unknown>();
  const call = t as unknown as (key: unknown, options?: unknown) => unknown;
  const memo = (key: unknown, options?: unknown): unknown => {
    if (typeof key !== 'string') return call(key, options);
    let id = key;
    if (options !== undefined) {
      if (typeof options !== 'object' || options === null) return call(key, options);
      for (const v of Object.values(options)) if (typeof v !== 'string' && typeof v !== 'number') return call(key, options);
      id = `${key}\u0000${JSON.stringify(options)}`;
    }
    if (seen.has(id)) return seen.get(id);
    const out = call(key, options);
    seen.set(id, out);
    return out;
  };
  return memo as unknown as TFunction;
};

/** Our one translator. Wraps an i18next instance of its own (never the global one). */
export class Translator {
  private constructor(private readonly instance: I18nInstance) {}

  static async create(options: { fallbackLocale?: string; resources?: Resources; overridesDir?: string } = {}): Promise<Translator> {
    const ours = options.resources ?? loadResources();
    // Operators' wording, validated against ours: throws a ConfigError naming the file and key.
    const resources = options.overridesDir ? applyOverrides(ours, loadOverrides(options.overridesDir, ours)) : ours;
    const instance = i18next.createInstance();
    const namespaces = [...new Set(Object.values(resources).flatMap((r) => Object.keys(r)))];
    await instance.init({
      resources,
      lng: options.fallbackLocale ?? 'en',
      fallbackLng: options.fallbackLocale ?? 'en',
      ns: namespaces.length ? namespaces : ['translation'],
      defaultNS: 'translation',
      // Our renderers escape per platform; i18next must not HTML-escape on its own.
      interpolation: { escapeValue: false },
      returnNull: false,
      showSupportNotice: false,
    } as Parameters<I18nInstance['init']>[0]);
    return new Translator(instance);
  }

  /** A translate function fixed to one locale. */
  t(locale: string): TFunction {
    const fixed = this.instance.getFixedT(locale);
    if (!isRtl(locale)) return fixed;
    // Right to left: each interpolated value (names, times, numbers) is a bidi isolate; see bidi.ts.
    const rtl = (key: string | string[], options?: unknown): unknown => {
      const out = (fixed as unknown as (k: string | string[], o: Record<string, unknown>) => unknown)(key, {
        ...(typeof options === 'object' && options !== null ? options : typeof options === 'string' ? { defaultValue: options } : {}),
        interpolation: { escapeValue: true, escape: isolateValue },
      });
      // A sentence that opens with a value has no strong character before it, so clients would fall
      // back to left to right for the whole line: an RLM in front makes it right to left.
      return typeof out === 'string' && out.startsWith(FSI) ? `${RLM}${out}` : out;
    };
    return rtl as unknown as TFunction;
  }

  has(locale: string, key: string): boolean {
    return this.instance.exists(key, { lng: locale, fallbackLng: false });
  }

  dir(locale: string): 'ltr' | 'rtl' {
    return isRtl(locale) ? 'rtl' : 'ltr';
  }

  /** This translator with each locale's lookups memoized (`memoT`): for one render, then dropped. */
  memoized(): Pick<Translator, 't' | 'dir'> {
    const byLocale = new Map<string, TFunction>();
    return {
      t: (locale) => {
        let t = byLocale.get(locale);
        if (!t) byLocale.set(locale, (t = memoT(this.t(locale))));
        return t;
      },
      dir: (locale) => this.dir(locale),
    };
  }
}
