import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { MessageModel } from '../../i18n/message.ts';
import { validateBlocks, textsOf, mentionsIn } from '../../../test/emulators/slack/validate.ts';
import { chunkEscaped, escapeSlack, renderSlack, truncateEscaped } from './render.ts';
import { SLACK_LIMITS } from './limits.ts';

const base: MessageModel = {
  locale: 'en',
  dir: 'ltr',
  severity: 'major',
  title: 'Chatter · Major incident · Investigating',
  fields: [],
  advice: [],
};
const HOSTILE =
  '<!channel> <!here> <!everyone> <@U123|boss> <!subteam^S1|@ops> <https://evil.example|click> & *b* _i_ ~s~ `c` <b>x</b> @everyone مرحبا 👩‍👩‍👧‍👦 ';

/** Slack would accept it and nobody would be pinged. */
const acceptable = (m: MessageModel) => {
  const p = renderSlack(m);
  expect(validateBlocks(p.blocks, SLACK_LIMITS.blocks)).toEqual([]);
  expect(JSON.stringify(p.blocks).length).toBeLessThanOrEqual(13_000);
  expect(p.text.length).toBeLessThanOrEqual(SLACK_LIMITS.text);
  expect(mentionsIn(textsOf(p.text, p.blocks))).toEqual([]);
  return p;
};

describe('escapeSlack', () => {
  it.each([
    ['<!channel>', '&lt;!channel&gt;'],
    ['a & b', 'a &amp; b'],
    ['&lt;', '&amp;lt;'],
    ['*bold* _x_ `y`', '*bold* _x_ `y`'],
    ['مرحبا 👩‍👩‍👧‍👦', 'مرحبا 👩‍👩‍👧‍👦'],
  ])('%s → %s', (input, out) => expect(escapeSlack(input)).toBe(out));
});

describe('truncation and chunks never break an entity or a surrogate pair', () => {
  it('truncateEscaped', () => {
    expect(truncateEscaped('abc&amp;def', 6)).toBe('abc…');
    expect(truncateEscaped('ab😀cd', 4)).toBe('ab…');
    expect(truncateEscaped('short', 10)).toBe('short');
  });
  it('chunkEscaped keeps every character and respects the size', () => {
    const text = escapeSlack('x<y & z> '.repeat(900));
    const chunks = chunkEscaped(text, 3000);
    expect(chunks.every((c) => c.length <= 3000)).toBe(true);
    expect(chunks.join('').replace(/\s/g, '')).toBe(text.replace(/\s/g, ''));
    expect(chunks.every((c) => !/&[a-z]{0,3}$/.test(c))).toBe(true);
  });
});

describe('renderSlack', () => {
  it('lays out header, headline, body, fields, advice, footer and a link button', () => {
    const p = acceptable({
      ...base,
      headline: 'Messages are delayed',
      body: 'We are investigating.',
      fields: [
        { label: 'Affected', value: 'Messaging (Major outage)' },
        { label: 'Since', value: '10:00', inline: true },
        { label: 'Uptime (24 h)', value: '99.5 %', inline: true },
      ],
      adviceTitle: 'What you can do',
      advice: ['Retry later'],
      link: { label: 'Status page', url: 'https://status.example.com/incidents/1' },
      footer: 'Updated 10:05',
    });
    expect(p.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'section', 'section', 'section', 'context', 'actions']);
    expect(p.blocks[0]).toMatchObject({ text: { type: 'plain_text', text: '🟠 Chatter · Major incident · Investigating' } });
    expect(p.blocks[4]).toMatchObject({ fields: [{ text: '*Since*\n10:00' }, { text: '*Uptime (24 h)*\n99.5 %' }] });
    expect(p.blocks[7]).toMatchObject({ elements: [{ type: 'button', url: 'https://status.example.com/incidents/1' }] });
    expect(p.text).toContain('Messages are delayed');
  });

  it('keeps hostile text inert and within every limit (12,000 characters, Arabic, emoji, ZWJ)', () => {
    const p = acceptable({
      ...base,
      title: HOSTILE.repeat(5),
      headline: HOSTILE.repeat(40),
      body: HOSTILE.repeat(200).slice(0, 12_000),
      footer: HOSTILE.repeat(40),
    });
    expect(JSON.stringify(p.blocks)).toContain('&lt;!channel&gt;');
    expect((p.blocks[0] as { text: { text: string } }).text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
  });

  it('splits many fields into sections of at most ten and caps the block count', () => {
    const fields = Array.from({ length: 25 }, (_, i) => ({ label: `KPI ${i}`, value: 'x'.repeat(100), inline: true }));
    acceptable({ ...base, fields: fields.map((f) => ({ ...f, value: 'x'.repeat(2500) })) });
    const advice = Array.from({ length: 200 }, (_, i) => `Advice ${i} ${'y'.repeat(100)}`);
    const p = acceptable({ ...base, fields, advice, link: { label: 'Status', url: 'https://s.example' } });
    expect(p.blocks.filter((b) => b.type === 'section' && b.fields).map((b) => (b as { fields: unknown[] }).fields.length)).toEqual([
      10, 10, 5,
    ]);
    expect(p.blocks.at(-1)!.type).toBe('actions');
  });

  it('drops a link that is not http(s)', () => {
    expect(renderSlack({ ...base, link: { label: 'x', url: 'javascript:alert(1)' } }).blocks.some((b) => b.type === 'actions')).toBe(false);
  });

  it('accepts any text (property)', () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 4000 });
    fc.assert(
      fc.property(
        text,
        text,
        fc.array(fc.record({ label: text, value: text, inline: fc.boolean() }), { maxLength: 30 }),
        fc.array(text, { maxLength: 20 }),
        (headline, body, fields, advice) => {
          acceptable({
            ...base,
            title: headline.slice(0, 300) || 'x',
            headline: headline || undefined,
            body: body || undefined,
            fields,
            advice,
          });
        },
      ),
      { numRuns: 60 },
    );
  });
});
