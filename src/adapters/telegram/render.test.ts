import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseHtml } from '../../../test/emulators/telegram/html.ts';
import type { MessageModel } from '../../i18n/message.ts';
import { cutText, escapeHtml, renderCaption, renderTelegram } from './render.ts';
import { TELEGRAM_LIMITS } from './limits.ts';

const { message: MESSAGE_LIMIT, caption: CAPTION_LIMIT } = TELEGRAM_LIMITS;

const base: MessageModel = {
  locale: 'en',
  dir: 'ltr',
  severity: 'major',
  title: 'Chatter · Major incident · Investigating',
  fields: [],
  advice: [],
};
const HOSTILE = [
  '<b>bold?</b> <script>alert(1)</script> </i> <a href="javascript:alert(1)">x</a>',
  '& &amp; &lt; < > &#60; &unknown;',
  '*bold* _italic_ `code` [link](https://evil.example) ~strike~ ||spoiler|| \\ > # + - = | { } . !',
  '@everyone @channel @admin <!channel> <@123>',
  'انقطاع في خدمة الرسائل',
  '👩‍👩‍👧‍👦 🏳️‍🌈 e\u0301 zero\u200dwidth\u200bjoiner',
].join('\n');

/** What a Telegram client would show for our HTML, parsed by the emulator's strict parser. */
const shown = (html: string) => parseHtml(html);

describe('renderTelegram', () => {
  it('escapes every untrusted string: hostile text shows literally, with no tag, link or entity of its own', () => {
    const m: MessageModel = {
      ...base,
      headline: HOSTILE,
      body: HOSTILE,
      fields: [{ label: 'Affected <x>', value: HOSTILE }],
      advice: [HOSTILE],
      footer: HOSTILE,
    };
    const { text, parse_mode } = renderTelegram(m);
    expect(parse_mode).toBe('HTML');
    const parsed = shown(text);
    expect(parsed.text).toContain('<b>bold?</b> <script>alert(1)</script>');
    expect(parsed.text).toContain('& &amp; &lt; < > &#60; &unknown;');
    expect(parsed.text).toContain('👩‍👩‍👧‍👦');
    expect(parsed.entities.filter((e) => e.type === 'text_link')).toEqual([]);
    expect(new Set(parsed.entities.map((e) => e.type))).toEqual(new Set(['bold', 'italic']));
  });

  it('puts the title in bold and links only http(s) URLs', () => {
    const withLink = shown(
      renderTelegram({ ...base, link: { label: 'Status page', url: 'https://status.example.com/i/1?a=1&b="2"' } }).text,
    );
    expect(withLink.entities[0]).toMatchObject({ type: 'bold', offset: 0 });
    expect(withLink.entities.find((e) => e.type === 'text_link')?.url).toBe('https://status.example.com/i/1?a=1&b=%222%22');
    const js = shown(renderTelegram({ ...base, link: { label: 'Status page', url: 'javascript:alert(1)' } }).text);
    expect(js.entities.some((e) => e.type === 'text_link')).toBe(false);
    expect(js.text).toContain('javascript:alert(1)');
  });

  it('keeps 12,000 characters within 4096 after parsing, cut at a safe boundary with a link to the full text', () => {
    const body = `${'Über <b> & 👩‍👩‍👧‍👦 انقطاع '.repeat(500)}`.slice(0, 12_000);
    const m: MessageModel = {
      ...base,
      headline: 'Messages delayed',
      body,
      link: { label: 'Status page', url: 'https://status.example.com/incidents/1' },
    };
    const parsed = shown(renderTelegram(m, { fullText: 'Read the full text', shortened: '(shortened)' }).text);
    expect(parsed.text.length).toBeLessThanOrEqual(MESSAGE_LIMIT);
    expect(parsed.text.length).toBeGreaterThan(MESSAGE_LIMIT - 400);
    expect(parsed.text).toContain('… Read the full text');
    const links = parsed.entities.filter((e) => e.type === 'text_link');
    expect(links.map((e) => parsed.text.slice(e.offset, e.offset + e.length))).toEqual(['Read the full text', 'Status page']);
    // Never half an emoji: no lone surrogate and no dangling zero-width joiner before the ellipsis.
    expect(parsed.text).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|\u200d…/);
  });

  it('says the text was shortened when there is no link', () => {
    const parsed = shown(renderTelegram({ ...base, body: 'x '.repeat(6000) }, { fullText: 'Full', shortened: '(shortened)' }).text);
    expect(parsed.text.length).toBeLessThanOrEqual(MESSAGE_LIMIT);
    expect(parsed.text).toMatch(/… \(shortened\)$/);
  });

  it('keeps photo captions within 1024 characters', () => {
    const m: MessageModel = { ...base, body: HOSTILE.repeat(40), fields: [{ label: 'Uptime (24 h)', value: '99.95 %' }] };
    const parsed = shown(renderCaption(m).caption);
    expect(parsed.text.length).toBeLessThanOrEqual(CAPTION_LIMIT);
    expect(parsed.text).toContain('Uptime (24 h): 99.95 %');
  });

  it('never produces HTML the server refuses, nor text over the limit, whatever the strings (property)', () => {
    const str = fc.string({
      unit: fc.constantFrom('<', '>', '&', ';', '#', '"', 'a', ' ', '\n', '👩‍👧', '\u200d', 'ع', '\ud800', '*', '_'),
      maxLength: 300,
    });
    fc.assert(
      fc.property(
        str,
        str,
        fc.string({ maxLength: 6000 }),
        fc.array(fc.tuple(str, str), { maxLength: 12 }),
        (title, headline, body, fields) => {
          const m: MessageModel = {
            ...base,
            title: title || 't',
            headline,
            body,
            fields: fields.map(([label, value]) => ({ label, value })),
          };
          const parsed = shown(renderTelegram(m).text);
          expect(parsed.text.length).toBeLessThanOrEqual(MESSAGE_LIMIT);
          expect(shown(renderCaption(m).caption).text.length).toBeLessThanOrEqual(CAPTION_LIMIT);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('cutText and escapeHtml', () => {
  it('cuts on a grapheme, preferring a space, and counts the ellipsis', () => {
    expect(cutText('hello world again', 12)).toBe('hello world…');
    const family = '👩‍👩‍👧‍👦';
    const cut = cutText(family.repeat(10), 25);
    expect(cut.length).toBeLessThanOrEqual(25);
    expect(cut.replace('…', '').length % family.length).toBe(0);
  });

  it('escapes & < > and replaces lone surrogates', () => {
    expect(escapeHtml('a & b < c > d')).toBe('a &amp; b &lt; c &gt; d');
    expect(escapeHtml('x\ud800y')).toBe('x\ufffdy');
  });
});
