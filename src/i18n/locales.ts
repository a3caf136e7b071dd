/** Locales that have a complete folder under `locales/`. The first is the fallback of last resort. */
export const SUPPORTED_LOCALES = ['en', 'zh-CN', 'zh-TW', 'es', 'pt-BR', 'hi', 'id', 'ar', 'ru', 'fr', 'de', 'ja'] as const;
export type Locale = (typeof SUPPORTED_LOCALES)[number];

export const isSupportedLocale = (tag: string): tag is Locale => (SUPPORTED_LOCALES as readonly string[]).includes(tag);

const RTL_LANGUAGES = new Set(['ar', 'he', 'fa', 'ur']);
export const isRtl = (locale: string): boolean => RTL_LANGUAGES.has(locale.split('-')[0]!.toLowerCase());

/** Legacy ISO 639 codes some clients (old Android/Java) still send. */
const LEGACY_LANGUAGE: Readonly<Record<string, string>> = { in: 'id', iw: 'he', ji: 'yi' };

/**
 * Maps a user's or platform's language tag (`zh-hans`, `en-US`, `pt_BR`, `zh`, `zh-HK`, `es-419`) to
 * the closest of the offered locales, or undefined when none fits.
 */
export const matchLocale = (tag: string | undefined | null, offered: readonly string[]): string | undefined => {
  if (!tag) return undefined;
  const norm = tag.trim().replace(/_/g, '-').toLowerCase();
  if (!norm) return undefined;
  const exact = offered.find((o) => o.toLowerCase() === norm);
  if (exact) return exact;
  const [rawLang, ...subtags] = norm.split('-');
  const lang = LEGACY_LANGUAGE[rawLang!] ?? rawLang!;
  if (lang === 'zh') {
    // The script subtag decides when present (zh-Hans-HK is Simplified); otherwise the region does.
    const traditional = subtags.includes('hant') || (!subtags.includes('hans') && subtags.some((s) => ['tw', 'hk', 'mo'].includes(s)));
    const preferred = traditional ? ['zh-TW', 'zh-CN'] : ['zh-CN', 'zh-TW'];
    for (const p of preferred) if (offered.includes(p)) return p;
  }
  // A plain language code (`pt`, `es`) beats any regional variant; then the first variant offered.
  const plain = offered.find((o) => o.toLowerCase() === lang);
  if (plain) return plain;
  return offered.find((o) => o.split('-')[0]!.toLowerCase() === lang);
};
