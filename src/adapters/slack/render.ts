import type { KnownBlock, SectionBlock, MrkdwnElement, PlainTextElement } from '@slack/types';
import { titleIcon, toPlainText, type MessageModel } from '../../i18n/message.ts';
import { truncate } from '../../core/text.ts';
import { SLACK_LIMITS } from './limits.ts';

/** Body text we show at most; the link button leads to the full text. */
const BODY_BUDGET = 6000;

/**
 * `&`, `<` and `>` are Slack's control characters: escaping them (and nothing else) means
 * `<!channel>`, `<!here>`, `<@U…>` or `<https://x|y>` from a status page stay inert text
 * (api.slack.com/reference/surfaces/formatting#escaping).
 */
export const escapeSlack = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Cuts escaped text to `max` characters without splitting an entity or a surrogate pair; adds `…` when cut. */
export const truncateEscaped = (escaped: string, max: number): string => truncate(escaped, max, { mendEnd: dropPartialEntity });

const dropPartialEntity = (cut: string): string => {
  const amp = cut.lastIndexOf('&');
  return amp !== -1 && !cut.slice(amp).includes(';') ? cut.slice(0, amp) : cut;
};

/** Splits escaped text into chunks of at most `max` characters, preferring line breaks. */
export const chunkEscaped = (escaped: string, max: number): string[] => {
  const out: string[] = [];
  let rest = escaped;
  while (rest.length > max) {
    let at = rest.lastIndexOf('\n', max);
    if (at < max / 2) at = rest.lastIndexOf(' ', max);
    if (at < max / 2) at = max;
    const amp = rest.lastIndexOf('&', at);
    if (amp !== -1 && amp > at - 6 && !rest.slice(amp, at).includes(';')) at = amp;
    if (/[\uD800-\uDBFF]/.test(rest[at - 1] ?? '')) at -= 1;
    out.push(rest.slice(0, at));
    rest = rest.slice(at).replace(/^\n/, '');
  }
  if (rest) out.push(rest);
  return out;
};

const mrkdwn = (text: string): MrkdwnElement => ({ type: 'mrkdwn', text, verbatim: true });
const plain = (text: string): PlainTextElement => ({ type: 'plain_text', text, emoji: true });
const section = (text: string): SectionBlock => ({ type: 'section', text: mrkdwn(truncateEscaped(text, SLACK_LIMITS.sectionText)) });

export interface SlackPayload {
  /** Notification and screen-reader fallback; also what clients without blocks show. */
  readonly text: string;
  readonly blocks: KnownBlock[];
}

/** MessageModel → Block Kit: header, headline, body, fields, advice, footer, link button. Pure. */
export const renderSlack = (m: MessageModel): SlackPayload => {
  const blocks: KnownBlock[] = [];
  blocks.push({ type: 'header', text: plain(truncateEscaped(escapeSlack(`${titleIcon(m)} ${m.title}`), SLACK_LIMITS.headerText)) });
  if (m.headline) blocks.push(section(`*${escapeSlack(m.headline)}*`));
  if (m.body) {
    const body = truncateEscaped(escapeSlack(m.body), BODY_BUDGET);
    for (const chunk of chunkEscaped(body, SLACK_LIMITS.sectionText)) blocks.push(section(chunk));
  }
  const field = (label: string, value: string) => truncateEscaped(`*${escapeSlack(label)}*\n${escapeSlack(value)}`, SLACK_LIMITS.fieldText);
  const inline = m.fields.filter((f) => f.inline);
  for (const f of m.fields.filter((x) => !x.inline)) blocks.push(section(field(f.label, f.value)));
  for (let i = 0; i < inline.length; i += SLACK_LIMITS.fields)
    blocks.push({ type: 'section', fields: inline.slice(i, i + SLACK_LIMITS.fields).map((f) => mrkdwn(field(f.label, f.value))) });
  if (m.advice.length) {
    const lines = [...(m.adviceTitle ? [`*${escapeSlack(m.adviceTitle)}*`] : []), ...m.advice.map((a) => `• ${escapeSlack(a)}`)];
    for (const chunk of chunkEscaped(lines.join('\n'), SLACK_LIMITS.sectionText)) blocks.push(section(chunk));
  }
  if (m.footer) blocks.push({ type: 'context', elements: [mrkdwn(truncateEscaped(escapeSlack(m.footer), SLACK_LIMITS.fieldText))] });
  if (m.link && m.link.url.length <= SLACK_LIMITS.url && /^https?:\/\//i.test(m.link.url)) {
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: 'sr_link',
          text: plain(truncateEscaped(escapeSlack(m.link.label.trim() || m.link.url), SLACK_LIMITS.buttonText)),
          url: m.link.url,
        },
      ],
    });
  }
  return {
    text: truncateEscaped(escapeSlack(toPlainText({ ...m, body: m.body ? truncateEscaped(m.body, 1500) : undefined })), SLACK_LIMITS.text),
    blocks: fitBlocks(blocks),
  };
};

/** Keeps the first blocks and the closing ones (footer, link) within the count and size budgets. */
const fitBlocks = (blocks: KnownBlock[]): KnownBlock[] => {
  const size = (b: KnownBlock) => JSON.stringify(b).length;
  const tail = blocks.filter((b) => b.type === 'context' || b.type === 'actions');
  const head = blocks.filter((b) => b.type !== 'context' && b.type !== 'actions');
  let budget = SLACK_LIMITS.blocksTotal - tail.reduce((n, b) => n + size(b), 0);
  const kept: KnownBlock[] = [];
  for (const b of head) {
    if (kept.length + tail.length >= SLACK_LIMITS.blocks || size(b) > budget) break;
    budget -= size(b);
    kept.push(b);
  }
  return [...kept, ...tail];
};

/** `status-relay preview --platform slack`: the chat.postMessage payload. */
export const previewSlack = (m: MessageModel): string => JSON.stringify(renderSlack(m), null, 2);
