import { createHash } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import { PayloadError } from '../../core/errors.ts';
import { decodeEntities, htmlToText } from '../../core/text.ts';
import { isClosedStatus, type Incident, type IncidentUpdate, type StoryStatus } from '../../core/model.ts';

/**
 * Statuspage history feeds (`/history.atom`, `/history.rss`; docs/formats.md §3). An entry is one
 * incident or maintenance; its HTML holds one `<p>` per update, newest first:
 * `<small>Nov <var>20</var>, <var>03:25</var> UTC</small><br><strong>Resolved</strong> - text`.
 * Dates have no year (taken from the entry's own date) and a zone abbreviation.
 */
const LABELS: Record<string, StoryStatus | 'update'> = {
  resolved: 'resolved',
  update: 'update',
  investigating: 'investigating',
  identified: 'identified',
  monitoring: 'monitoring',
  postmortem: 'postmortem',
  scheduled: 'scheduled',
  'in progress': 'in_progress',
  verifying: 'verifying',
  completed: 'completed',
};
const MAINTENANCE = new Set<string>(['scheduled', 'in_progress', 'verifying', 'completed']);
/** Zone abbreviations Statuspage prints (pages choose their zone). Offsets in hours. */
const ZONES: Record<string, number> = {
  UTC: 0,
  GMT: 0,
  Z: 0,
  PST: -8,
  PDT: -7,
  MST: -7,
  MDT: -6,
  CST: -6,
  CDT: -5,
  EST: -5,
  EDT: -4,
  AKST: -9,
  AKDT: -8,
  HST: -10,
  BST: 1,
  CET: 1,
  CEST: 2,
  EET: 2,
  EEST: 3,
  IST: 5.5,
  SGT: 8,
  HKT: 8,
  JST: 9,
  KST: 9,
  AEST: 10,
  AEDT: 11,
  NZST: 12,
  NZDT: 13,
};
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

const UPDATE_RE = /<small>([\s\S]*?)<\/small>\s*<br\s*\/?>\s*<strong>([^<]+)<\/strong>\s*-\s*([\s\S]*?)<\/p>/gi;

/** "Nov 20, 03:25 UTC" with the year of `reference` (the year before if that would be in the future of it). */
export const updateTime = (text: string, reference: number): string | undefined => {
  const m = /([A-Za-z]{3})[a-z]*\s+(\d{1,2}),\s*(\d{1,2}):(\d{2})\s*([A-Za-z]+)?/.exec(text.replace(/\s+/g, ' '));
  if (!m) return undefined;
  const month = MONTHS.indexOf(m[1]!.toLowerCase());
  if (month < 0) return undefined;
  const offsetH = ZONES[(m[5] ?? 'UTC').toUpperCase()] ?? 0;
  const at = (year: number) => Date.UTC(year, month, Number(m[2]), Number(m[3]), Number(m[4])) - offsetH * 3_600_000;
  const year = new Date(reference).getUTCFullYear();
  // A December update inside an entry published in January belongs to the year before.
  const t = at(year) > reference + 2 * 86_400_000 ? at(year - 1) : at(year);
  // Dates past what Date can hold (year ±275,760) are not dates.
  return Number.isFinite(t) && Math.abs(t) <= 8.64e15 ? new Date(t).toISOString() : undefined;
};

interface RawEntry {
  id: string;
  title: string;
  link?: string;
  published: string;
  html: string;
}

const text = (v: unknown): string => {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (v && typeof v === 'object' && '#text' in v) return text((v as { '#text': unknown })['#text']);
  return '';
};
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  textNodeName: '#text',
  isArray: (name) => name === 'entry' || name === 'item' || name === 'link',
});

const entriesOf = (xml: string): RawEntry[] => {
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(xml) as Record<string, unknown>;
  } catch (e) {
    throw new PayloadError(`not a feed: ${(e as Error).message.split('\n')[0]}`);
  }
  const feed = doc.feed as Record<string, unknown> | undefined;
  if (feed)
    return list(feed.entry).map((raw) => {
      const e = raw as Record<string, unknown>;
      const links = list(e.link) as Record<string, unknown>[];
      const alternate = links.find((l) => (l['@_rel'] ?? 'alternate') === 'alternate') ?? links[0];
      return {
        id: text(e.id),
        title: text(e.title),
        ...(alternate?.['@_href'] ? { link: String(alternate['@_href']) } : {}),
        published: text(e.published) || text(e.updated),
        html: text(e.content),
      };
    });
  const channel = (doc.rss as Record<string, unknown> | undefined)?.channel as Record<string, unknown> | undefined;
  if (channel)
    return list(channel.item).map((raw) => {
      const e = raw as Record<string, unknown>;
      const link = text(list(e.link)[0]);
      return {
        id: text(e.guid) || link,
        title: text(e.title),
        ...(link ? { link } : {}),
        published: text(e.pubDate),
        html: text(e.description),
      };
    });
  throw new PayloadError('not an Atom <feed> or RSS <rss><channel>');
};

const idOf = (e: RawEntry): string => {
  const code = /\/incidents\/([A-Za-z0-9]+)/.exec(e.link ?? e.id)?.[1];
  return (
    code ??
    createHash('sha256')
      .update(e.id || e.title)
      .digest('hex')
      .slice(0, 16)
  );
};

export const parseFeed = (xml: string, sourceId: string, now = new Date().toISOString()): Incident[] => {
  const out: Incident[] = [];
  for (const e of entriesOf(xml)) {
    const published = Date.parse(e.published);
    // A publication date far in the future is a broken feed, not a reason to date updates there.
    const reference = Number.isFinite(published) && published <= Date.parse(now) + 366 * 86_400_000 ? published : Date.parse(now);
    const id = idOf(e);
    const found: { at: string; label: StoryStatus | 'update'; body: string }[] = [];
    for (const m of e.html.matchAll(UPDATE_RE)) {
      const at = updateTime(decodeEntities(m[1]!.replace(/<[^>]+>/g, '')), reference);
      const label = LABELS[decodeEntities(m[2]!).trim().toLowerCase()] ?? 'update';
      if (at) found.push({ at, label, body: htmlToText(m[3]) });
    }
    if (found.length === 0) found.push({ at: new Date(reference).toISOString(), label: 'update', body: htmlToText(e.html) });
    // Oldest first; an "Update" keeps the status before it.
    found.reverse();
    const maintenance = found.some((f) => f.label !== 'update' && MAINTENANCE.has(f.label));
    let status: StoryStatus = maintenance ? 'scheduled' : 'investigating';
    const updates: IncidentUpdate[] = found.map((f, i) => {
      if (f.label !== 'update') status = f.label;
      return { id: `${f.at}#${i}`, status, body: f.body, createdAt: f.at };
    });
    const last = updates.at(-1)!;
    out.push({
      key: `${sourceId}:${id}`,
      sourceId,
      kind: maintenance ? 'maintenance' : 'incident',
      name: htmlToText(e.title) || id,
      status,
      impact: maintenance ? 'maintenance' : 'minor',
      startedAt: updates[0]!.createdAt,
      componentIds: [],
      updates,
      ...(isClosedStatus(status) ? { resolvedAt: last.createdAt } : {}),
      ...(e.link && /^https?:\/\//.test(e.link) ? { url: e.link } : {}),
    });
  }
  return out;
};
