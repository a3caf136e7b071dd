/** Text from status pages is untrusted HTML-ish text: these helpers turn it into plain text. */

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', ndash: '–', mdash: '—', hellip: '…',
  lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', bull: '•', middot: '·', copy: '©', reg: '®', trade: '™',
  eacute: 'é', egrave: 'è', uuml: 'ü', ouml: 'ö', auml: 'ä', szlig: 'ß', euro: '€', deg: '°', times: '×',
};

export const decodeEntities = (s: string): string =>
  s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, body: string) => {
    if (body[0] === '#') {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
    }
    return NAMED_ENTITIES[body.toLowerCase()] ?? m;
  });

/**
 * HTML → plain text: line breaks kept, links become "text (url)", tags dropped, entities decoded
 * (twice when the source double-escaped them, as some feeds do), whitespace tidied.
 */
export const htmlToText = (input: unknown): string => {
  // Payloads are untrusted: a body that is not a string has no text to show.
  if (typeof input !== 'string' || !input) return '';
  let s = input.replace(/\r\n?/g, '\n');
  s = s.replace(/<a\b[^>]*?href\s*=\s*(["'])(.*?)\1[^>]*>(.*?)<\/a>/gis, (_m, _q, href: string, text: string) => {
    const label = text.replace(/<[^>]*>/g, '').trim();
    const url = decodeEntities(href.trim());
    return label && label !== url ? `${label} (${url})` : url;
  });
  s = s.replace(/<\s*br\s*\/?>/gi, '\n').replace(/<\/(p|div|li|h[1-6]|tr)>/gi, '\n').replace(/<li\b[^>]*>/gi, '• ');
  s = s.replace(/<[^>]*>/g, '');
  s = decodeEntities(s);
  if (/&(amp|lt|gt|nbsp|quot|#\d+);/.test(s)) s = decodeEntities(s);
  s = s.replace(/[ \t\u00a0]+/g, ' ').replace(/ *\n */g, '\n').replace(/\n{3,}/g, '\n\n');
  return s.trim();
};

/** Cuts at a word or line boundary below `max` characters (counted in code points), adding an ellipsis. */
export const truncate = (s: string, max: number): string => {
  const chars = Array.from(s);
  if (chars.length <= max) return s;
  const cut = chars.slice(0, Math.max(0, max - 1)).join('');
  const boundary = Math.max(cut.lastIndexOf('\n'), cut.lastIndexOf(' '));
  return `${boundary > max * 0.6 ? cut.slice(0, boundary) : cut}…`;
};
