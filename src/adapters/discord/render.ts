import {
  ButtonStyle,
  ComponentType,
  escapeMarkdown,
  type APIActionRowComponent,
  type APIButtonComponent,
  type APIEmbed,
  type APIEmbedField,
} from 'discord.js';
import type { Severity } from '../../core/model.ts';
import { httpUrl } from '../../core/url.ts';
import { truncate as truncateText } from '../../core/text.ts';
import { titleIcon, type MessageModel } from '../../i18n/message.ts';
import { DISCORD_LIMITS } from './limits.ts';

export const SEVERITY_COLOUR: Record<Severity, number> = {
  none: 0x2ecc71,
  maintenance: 0x3498db,
  minor: 0xf1c40f,
  major: 0xe67e22,
  critical: 0xe74c3c,
};

/** `allowed_mentions` that pings no one; sent on every message and every edit (an edit without it is re-parsed with the defaults). */
export const NO_MENTIONS = { parse: [] as never[] };

/** What we send to `POST /channels/:id/messages` and `PATCH …/messages/:id` (minus files). */
export interface DiscordPayload {
  content?: string;
  embeds: APIEmbed[];
  components: APIActionRowComponent<APIButtonComponent>[];
  allowed_mentions: { parse: never[] };
}

export interface RenderedDiscord {
  readonly payload: DiscordPayload;
  readonly files: { name: string; data: Buffer }[];
}

/** What the description may always use of the 6000 total, whatever the fields need. */
const DESCRIPTION_RESERVE = 2000;

// A cut right after a lone escaping backslash would escape the ellipsis instead.
const dropLoneBackslash = (cut: string): string => (/(^|[^\\])(\\\\)*\\$/.test(cut) ? cut.slice(0, -1) : cut);

/** Discord's truncation: grapheme-safe (src/core/text.ts), and never ending in half an escape. */
export const truncate = (text: string, max: number): string => truncateText(text, max, { mendEnd: dropLoneBackslash });

/**
 * Makes untrusted text inert: markdown escaped (headings, lists and masked links too), and
 * everything that could mention someone broken with a zero-width space. `allowed_mentions`
 * already stops pings; this also stops the mention from *rendering* as one.
 */
export const escapeDiscord = (text: string): string =>
  // escapeMarkdown is quadratic on long input (seconds at 20,000 characters); nothing Discord shows is
  // longer than 4,096, so cut the raw text first.
  neutraliseMentions(
    inertBrackets(
      escapeMarkdown(text.length > 8192 ? text.slice(0, 8192) : text, {
        heading: true,
        bulletedList: true,
        numberedList: true,
        maskedLink: false,
      }),
    ),
  );

/**
 * Masked links (`[text](url)`, https://support.discord.com/hc/en-us/articles/210298617) are made
 * inert by escaping every bracket that is not already escaped. discord.js's `maskedLink` option
 * escapes only the first link of a text (its pattern is greedy) and leaves `[a\](url)` live.
 * Runs after escapeMarkdown, so a backslash from the source is already doubled: a bracket is
 * escaped when an even number of backslashes stands before it.
 */
const inertBrackets = (escaped: string): string => escaped.replace(/(?<=(?:^|[^\\])(?:\\\\)*)[[\]]/g, '\\$&');

/** For plain-text places (footers, button labels, thread names): no markdown there, but no mention either. */
export const neutraliseMentions = (text: string): string =>
  text.replace(/@(everyone|here)/gi, '@\u200b$1').replace(/<(?=[@#:/]|a:|t:)/g, '<\u200b');

const isHttpUrl = (url: string): boolean => httpUrl(url, 512) !== undefined;

/** The message as one embed with a link button. Pure: no I/O. */
export const renderDiscord = (m: MessageModel): RenderedDiscord => {
  const title = truncate(escapeDiscord(`${titleIcon(m)} ${m.title}`), DISCORD_LIMITS.title);
  const parts: string[] = [];
  if (m.headline) parts.push(`**${escapeDiscord(m.headline)}**`);
  if (m.body) parts.push(escapeDiscord(m.body));
  // Discord's 6000-character total is shared by title, description, fields and footer. The
  // description (what happened) keeps up to DESCRIPTION_RESERVE; fields fill what is left in order,
  // then the description takes whatever remains.
  const footer = m.footer ? truncate(neutraliseMentions(m.footer), 256) : undefined; // plain text: no markdown escaping
  const text = parts.join('\n\n');
  const reserve = Math.min(text.length, DESCRIPTION_RESERVE);
  let budget = DISCORD_LIMITS.embedTotal - title.length - (footer?.length ?? 0) - reserve;
  const candidates = m.fields.map((f) => ({ name: escapeDiscord(f.label), value: escapeDiscord(f.value), inline: Boolean(f.inline) }));
  if (m.advice.length)
    candidates.push({
      name: escapeDiscord(m.adviceTitle ?? '💡'),
      value: m.advice.map((a) => `• ${escapeDiscord(a)}`).join('\n'),
      inline: false,
    });
  const fields: APIEmbedField[] = [];
  for (const f of candidates) {
    if (fields.length === DISCORD_LIMITS.fields) break;
    const name = truncate(f.name, Math.min(DISCORD_LIMITS.fieldName, Math.max(budget - 2, 1))) || '\u200b';
    const room = Math.min(DISCORD_LIMITS.fieldValue, budget - name.length);
    if (room < Math.min(f.value.length, 16)) break;
    const value = truncate(f.value, room) || '\u200b';
    fields.push({ name, value, inline: f.inline });
    budget -= name.length + value.length;
  }
  const room = Math.min(DISCORD_LIMITS.description, budget + reserve);
  const description = text && room > 1 ? truncate(text, room) : undefined;
  const embed: APIEmbed = {
    title,
    color: SEVERITY_COLOUR[m.severity],
    ...(description ? { description } : {}),
    ...(fields.length ? { fields } : {}),
    ...(footer ? { footer: { text: footer } } : {}),
  };
  const files: { name: string; data: Buffer }[] = [];
  if (m.image) {
    files.push({ name: 'chart.png', data: m.image.png });
    embed.image = { url: 'attachment://chart.png' };
  }
  const components: APIActionRowComponent<APIButtonComponent>[] = [];
  if (m.link && isHttpUrl(m.link.url)) {
    const button: APIButtonComponent = {
      type: ComponentType.Button,
      style: ButtonStyle.Link,
      label: truncate(neutraliseMentions(m.link.label), DISCORD_LIMITS.buttonLabel),
      url: m.link.url,
    };
    components.push({ type: ComponentType.ActionRow, components: [button] });
  }
  return { payload: { embeds: [embed], components, allowed_mentions: NO_MENTIONS }, files };
};

/** A thread title (1-100 characters, plain text: Discord shows thread names without markdown). */
export const threadName = (label: string): string =>
  truncate(neutraliseMentions(label.replace(/\s+/g, ' ').trim()), DISCORD_LIMITS.threadName) || 'Updates';

/** What `status-relay preview` prints for Discord: the exact JSON we would send. */
export const previewDiscord = (m: MessageModel): string => {
  const { payload, files } = renderDiscord(m);
  return JSON.stringify(
    { ...payload, ...(files.length ? { attachments: files.map((f, id) => ({ id, filename: f.name })) } : {}) },
    null,
    2,
  );
};
