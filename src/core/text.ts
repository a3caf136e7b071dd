import { decodeHTML } from 'entities';

/**
 * Text from status pages is untrusted HTML-ish text: these helpers turn it into plain text.
 * Entities are decoded by `entities` (every HTML5 named entity, case-sensitive as the HTML standard
 * says: `&Auml;` is "Ä", `&auml;` is "ä"), exactly once: `AT&amp;amp;T` is the text "AT&amp;T".
 */
export const decodeEntities = (s: string): string => decodeHTML(s);

/** Elements whose content is never text a reader sees. */
const HIDDEN = /<(script|style|template|noscript|head|title|iframe|object|svg|math)\b[^>]*>[\s\S]*?<\/\1\s*>/gi;
const BLOCK_END = /<\/(p|div|li|h[1-6]|tr|table|ul|ol|blockquote|pre|section|article|header|footer)\s*>/gi;
/** A tag: `<` then a letter or `/` (so "latency < 5 ms" and "<no value>"-style text survive as text). */
const TAG = /<\/?[a-z][a-z0-9-]*(?:\s+[^<>]*?)?\s*\/?>/gi;
const HREF = /\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/i;

/**
 * HTML → plain text: line breaks kept, links become "text (url)", script/style bodies and comments
 * dropped, tags dropped, entities decoded once, whitespace tidied.
 */
export const htmlToText = (input: unknown): string => {
  // Payloads are untrusted: a body that is not a string has no text to show.
  if (typeof input !== 'string' || !input) return '';
  // Links are replaced by numbered placeholders holding their finished text, so that the one decode
  // of the rest cannot decode a link's text a second time.
  const links: string[] = [];
  let s = input.replace(/\uE000/g, '').replace(/\r\n?/g, '\n');
  s = s.replace(/<!--[\s\S]*?(?:-->|$)/g, '').replace(HIDDEN, '');
  s = s.replace(/<a\b([^>]*)>([\s\S]*?)<\/a\s*>/gi, (_m, attrs: string, inner: string) => {
    const m = HREF.exec(attrs);
    const label = decodeEntities(inner.replace(TAG, '')).replace(/\s+/g, ' ').trim();
    const url = m ? decodeEntities((m[1] ?? m[2] ?? m[3] ?? '').trim()) : '';
    const shown = !/^https?:\/\//i.test(url) ? label : label && label !== url ? `${label} (${url})` : url;
    links.push(shown);
    return `\uE000${links.length - 1}\uE000`;
  });
  s = s
    .replace(/<(p|div|ul|ol|table|blockquote|pre|h[1-6])\b[^>]*>/gi, '\n')
    .replace(/<\s*br\s*\/?>/gi, '\n')
    .replace(BLOCK_END, '\n')
    .replace(/<li\b[^>]*>/gi, '• ');
  s = s.replace(TAG, '');
  s = decodeEntities(s).replace(/\uE000(\d+)\uE000/g, (_m, i: string) => links[Number(i)] ?? '');
  s = s
    .replace(/[ \t\u00a0\u2002\u2003\u2009]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n');
  return s.trim();
};

export interface TruncateOptions {
  /** Prefer a cut at a space or line break, when one lies in the last 40 % of what fits. */
  readonly atWord?: boolean;
  /** Mends the end of the cut text before the ellipsis (a lone escaping backslash, half an entity). */
  readonly mendEnd?: (cut: string) => string;
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * The one truncation: at most `max` UTF-16 code units (how the platforms count their limits)
 * including the "…" it adds, cut between graphemes — never inside a surrogate pair, a ZWJ emoji or
 * a letter with its combining marks.
 */
export const truncate = (text: string, max: number, options: TruncateOptions = {}): string => {
  if (text.length <= max) return text;
  if (max < 1) return '';
  let cut = '';
  for (const { segment } of graphemes.segment(text)) {
    if (cut.length + segment.length > max - 1) break;
    cut += segment;
  }
  if (options.atWord && !/\s/.test(text[cut.length] ?? '')) {
    const boundary = Math.max(cut.lastIndexOf('\n'), cut.lastIndexOf(' '));
    if (boundary > max * 0.6) cut = cut.slice(0, boundary);
  }
  return `${options.mendEnd ? options.mendEnd(cut) : cut}…`;
};
