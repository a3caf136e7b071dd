/**
 * A maintenance window typed as free text (the Telegram flow, docs/authoring.md): two wall-clock
 * times `YYYY-MM-DD HH:MM` in the writer's time zone, or a start and an end time of day
 * (`2026-12-24 22:00 – 02:00`, which ends the next day when that time is earlier). Words between
 * them are ignored, so any language's "to" works.
 */
export type WindowParse =
  { readonly ok: true; readonly from: string; readonly until: string } | { readonly ok: false; readonly reason: 'format' | 'order' };

const FULL = /(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})/;
const TIME = /(?:^|[^\d:])(\d{1,2}):(\d{2})(?![\d:])/;

/** How far the zone's wall clock is ahead of UTC at `utcMs`. */
const offsetMs = (utcMs: number, timeZone: string): number => {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(utcMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - utcMs;
};

/** The instant a wall-clock time in `timeZone` stands for (the second pass settles a DST change between the two offsets). */
export const zonedToUtc = (y: number, mo: number, d: number, h: number, mi: number, timeZone: string): number | undefined => {
  if (mo < 1 || mo > 12 || h > 23 || mi > 59) return undefined;
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  if (new Date(wall).getUTCDate() !== d) return undefined;
  const first = wall - offsetMs(wall, timeZone);
  return wall - offsetMs(first, timeZone);
};

export const parseWindow = (text: string, timeZone: string): WindowParse => {
  const start = FULL.exec(text);
  if (!start) return { ok: false, reason: 'format' };
  const [, y, mo, d, h, mi] = start.map(Number) as [number, number, number, number, number, number];
  const from = zonedToUtc(y, mo, d, h, mi, timeZone);
  if (from === undefined) return { ok: false, reason: 'format' };
  const rest = text.slice(start.index + start[0].length);
  let until: number | undefined;
  const end = FULL.exec(rest);
  if (end) {
    const [, y2, mo2, d2, h2, mi2] = end.map(Number) as [number, number, number, number, number, number];
    until = zonedToUtc(y2, mo2, d2, h2, mi2, timeZone);
  } else {
    const time = TIME.exec(rest);
    if (!time) return { ok: false, reason: 'format' };
    const [h2, mi2] = [Number(time[1]), Number(time[2])];
    until = zonedToUtc(y, mo, d, h2, mi2, timeZone);
    // A time of day alone that is not after the start is the next day's (22:00 – 02:00).
    if (until !== undefined && until <= from) until = zonedToUtc(y, mo, d + 1, h2, mi2, timeZone) ?? until + 86_400_000;
  }
  if (until === undefined) return { ok: false, reason: 'format' };
  if (until <= from) return { ok: false, reason: 'order' };
  return { ok: true, from: new Date(from).toISOString(), until: new Date(until).toISOString() };
};
