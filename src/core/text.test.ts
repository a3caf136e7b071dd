import { encodeHTML } from 'entities';
import { describe, expect, it } from 'vitest';
import { htmlToText, truncate } from './text.ts';
import type { MessageModel } from '../i18n/message.ts';
import { renderTelegram } from '../adapters/telegram/render.ts';
import { renderSlack } from '../adapters/slack/render.ts';
import { escapeDiscord, renderDiscord } from '../adapters/discord/render.ts';
import { parseHtml } from '../../test/emulators/telegram/html.ts';

describe('htmlToText on what status pages send', () => {
  it.each([
    ['named entities are case-sensitive', '&Auml;rger und &auml;rger', 'Ärger und ärger'],
    [
      'Spanish, French and German entities',
      'Conexi&oacute;n, Espa&ntilde;a, &laquo;panne&raquo;, Stra&szlig;e, a&ensp;b',
      'Conexión, España, «panne», Straße, a b',
    ],
    ['Portuguese', 'Servi&ccedil;o indispon&iacute;vel, a&ccedil;&otilde;es', 'Serviço indisponível, ações'],
    ['numeric references', '&#x1F525; &#233; &#8212;', '🔥 é —'],
    ['decoded once: a double-escaped ampersand stays visible', 'AT&amp;amp;T', 'AT&amp;T'],
    [
      'style and script bodies never leak',
      '<style>p { color: red }</style><p>Messages are delayed.</p><script>alert("x")</script>',
      'Messages are delayed.',
    ],
    ['comments are dropped', 'Up<!-- internal: db-7 -->date', 'Update'],
    [
      'an unquoted href keeps its URL',
      '<a href=https://status.example.com/i/1?a=1&amp;b=2>details</a>',
      'details (https://status.example.com/i/1?a=1&b=2)',
    ],
    ['a single-quoted href', "<a href='https://e.example'>e</a>", 'e (https://e.example)'],
    ['a link whose text is its URL appears once', '<a href="https://e.example">https://e.example</a>', 'https://e.example'],
    ['a javascript: link keeps only its text', '<a href="javascript:alert(1)">click</a>', 'click'],
    ['a link text is decoded once too', '<a href="https://e.example">AT&amp;amp;T</a>', 'AT&amp;T (https://e.example)'],
    ['a "<" that opens no tag is text', 'latency < 5 ms and > 2 ms', 'latency < 5 ms and > 2 ms'],
    ['line breaks and lists', 'One<br>two<ul><li>a</li><li>b</li></ul>', 'One\ntwo\n• a\n• b'],
    ['CRLF bodies', 'a\r\nb', 'a\nb'],
  ])('%s', (_what, html, text) => {
    expect(htmlToText(html)).toBe(text);
  });

  it('a body that is not a string has no text', () => {
    expect(htmlToText(42)).toBe('');
    expect(htmlToText(null)).toBe('');
  });
});

/** Every character that has an HTML5 named entity, under the name `entities` encodes it with. */
const NAMED: { name: string; char: string }[] = [];
for (let cp = 0x20; cp <= 0x1ffff; cp++) {
  if (cp >= 0xd800 && cp <= 0xdfff) continue;
  const char = String.fromCodePoint(cp);
  const name = encodeHTML(char);
  if (/^&[A-Za-z][A-Za-z0-9]*;$/.test(name)) NAMED.push({ name, char });
}

const model = (body: string): MessageModel => ({ locale: 'en', dir: 'ltr', severity: 'minor', title: 'T', body, fields: [], advice: [] });

/** What each platform shows of a rendered body, undoing exactly the markup its renderer added. */
const shownByTelegram = (body: string): string => parseHtml(renderTelegram(model(body)).text).text;
const shownBySlack = (body: string): string =>
  JSON.stringify(renderSlack(model(body)).blocks)
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
const shownByDiscord = (body: string): string =>
  (renderDiscord(model(body)).payload.embeds[0]!.description ?? '').replace(/\\(.)/g, '$1').replace(/\u200b/g, '');

describe('every HTML5 named entity reaches every platform as its character', () => {
  it(`${NAMED.length} named characters, decoded once, survive the Telegram, Slack and Discord renderers`, () => {
    expect(NAMED.length).toBeGreaterThan(1400);
    // In chunks, so each message stays under the platforms' limits.
    for (let i = 0; i < NAMED.length; i += 100) {
      const chunk = NAMED.slice(i, i + 100);
      const html = chunk.map((e) => `[${e.name}]`).join(' ');
      const text = htmlToText(html);
      for (const e of chunk) if (!/\s/.test(e.char)) expect(text, e.name).toContain(`[${e.char}]`);
      const telegram = shownByTelegram(text);
      const discord = shownByDiscord(text);
      const slack = shownBySlack(text);
      for (const e of chunk) {
        // Whitespace entities are tidied to one space by htmlToText; the others must be there as themselves.
        if (/\s/.test(e.char)) continue;
        expect(telegram, `${e.name} on Telegram`).toContain(e.char);
        // Discord: a zero-width space is what neutraliseMentions inserts, so shownByDiscord removes them all.
        if (e.char !== '\u200b') expect(discord, `${e.name} on Discord`).toContain(e.char);
        if (e.char !== '"' && e.char !== '\\') expect(slack, `${e.name} on Slack`).toContain(e.char);
      }
    }
  });
});

/** Masked links Discord would render: `[text](http…)` whose brackets are not escaped. */
const liveMaskedLinks = (markdown: string): string[] => {
  const out: string[] = [];
  const unescaped = (i: number) => {
    let n = 0;
    for (let j = i - 1; j >= 0 && markdown[j] === '\\'; j--) n++;
    return n % 2 === 0;
  };
  for (let i = 0; i < markdown.length; i++) {
    if (markdown[i] !== '[' || !unescaped(i)) continue;
    for (let j = i + 1; j < markdown.length; j++) {
      if (markdown[j] === ']' && unescaped(j) && markdown[j + 1] === '(' && /^\(https?:\/\//.test(markdown.slice(j + 1))) {
        out.push(markdown.slice(i, markdown.indexOf(')', j) + 1));
        break;
      }
    }
  }
  return out;
};

describe('Discord: every masked link in source text is inert', () => {
  it('the checker sees a live link', () => expect(liveMaskedLinks('[a](https://x.example) [b](https://y.example)')).toHaveLength(2));

  it.each([
    ['two links', '[a](https://x.example) and [b](https://evil.example)'],
    ['an escaped closing bracket', '[a\\](https://evil.example)'],
    ['an escaped opening bracket', 'x \\[y](https://evil.example)'],
    ['nested brackets', '[[status]](https://evil.example)'],
    ['a link after a backslash pair', '\\\\[a](https://evil.example)'],
    ['many links', Array.from({ length: 20 }, (_, i) => `[l${i}](https://evil.example/${i})`).join(' ')],
  ])('%s', (_what, text) => {
    expect(liveMaskedLinks(escapeDiscord(text))).toEqual([]);
    expect(liveMaskedLinks(renderDiscord(model(text)).payload.embeds[0]!.description ?? '')).toEqual([]);
    // The reader still sees the words.
    expect(escapeDiscord(text).replace(/\\(.)/g, '$1')).toBe(text);
  });
});

describe('truncate (the one truncation)', () => {
  it('keeps text that fits, and otherwise ends in "…" within max UTF-16 units', () => {
    expect(truncate('short', 5)).toBe('short');
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abcdef', 1)).toBe('…');
    expect(truncate('abcdef', 0)).toBe('');
  });

  it('never cuts inside a surrogate pair, a ZWJ emoji or a letter with its combining mark', () => {
    expect(truncate('ab😀cd', 4)).toBe('ab…');
    expect(truncate('👩‍👩‍👧‍👦👩‍👩‍👧‍👦', 12)).toBe('👩‍👩‍👧‍👦…');
    expect(truncate('cafe\u0301 au lait', 5)).toBe('caf…');
    for (let max = 1; max < 30; max++) expect(truncate('Ñandú 🇦🇷 — सेवा 👩‍💻 ok', max).length).toBeLessThanOrEqual(max);
  });

  it('cuts at a word when asked and one is near the end; mends the end before the ellipsis', () => {
    expect(truncate('the quick brown fox jumps', 20, { atWord: true })).toBe('the quick brown fox…');
    expect(truncate('averyveryverylongword here', 10, { atWord: true })).toBe('averyvery…');
    expect(truncate('ab\\*cd', 4, { mendEnd: (s) => s.replace(/\\$/, '') })).toBe('ab…');
  });
});
