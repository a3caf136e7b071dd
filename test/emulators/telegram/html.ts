/**
 * The Bot API's HTML parse mode, as strict as the real server (tdlib td/telegram/MessageEntity.cpp
 * `parse_html`, error texts verbatim): only the listed tags, properly nested, attributes quoted or
 * plain, entities `&lt; &gt; &amp; &quot;` and numeric ones; an unknown `&name;` stays literal.
 * Offsets in errors are UTF-8 byte offsets; entity offsets/lengths are UTF-16 units.
 */

export interface Entity {
  type: string;
  offset: number;
  length: number;
  url?: string;
  language?: string;
}

export interface Parsed {
  readonly text: string;
  readonly entities: Entity[];
}

export class EntityParseError extends Error {}

const TAGS: Record<string, string> = {
  a: 'text_link',
  b: 'bold',
  strong: 'bold',
  i: 'italic',
  em: 'italic',
  s: 'strikethrough',
  strike: 'strikethrough',
  del: 'strikethrough',
  u: 'underline',
  ins: 'underline',
  'tg-spoiler': 'spoiler',
  span: 'spoiler',
  'tg-emoji': 'custom_emoji',
  pre: 'pre',
  code: 'code',
  blockquote: 'blockquote',
};

const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };

/** Decodes the entity at `s[i] === '&'`; returns [char, next index] or undefined when it is not one. */
const decodeEntity = (s: string, i: number): [string, number] | undefined => {
  const m = /^&(#x[0-9a-fA-F]{1,8}|#[0-9]{1,10}|[a-zA-Z]{2,8});/.exec(s.slice(i, i + 14));
  if (!m) return undefined;
  const body = m[1]!;
  if (body[0] === '#') {
    const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
    if (!(code > 0 && code <= 0x10ffff) || (code >= 0xd800 && code <= 0xdfff)) return undefined;
    return [String.fromCodePoint(code), i + m[0].length];
  }
  const named = NAMED[body];
  return named ? [named, i + m[0].length] : undefined;
};

const isNameChar = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_-]/.test(c);
const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';

export const parseHtml = (s: string): Parsed => {
  const bytes = (i: number) => Buffer.byteLength(s.slice(0, i), 'utf8');
  const fail = (msg: string): never => {
    throw new EntityParseError(msg);
  };
  let out = '';
  const entities: Entity[] = [];
  const open: { tag: string; offset: number; url?: string; language?: string }[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === '&') {
      const d = decodeEntity(s, i);
      if (d) {
        out += d[0];
        i = d[1];
      } else {
        out += c;
        i++;
      }
      continue;
    }
    if (c !== '<') {
      out += c;
      i++;
      continue;
    }
    const begin = i;
    i++;
    if (s[i] !== '/') {
      const nameStart = i;
      while (isNameChar(s[i])) i++;
      const tag = s.slice(nameStart, i).toLowerCase();
      if (i >= s.length) fail(`Unclosed start tag at byte offset ${bytes(begin)}`);
      if (!(tag in TAGS)) fail(`Unsupported start tag "${tag}" at byte offset ${bytes(begin)}`);
      const attrs: Record<string, string> = {};
      while (s[i] !== '>') {
        while (isSpace(s[i])) i++;
        if (s[i] === '>') break;
        const attrStart = i;
        while (isNameChar(s[i])) i++;
        const attr = s.slice(attrStart, i).toLowerCase();
        if (!attr) fail(`Empty attribute name in the tag "${tag}" at byte offset ${bytes(begin)}`);
        while (isSpace(s[i])) i++;
        if (s[i] !== '=') {
          if (i >= s.length) fail(`Unclosed start tag at byte offset ${bytes(begin)}`);
          // A bare attribute (blockquote expandable) has no value.
          attrs[attr] = '';
          continue;
        }
        i++;
        while (isSpace(s[i])) i++;
        if (i >= s.length) fail(`Unclosed start tag at byte offset ${bytes(begin)}`);
        let value = '';
        const q = s[i];
        if (q === '"' || q === "'") {
          i++;
          while (i < s.length && s[i] !== q) {
            const d = s[i] === '&' ? decodeEntity(s, i) : undefined;
            if (d) [value, i] = [value + d[0], d[1]];
            else value += s[i++];
          }
          if (i >= s.length) fail(`Unclosed start tag at byte offset ${bytes(begin)}`);
          i++;
        } else {
          const vStart = i;
          while (isNameChar(s[i]) || s[i] === '.' || s[i] === ':' || s[i] === '/') i++;
          if (i === vStart) fail(`Unexpected end of name token at byte offset ${bytes(i)}`);
          value = s.slice(vStart, i);
        }
        attrs[attr] = value;
      }
      i++;
      if (tag === 'span' && attrs.class !== 'tg-spoiler') fail(`Tag "span" must have class "tg-spoiler" at byte offset ${bytes(begin)}`);
      const lang = tag === 'code' && attrs.class?.startsWith('language-') ? attrs.class.slice(9) : undefined;
      open.push({ tag, offset: out.length, ...(tag === 'a' ? { url: attrs.href ?? '' } : {}), ...(lang ? { language: lang } : {}) });
      continue;
    }
    if (open.length === 0) fail(`Unexpected end tag at byte offset ${bytes(begin)}`);
    i++;
    const nameStart = i;
    while (isNameChar(s[i])) i++;
    const tag = s.slice(nameStart, i).toLowerCase();
    while (isSpace(s[i])) i++;
    if (s[i] !== '>') fail(`Unclosed end tag at byte offset ${bytes(begin)}`);
    i++;
    const top = open.pop()!;
    if (tag !== top.tag) fail(`Unmatched end tag at byte offset ${bytes(begin)}, expected "</${top.tag}>", found "</${tag}>"`);
    const length = out.length - top.offset;
    if (length > 0) {
      if (top.tag === 'a') {
        let href: URL | undefined;
        try {
          href = new URL(top.url ?? '');
        } catch {
          href = undefined;
        }
        // An invalid URL does not fail the request: the text stays, the link is dropped.
        if (href && /^(https?|tg|ton):$/.test(href.protocol))
          entities.push({ type: 'text_link', offset: top.offset, length, url: href.href });
      } else entities.push({ type: TAGS[top.tag]!, offset: top.offset, length, ...(top.language ? { language: top.language } : {}) });
    }
  }
  if (open.length) fail(`Can't find end tag corresponding to start tag "${open.at(-1)!.tag}"`);
  entities.sort((a, b) => a.offset - b.offset || b.length - a.length);
  return { text: out, entities };
};
