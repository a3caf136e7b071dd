import type { IncomingMessage } from 'node:http';
import { matchLocale } from '../i18n/locales.ts';

/** The cookie a reader's choice on the language picker is kept in. */
export const LANG_COOKIE = 'lang';

/** `Accept-Language` (RFC 9110 §12.5.4) as tags, highest quality first; `q=0` means "not this one". */
export const acceptedLanguages = (header: string | undefined): string[] =>
  (header ?? '')
    .split(',')
    .map((part, i) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag: tag!.trim(), q: q === undefined ? 1 : Number(q), i };
    })
    .filter((x) => x.tag && x.tag !== '*' && Number.isFinite(x.q) && x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i)
    .map((x) => x.tag);

const cookieValue = (header: string | undefined, name: string): string | undefined => {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('=')).trim() || undefined;
  }
  return undefined;
};

/**
 * The page's language: `?lang=`, then the cookie, then `Accept-Language`, each matched to the
 * offered locales with the chat's matcher (`matchLocale`); the default when nothing fits.
 */
export const pageLocale = (
  req: Pick<IncomingMessage, 'headers'>,
  query: URLSearchParams,
  offered: readonly string[],
  fallback: string,
): { locale: string; chosen: boolean } => {
  const asked = matchLocale(query.get('lang'), offered);
  if (asked) return { locale: asked, chosen: true };
  const kept = matchLocale(cookieValue(req.headers.cookie, LANG_COOKIE), offered);
  if (kept) return { locale: kept, chosen: false };
  for (const tag of acceptedLanguages(req.headers['accept-language'])) {
    const m = matchLocale(tag, offered);
    if (m) return { locale: m, chosen: false };
  }
  return { locale: offered.includes(fallback) ? fallback : offered[0]!, chosen: false };
};

/** A language's own name for itself ("日本語", "العربية"), for the picker. */
export const nativeName = (locale: string): string => {
  try {
    const name = new Intl.DisplayNames([locale], { type: 'language' }).of(locale) ?? locale;
    return name.charAt(0).toLocaleUpperCase(locale) + name.slice(1);
  } catch {
    return locale;
  }
};
