import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { MessageModel } from '../../i18n/message.ts';
import { validateMessage, pingsEveryone } from '../../../test/emulators/discord/validate.ts';
import { escapeDiscord, renderDiscord, SEVERITY_COLOUR, threadName, truncate } from './render.ts';
import { DISCORD_LIMITS } from './limits.ts';

const base: MessageModel = {
  locale: 'en',
  dir: 'ltr',
  severity: 'major',
  title: 'Chatter · Major incident · Investigating',
  fields: [],
  advice: [],
};

const HOSTILE = [
  '@everyone @here <@&123456789012345678> <@123456789012345678> <#123456789012345678> </status:1>',
  '**bold** __u__ ~~s~~ ||spoiler|| `code` ```block``` [click](https://evil.example)',
  '# heading',
  '- list',
  '<script>alert(1)</script> & < > <!channel> \\',
  'مرحبا بالعالم — انقطاع في الخدمة',
  '👩‍👩‍👧‍👦🏳️‍🌈 emoji ZWJ',
].join('\n');

const embedTotal = (p: ReturnType<typeof renderDiscord>['payload']) =>
  p.embeds.reduce(
    (n, e) =>
      n +
      (e.title?.length ?? 0) +
      (e.description?.length ?? 0) +
      (e.footer?.text.length ?? 0) +
      (e.fields ?? []).reduce((m, f) => m + f.name.length + f.value.length, 0),
    0,
  );

describe('renderDiscord', () => {
  it('renders an embed coloured by severity with fields, advice and a link button, pinging no one', () => {
    const { payload } = renderDiscord({
      ...base,
      headline: 'Messages delayed',
      body: 'We are investigating.',
      fields: [{ label: 'Affected', value: 'Messaging', inline: true }],
      adviceTitle: 'What you can do',
      advice: ['Retry later'],
      link: { label: 'Status page', url: 'https://status.example.com/incidents/1' },
      footer: 'Updated 10:00',
    });
    expect(payload.allowed_mentions).toEqual({ parse: [] });
    expect(payload.content).toBeUndefined();
    const [embed] = payload.embeds;
    expect(embed).toMatchObject({
      title: '🟠 Chatter · Major incident · Investigating',
      color: SEVERITY_COLOUR.major,
      description: '**Messages delayed**\n\nWe are investigating.',
      footer: { text: 'Updated 10:00' },
    });
    expect(embed!.fields).toEqual([
      { name: 'Affected', value: 'Messaging', inline: true },
      { name: 'What you can do', value: '• Retry later', inline: false },
    ]);
    expect(payload.components).toEqual([
      { type: 1, components: [{ type: 2, style: 5, label: 'Status page', url: 'https://status.example.com/incidents/1' }] },
    ]);
    expect(validateMessage(payload as never, { create: true, files: 0 })).toBeUndefined();
  });

  it.each(Object.entries(SEVERITY_COLOUR))('colours %s as %i', (severity, colour) => {
    expect(renderDiscord({ ...base, severity: severity as MessageModel['severity'] }).payload.embeds[0]!.color).toBe(colour);
  });

  it('escapes markdown and breaks every mention in untrusted text', () => {
    const out = escapeDiscord(HOSTILE);
    expect(out).not.toMatch(/@everyone|@here/);
    expect(out).not.toMatch(/<[@#/]/);
    expect(out).toContain('\\*\\*bold\\*\\*');
    expect(out).toContain('\\[click\\](');
    expect(out).toContain('\\# heading');
    expect(out).toContain('👩‍👩‍👧‍👦');
  });

  it('keeps hostile 12,000-character text within every limit and valid for Discord', () => {
    const long = HOSTILE.repeat(Math.ceil(12_000 / HOSTILE.length)).slice(0, 12_000);
    const { payload } = renderDiscord({
      ...base,
      title: long,
      headline: long,
      body: long,
      fields: Array.from({ length: 40 }, (_, i) => ({ label: `${i} ${long}`, value: long })),
      advice: [long, long],
      footer: long,
      link: { label: long, url: 'https://status.example.com' },
    });
    expect(validateMessage(payload as never, { create: true, files: 0 })).toBeUndefined();
    expect(embedTotal(payload)).toBeLessThanOrEqual(DISCORD_LIMITS.embedTotal);
    expect(payload.embeds[0]!.fields!.length).toBeLessThanOrEqual(25);
    expect(JSON.stringify(payload)).not.toMatch(/@everyone|@here/);
    expect(pingsEveryone(payload.content, payload.allowed_mentions)).toBe(false);
  });

  it('drops a link that is not http(s) instead of sending a rejected button', () => {
    expect(renderDiscord({ ...base, link: { label: 'x', url: 'javascript:alert(1)' } }).payload.components).toEqual([]);
  });

  it('attaches an image as a file referenced by the embed', () => {
    const { payload, files } = renderDiscord({ ...base, image: { png: Buffer.from([137, 80, 78, 71]), alt: 'chart' } });
    expect(files).toEqual([{ name: 'chart.png', data: Buffer.from([137, 80, 78, 71]) }]);
    expect(payload.embeds[0]!.image).toEqual({ url: 'attachment://chart.png' });
  });

  it('truncates at grapheme boundaries, never splitting a ZWJ emoji or leaving a dangling escape', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), fc.integer({ min: 2, max: 200 }), (s, max) => {
        const out = truncate(s, max);
        expect(out.length).toBeLessThanOrEqual(Math.max(max, 0) || out.length);
        if (out !== s) expect(out.endsWith('…')).toBe(true);
        expect(out).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
      }),
    );
    expect(truncate('ab\\*cd', 4)).toBe('ab…');
    expect(truncate('👩‍👩‍👧‍👦👩‍👩‍👧‍👦', 12)).toBe('👩‍👩‍👧‍👦…');
  });

  it('names threads within 1-100 characters', () => {
    expect(threadName('x'.repeat(500)).length).toBeLessThanOrEqual(100);
    expect(threadName('   ')).toBe('Updates');
  });
});
