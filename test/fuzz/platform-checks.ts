import { expect } from 'vitest';
import { renderSlack } from '../../src/adapters/slack/render.ts';
import { SLACK_LIMITS } from '../../src/adapters/slack/limits.ts';
import { renderDiscord } from '../../src/adapters/discord/render.ts';
import { DISCORD_LIMITS } from '../../src/adapters/discord/limits.ts';
import { renderTelegram, renderCaption, safeUrl, DEFAULT_LABELS } from '../../src/adapters/telegram/render.ts';
import { TELEGRAM_LIMITS } from '../../src/adapters/telegram/limits.ts';
import { parseHtml } from '../emulators/telegram/html.ts';
import type { MessageModel } from '../../src/i18n/message.ts';
import { STRICT } from './arbitraries.ts';

/**
 * What each platform accepts (docs/platforms.md limits) and the no-mass-mention rule, as assertions on a
 * rendered MessageModel. Shared by the renderer fuzz and the renderEvent fuzz.
 */
interface TextObject {
  type: string;
  text: string;
}

/** Every Block Kit text object in a payload, with the kind of block it sits in. */
const slackTexts = (node: unknown, where = 'root', out: { where: string; t: TextObject }[] = []): { where: string; t: TextObject }[] => {
  if (Array.isArray(node)) node.forEach((n) => slackTexts(n, where, out));
  else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if ((o.type === 'mrkdwn' || o.type === 'plain_text') && typeof o.text === 'string') out.push({ where, t: o as unknown as TextObject });
    for (const [k, v] of Object.entries(o))
      slackTexts(v, typeof o.type === 'string' && o.type !== 'mrkdwn' && o.type !== 'plain_text' ? `${o.type}.${k}` : where, out);
  }
  return out;
};

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const checkSlack = (m: MessageModel): void => {
  const p = renderSlack(m);
  expect(p.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
  expect(p.text.length).toBeLessThanOrEqual(SLACK_LIMITS.text);
  for (const b of p.blocks) {
    if (b.type === 'header') expect(b.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
    if (b.type === 'section') {
      if (b.text) expect(b.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
      expect(b.fields?.length ?? 0).toBeLessThanOrEqual(SLACK_LIMITS.fields);
      for (const f of b.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fieldText);
    }
    if (b.type === 'context') expect(b.elements.length).toBeLessThanOrEqual(SLACK_LIMITS.contextElements);
    if (b.type === 'actions')
      for (const e of b.elements)
        if (e.type === 'button') {
          expect(e.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.buttonText);
          expect(e.url ?? '').toMatch(/^https?:\/\//i);
        }
  }
  // Slack's control characters are `& < >`: a bare `<` in any text (or the fallback) could be a
  // `<!channel>`, `<@U…>` or a link smuggled in; every `&` must start one of our three escapes.
  for (const { where, t } of [...slackTexts(p.blocks), { where: 'text', t: { type: 'mrkdwn', text: p.text } }]) {
    // Known bug 1: an empty link label gives an empty button text, which Slack refuses.
    if (STRICT || !(where === 'button.text' && m.link?.label === '')) expect(t.text.length, where).toBeGreaterThan(0);
    expect(t.text, where).not.toContain('<');
    expect(t.text, where).not.toContain('>');
    expect(t.text.replace(/&(amp|lt|gt);/g, ''), where).not.toContain('&');
  }
};

export const checkDiscord = (m: MessageModel): void => {
  const { payload } = renderDiscord(m);
  expect(payload.allowed_mentions).toEqual({ parse: [] });
  expect(payload.content?.length ?? 0).toBeLessThanOrEqual(DISCORD_LIMITS.content);
  expect(payload.embeds.length).toBe(1);
  const e = payload.embeds[0]!;
  const texts: string[] = [];
  expect(e.title!.length).toBeLessThanOrEqual(DISCORD_LIMITS.title);
  expect(e.title!.length).toBeGreaterThan(0);
  texts.push(e.title!);
  if (e.description !== undefined) {
    expect(e.description.length).toBeLessThanOrEqual(DISCORD_LIMITS.description);
    expect(e.description.length).toBeGreaterThan(0);
    texts.push(e.description);
  }
  expect(e.fields?.length ?? 0).toBeLessThanOrEqual(DISCORD_LIMITS.fields);
  for (const f of e.fields ?? []) {
    expect(f.name.length).toBeLessThanOrEqual(DISCORD_LIMITS.fieldName);
    expect(f.value.length).toBeLessThanOrEqual(DISCORD_LIMITS.fieldValue);
    expect(f.name.length * f.value.length).toBeGreaterThan(0);
    texts.push(f.name, f.value);
  }
  if (e.footer) {
    expect(e.footer.text.length).toBeLessThanOrEqual(DISCORD_LIMITS.footer);
    texts.push(e.footer.text);
  }
  expect(texts.reduce((n, s) => n + s.length, 0)).toBeLessThanOrEqual(DISCORD_LIMITS.embedTotal);
  for (const row of payload.components)
    for (const b of row.components) {
      if ('label' in b && b.label !== undefined) {
        expect(b.label.length).toBeLessThanOrEqual(DISCORD_LIMITS.buttonLabel);
        texts.push(b.label);
      }
      if ('url' in b) expect(b.url).toMatch(/^https?:\/\//i);
    }
  // `parse: []` stops the ping; this checks the text does not even *render* as a mention.
  for (const s of texts) {
    expect(s).not.toMatch(/@(everyone|here)/i);
    expect(s).not.toMatch(/<[@#]/);
  }
};

/** Our renderer emits only <b>, <i> and <a href="…">; anything else in the HTML came from the input. */
const OUR_TAGS = /<\/?(b|i)>|<a href="[^"<>]*">|<\/a>/g;

export const checkTelegram = (m: MessageModel): void => {
  const allowedUrl = m.link ? safeUrl(m.link.url) : undefined;
  for (const [html, limit] of [
    [renderTelegram(m).text, TELEGRAM_LIMITS.message],
    [renderCaption(m).caption, TELEGRAM_LIMITS.caption],
  ] as const) {
    expect(html).not.toMatch(LONE_SURROGATE);
    expect(html.replace(OUR_TAGS, '')).not.toMatch(/[<>]/);
    const parsed = parseHtml(html); // throws EntityParseError ("can't parse entities") on bad HTML
    // Known bug 2: when the frame leaves the body less room than the "Read the full text" link, the link alone overflows.
    const tolerance = STRICT || !m.body ? 0 : Math.max(DEFAULT_LABELS.fullText.length, DEFAULT_LABELS.shortened.length) + 2;
    expect(parsed.text.length).toBeLessThanOrEqual(limit + tolerance);
    expect(parsed.text.trim().length).toBeGreaterThan(0);
    for (const ent of parsed.entities) {
      expect(['bold', 'italic', 'text_link']).toContain(ent.type);
      if (ent.type === 'text_link') expect(ent.url).toBe(allowedUrl);
    }
  }
};
