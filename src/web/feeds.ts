import type { Incident } from '../core/model.ts';
import { stripAllBidi } from '../i18n/bidi.ts';
import type { Translator } from '../i18n/i18n.ts';
import { esc } from './html.ts';

/**
 * The incident history as Atom (RFC 4287) and RSS 2.0 (https://www.rssboard.org/rss-specification),
 * per language. Each entry's HTML follows Statuspage's history feeds — one `<p>` per update, newest
 * first, `<small>Nov <var>20</var>, <var>03:25</var> UTC</small><br><strong>Resolved</strong> - text` —
 * so readers of Statuspage feeds (our own `feed` source too) understand it. The date inside `<small>`
 * keeps Statuspage's English form because it is read by machines; the status word is the reader's.
 */
export interface FeedInput {
  readonly locale: string;
  readonly service: string;
  /** Absolute base of this page, ending in `/`. */
  readonly base: string;
  readonly now: string;
  readonly incidents: readonly Incident[];
  readonly translator: Translator;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');
const statuspageTime = (iso: string): string => {
  const d = new Date(iso);
  return `${MONTHS[d.getUTCMonth()]} <var>${d.getUTCDate()}</var>, <var>${two(d.getUTCHours())}:${two(d.getUTCMinutes())}</var> UTC`;
};

const entryHtml = (i: Incident, input: FeedInput): string => {
  const t = input.translator.t(input.locale);
  return [...i.updates]
    .reverse()
    .map(
      (u) =>
        `<p><small>${statuspageTime(u.createdAt)}</small><br><strong>${esc(t(`storyStatus.${u.status}`))}</strong> - ${esc(u.body)}</p>`,
    )
    .join('');
};

const link = (input: FeedInput, i: Incident): string =>
  `${input.base}incidents/${encodeURIComponent(i.key)}?lang=${encodeURIComponent(input.locale)}`;
const updatedOf = (i: Incident): string => i.resolvedAt ?? i.updates.at(-1)?.createdAt ?? i.startedAt;
/** XML 1.0 forbids most C0 controls even escaped; untrusted text loses them. */
// eslint-disable-next-line no-control-regex -- matching the controls XML forbids is the point
const xmlText = (s: string): string => esc(stripAllBidi(s).replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, ''));

export const atomFeed = (input: FeedInput): string => {
  const t = input.translator.t(input.locale);
  const title = stripAllBidi(t('web:history'));
  const self = `${input.base}feed.atom?lang=${encodeURIComponent(input.locale)}`;
  const updated = input.incidents.map(updatedOf).sort().at(-1) ?? input.now;
  const entries = input.incidents.map(
    (i) =>
      `<entry><id>${xmlText(`${input.base}incidents/${encodeURIComponent(i.key)}`)}</id><title>${xmlText(i.name)}</title><published>${i.startedAt}</published><updated>${updatedOf(i)}</updated><link rel="alternate" type="text/html" href="${xmlText(link(input, i))}"/><category term="${esc(i.status)}"/><content type="html">${xmlText(entryHtml(i, input))}</content></entry>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${esc(input.locale)}"><id>${xmlText(`${input.base}feed.atom`)}</id><title>${xmlText(`${input.service} · ${title}`)}</title><updated>${updated}</updated><author><name>${xmlText(input.service)}</name></author><link rel="self" type="application/atom+xml" href="${xmlText(self)}"/><link rel="alternate" type="text/html" href="${xmlText(`${input.base}?lang=${encodeURIComponent(input.locale)}`)}"/>${entries.join('')}</feed>\n`;
};

export const rssFeed = (input: FeedInput): string => {
  const t = input.translator.t(input.locale);
  const title = stripAllBidi(t('web:history'));
  const self = `${input.base}feed.rss?lang=${encodeURIComponent(input.locale)}`;
  const rfc822 = (iso: string) => new Date(iso).toUTCString();
  const items = input.incidents.map(
    (i) =>
      `<item><title>${xmlText(i.name)}</title><link>${xmlText(link(input, i))}</link><guid isPermaLink="false">${xmlText(i.key)}</guid><pubDate>${rfc822(updatedOf(i))}</pubDate><category>${esc(i.status)}</category><description>${xmlText(entryHtml(i, input))}</description></item>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>${xmlText(`${input.service} · ${title}`)}</title><link>${xmlText(`${input.base}?lang=${encodeURIComponent(input.locale)}`)}</link><description>${xmlText(stripAllBidi(t('web:pageTitle', { service: input.service })))}</description><language>${esc(input.locale)}</language><lastBuildDate>${rfc822(input.now)}</lastBuildDate><atom:link href="${xmlText(self)}" rel="self" type="application/rss+xml"/>${items.join('')}</channel></rss>\n`;
};
