/**
 * Unicode bidi controls for right-to-left messages (UAX #9, https://www.unicode.org/reports/tr9/).
 * Latin component names, times, numbers and URLs inside an Arabic sentence are wrapped in isolates so
 * they neither reorder the words around them nor decide the paragraph's direction: chat clients pick a
 * paragraph's direction from its first strong character (Discord, Telegram, Slack all do "auto"), and
 * characters inside an isolate do not count (rule P2), so "⁨Chatter⁩ · حادث حرج" is laid out right to left.
 */
export const LRM = '\u200E';
export const RLM = '\u200F';
export const LRI = '\u2066';
export const RLI = '\u2067';
export const FSI = '\u2068';
export const PDI = '\u2069';

/** Embeddings, overrides and isolates (not the harmless LRM/RLM/ALM marks). */
const EXPLICIT = /[\u202A-\u202E\u2066-\u2069]/g;
const ALL = /[\u200E\u200F\u061C\u202A-\u202E\u2066-\u2069]/g;

/**
 * Removes explicit directional controls from untrusted text. An unbalanced RLO (U+202E) or a stray PDI
 * in a status page's component name could otherwise close our isolate and reverse the rest of our own
 * sentence ("Trojan Source", CVE-2021-42574).
 */
export const stripBidiControls = (text: string): string => text.replace(EXPLICIT, '');

/** Removes every bidi mark, ours included: for comparing and for plain-text search. */
export const stripAllBidi = (text: string): string => text.replace(ALL, '');

/** First-strong isolate: the text keeps its own direction and cannot disturb its surroundings. */
export const isolate = (text: string): string => {
  const clean = stripBidiControls(text);
  return clean ? `${FSI}${clean}${PDI}` : clean;
};

/** Left-to-right isolate: for URLs and codes whose characters must keep their order even when neutral. */
export const isolateLtr = (text: string): string => {
  const clean = stripBidiControls(text);
  return clean ? `${LRI}${clean}${PDI}` : clean;
};

/** i18next `interpolation.escape` for right-to-left locales: every interpolated value becomes an isolate. */
export const isolateValue = (value: unknown): string =>
  isolate(typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value as number));

/** Identity for left-to-right locales, `isolate` for right-to-left ones. */
export const isolatorFor = (dir: 'ltr' | 'rtl'): ((text: string) => string) => (dir === 'rtl' ? isolate : (text) => text);

/** Shows the invisible controls as visible brackets, for tests and the review page. */
export const showBidi = (text: string): string =>
  text
    .replace(/[\u2066\u2067\u2068]/g, '⁅')
    .replace(/\u2069/g, '⁆')
    .replace(/\u200E/g, '‹LRM›')
    .replace(/\u200F/g, '‹RLM›');
