import { titleIcon, type MessageModel } from '../../i18n/message.ts';
import { httpUrl } from '../../core/url.ts';
import { TELEGRAM_LIMITS } from './limits.ts';

/**
 * MessageModel → Telegram HTML (parse_mode "HTML"). Pure, no I/O.
 *
 * Every string is escaped (`& < >`, and `"` inside attributes), so text from a status page can never
 * open a tag, break parsing ("can't parse entities") or become a link or a mention. Only our own
 * markup uses tags: <b>, <i> and <a href> (https://core.telegram.org/bots/api#html-style).
 *
 * Lengths are counted on the text *after* entity parsing — what Telegram limits to 4096 characters
 * for messages and 1024 for captions (https://core.telegram.org/bots/api#sendmessage) — in UTF-16
 * code units, the unit of Telegram's entity offsets, which is never fewer than the server's count.
 */

const MESSAGE_LIMIT: number = TELEGRAM_LIMITS.message;
const CAPTION_LIMIT: number = TELEGRAM_LIMITS.caption;

/** Localized words the renderer needs; the adapter passes them from the `telegram` namespace. */
export interface TelegramLabels {
  /** Link text after a shortened body, e.g. "Read the full text". */
  readonly fullText: string;
  /** Said when the body was shortened and there is no link, e.g. "(shortened)". */
  readonly shortened: string;
}

export const DEFAULT_LABELS: TelegramLabels = { fullText: 'Read the full text', shortened: '(shortened)' };

export interface TelegramPayload {
  readonly text: string;
  readonly parse_mode: 'HTML';
  readonly link_preview_options: { readonly is_disabled: true };
}

// A lone surrogate is not valid UTF-8: Telegram would refuse the whole text ("must be encoded in UTF-8").
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export const escapeHtml = (s: string): string =>
  s.replace(LONE_SURROGATE, '\ufffd').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeAttr = (s: string): string => escapeHtml(s).replace(/"/g, '&quot;');

/** Only http(s) URLs become links; anything else is shown as text. */
export const safeUrl = (url: string): string | undefined => httpUrl(url);

/** A piece of the message: its HTML and the length of what Telegram shows for it. */
interface Piece {
  readonly html: string;
  readonly length: number;
}

const text = (s: string): Piece => ({ html: escapeHtml(s), length: s.length });
const wrap = (tag: 'b' | 'i', s: string): Piece => ({ html: `<${tag}>${escapeHtml(s)}</${tag}>`, length: s.length });
const link = (label: string, url: string): Piece => {
  const href = safeUrl(url);
  return href ? { html: `<a href="${escapeAttr(href)}">${escapeHtml(label)}</a>`, length: label.length } : text(`${label}: ${url}`);
};
const join = (pieces: readonly Piece[]): Piece => ({
  html: pieces.map((p) => p.html).join(''),
  length: pieces.reduce((n, p) => n + p.length, 0),
});
const NL = text('\n');
const PARAGRAPH = text('\n\n');

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Cuts `s` to at most `max` UTF-16 units at a safe boundary: never inside a grapheme (surrogate
 * pairs, emoji ZWJ sequences, combining marks), preferably after a line break or a space in the
 * last fifth. The ellipsis is counted in `max`.
 */
export const cutText = (s: string, max: number): string => {
  if (s.length <= max) return s;
  if (max <= 1) return max === 1 ? '…' : '';
  let end = 0;
  for (const { segment, index } of segmenter.segment(s)) {
    if (index + segment.length > max - 1) break;
    end = index + segment.length;
  }
  const head = s.slice(0, end);
  const floor = Math.floor(end * 0.8);
  const br = head.lastIndexOf('\n');
  const sp = Math.max(head.lastIndexOf(' '), head.lastIndexOf('\u3000'));
  const at = br >= floor ? br : sp >= floor ? sp : end;
  return `${head.slice(0, at).trimEnd()}…`;
};

const header = (m: MessageModel, headlineMax: number): Piece[] => {
  const out = [wrap('b', cutText(`${titleIcon(m)} ${m.title}`, 256))];
  if (m.headline) out.push(NL, wrap('b', cutText(m.headline, headlineMax)));
  return out;
};

const details = (m: MessageModel, fieldMax: number): Piece[][] => {
  const blocks: Piece[][] = [];
  if (m.fields.length) {
    const lines = m.fields.flatMap((f, i) => [
      ...(i ? [NL] : []),
      wrap('b', `${cutText(f.label, 100)}:`),
      text(` ${cutText(f.value, fieldMax)}`),
    ]);
    blocks.push(lines);
  }
  if (m.advice.length) {
    const lines: Piece[] = m.adviceTitle ? [wrap('b', cutText(m.adviceTitle, 100))] : [];
    m.advice.forEach((a) => lines.push(...(lines.length ? [NL] : []), text(`• ${cutText(a, fieldMax)}`)));
    blocks.push(lines);
  }
  if (m.link) blocks.push([link(cutText(m.link.label, 100), m.link.url)]);
  if (m.footer) blocks.push([wrap('i', cutText(m.footer, fieldMax))]);
  return blocks;
};

const assemble = (blocks: readonly Piece[][]): Piece => join(blocks.filter((b) => b.length).flatMap((b, i) => (i ? [PARAGRAPH, ...b] : b)));

/**
 * Renders a message within `limit`. The body gets the room the rest leaves; when it must be cut,
 * the cut ends with a link to the full text (the message's link, usually the incident page).
 */
export const renderHtml = (m: MessageModel, limit = MESSAGE_LIMIT, labels: TelegramLabels = DEFAULT_LABELS): Piece => {
  const small = limit < MESSAGE_LIMIT;
  const head = header(m, small ? 200 : 500);
  let tail = details(m, small ? 200 : 600);
  let fixed = assemble([head, ...tail]);
  // Pathological field counts: drop details from the end until the frame fits with room to spare.
  while (fixed.length > limit - 16 && tail.length) {
    tail = tail.slice(0, -1);
    fixed = assemble([head, ...tail]);
  }
  if (!m.body) return fixed;
  let bodyRoom = limit - fixed.length - PARAGRAPH.length * (tail.length ? 2 : 1);
  if (m.body.length <= bodyRoom) return assemble([head, [text(m.body)], ...tail]);
  const more = m.link && safeUrl(m.link.url) ? link(labels.fullText, m.link.url) : text(labels.shortened);
  // The cut body and its "full text" link must fit too: give up details from the end if they do not.
  while (bodyRoom < more.length + 1 && tail.length) {
    tail = tail.slice(0, -1);
    fixed = assemble([head, ...tail]);
    bodyRoom = limit - fixed.length - PARAGRAPH.length * (tail.length ? 2 : 1);
  }
  if (bodyRoom < more.length + 1) return fixed;
  const cut = cutText(m.body, Math.max(0, bodyRoom - more.length - 1));
  return assemble([head, cut ? [text(cut), text(' '), more] : [more], ...tail]);
};

/** The sendMessage / editMessageText payload for a message. */
export const renderTelegram = (m: MessageModel, labels: TelegramLabels = DEFAULT_LABELS): TelegramPayload => ({
  text: renderHtml(m, MESSAGE_LIMIT, labels).html,
  parse_mode: 'HTML',
  link_preview_options: { is_disabled: true },
});

/** The sendPhoto caption for a message with an image (charts), within 1024 characters. */
export const renderCaption = (m: MessageModel, labels: TelegramLabels = DEFAULT_LABELS): { caption: string; parse_mode: 'HTML' } => ({
  caption: renderHtml(m, CAPTION_LIMIT, labels).html,
  parse_mode: 'HTML',
});

/** Length of the rendered text after entity parsing (tests, preview). */
export const visibleLength = (m: MessageModel, limit = MESSAGE_LIMIT, labels: TelegramLabels = DEFAULT_LABELS): number =>
  renderHtml(m, limit, labels).length;

/** `status-relay preview --platform telegram`: the sendMessage payload. */
export const previewTelegram = (m: MessageModel): string => JSON.stringify(renderTelegram(m), null, 2);
