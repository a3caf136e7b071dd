/** Locales that have a complete folder under `locales/`. The first is the fallback of last resort. */
export const SUPPORTED_LOCALES = ['en', 'zh-CN'] as const;
export type Locale = (typeof SUPPORTED_LOCALES)[number];

export const isSupportedLocale = (tag: string): tag is Locale =>
  (SUPPORTED_LOCALES as readonly string[]).includes(tag);

const RTL_LANGUAGES = new Set(['ar', 'he', 'fa', 'ur']);
export const isRtl = (locale: string): boolean => RTL_LANGUAGES.has(locale.split('-')[0]!.toLowerCase());

/**
 * Maps a user's or platform's language tag (`zh-hans`, `en-US`, `pt_BR`, `zh`) to the closest of the
 * offered locales, or undefined when none fits.
 */
export const matchLocale = (tag: string | undefined | null, offered: readonly string[]): string | undefined => {
  if (!tag) return undefined;
  const norm = tag.trim().replace(/_/g, '-').toLowerCase();
  if (!norm) return undefined;
  const exact = offered.find((o) => o.toLowerCase() === norm);
  if (exact) return exact;
  const [lang, ...rest] = norm.split('-');
  const sub = rest.join('-');
  if (lang === 'zh') {
    const traditional = /^(hant|tw|hk|mo)/.test(sub) || /-(hant|tw|hk|mo)/.test(`-${sub}`);
    const preferred = traditional ? ['zh-TW', 'zh-CN'] : ['zh-CN', 'zh-TW'];
    for (const p of preferred) if (offered.includes(p)) return p;
  }
  if (lang === 'pt') {
    const plain = offered.find((o) => o.toLowerCase() === 'pt');
    if (plain) return plain;
  }
  const sameLanguage = offered.find((o) => o.split('-')[0]!.toLowerCase() === lang);
  return sameLanguage;
};
