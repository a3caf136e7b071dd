import { EntityParseError, type Entity, type Parsed } from './html.ts';

/**
 * The Bot API's MarkdownV2 parse mode, strict like tdlib `parse_markdown_v2`: outside code every
 * one of `_*[]()~`>#+-=|{}.!` must be escaped with `\`, entities must be closed. Error texts
 * verbatim ("Character '.' is reserved and must be escaped with the preceding '\'",
 * "Can't find end of Bold entity at byte offset N").
 */

const NAMES: Record<string, string> = {
  '*': 'Bold',
  _: 'Italic',
  __: 'Underline',
  '~': 'Strikethrough',
  '||': 'Spoiler',
  '`': 'Code',
  '```': 'Pre',
  '[': 'TextUrl',
};
const TYPES: Record<string, string> = {
  '*': 'bold',
  _: 'italic',
  __: 'underline',
  '~': 'strikethrough',
  '||': 'spoiler',
  '`': 'code',
  '```': 'pre',
};
const RESERVED = '_*[]()~`>#+-=|{}.!';

export const parseMarkdownV2 = (s: string): Parsed => {
  const bytes = (i: number) => Buffer.byteLength(s.slice(0, i), 'utf8');
  const fail = (msg: string): never => {
    throw new EntityParseError(msg);
  };
  let out = '';
  const entities: Entity[] = [];
  const open: { mark: string; offset: number; at: number }[] = [];
  let i = 0;
  const top = () => open.at(-1)?.mark;
  const toggle = (mark: string) => {
    if (top() === mark) {
      const e = open.pop()!;
      if (out.length > e.offset) entities.push({ type: TYPES[mark]!, offset: e.offset, length: out.length - e.offset });
    } else open.push({ mark, offset: out.length, at: i });
    i += mark.length;
  };
  while (i < s.length) {
    const c = s[i]!;
    const inCode = top() === '`' || top() === '```';
    if (c === '\\') {
      const n = s[i + 1];
      if (n !== undefined && n.charCodeAt(0) >= 1 && n.charCodeAt(0) <= 126) {
        out += n;
        i += 2;
        continue;
      }
    }
    if (inCode) {
      if (s.startsWith(top()!, i)) toggle(top()!);
      else out += s[i++];
      continue;
    }
    if (!RESERVED.includes(c)) {
      out += c;
      i++;
      continue;
    }
    if (c === '`') toggle(s.startsWith('```', i) ? '```' : '`');
    else if (c === '*' || c === '~') toggle(c);
    else if (c === '_') toggle(s[i + 1] === '_' ? '__' : '_');
    else if (c === '|' && s[i + 1] === '|') toggle('||');
    else if (c === '[') {
      open.push({ mark: '[', offset: out.length, at: i });
      i++;
    } else if (c === ']' && top() === '[') {
      const e = open.pop()!;
      i++;
      let url = '';
      if (s[i] === '(') {
        i++;
        while (i < s.length && s[i] !== ')') {
          if (s[i] === '\\' && i + 1 < s.length) i++;
          url += s[i++];
        }
        if (i >= s.length) fail(`Can't find end of a url at byte offset ${bytes(e.at)}`);
        i++;
      }
      if (url && out.length > e.offset) entities.push({ type: 'text_link', offset: e.offset, length: out.length - e.offset, url });
    } else if (c === '>' && (i === 0 || s[i - 1] === '\n')) {
      i++;
    } else fail(`Character '${c}' is reserved and must be escaped with the preceding '\\'`);
  }
  if (open.length) {
    const e = open.at(-1)!;
    fail(`Can't find end of ${NAMES[e.mark]} entity at byte offset ${bytes(e.at)}`);
  }
  return { text: out, entities };
};
