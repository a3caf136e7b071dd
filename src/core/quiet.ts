/** A subscriber's quiet hours: local wall-clock times in their time zone. */
export interface QuietHours {
  readonly from: string;
  readonly to: string;
  readonly timeZone: string;
}

const minutes = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
};

export const parseQuietRange = (text: string): { from: string; to: string } | undefined => {
  const m = /^([01]?\d|2[0-3]):([0-5]\d)\s*[-–]\s*([01]?\d|2[0-3]):([0-5]\d)$/.exec(text.trim());
  if (!m) return undefined;
  const pad = (h: string, mm: string) => `${h.padStart(2, '0')}:${mm}`;
  const range = { from: pad(m[1]!, m[2]!), to: pad(m[3]!, m[4]!) };
  return range.from === range.to ? undefined : range;
};

export const isValidTimeZone = (tz: string): boolean => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

/** When quiet hours end, if `now` is inside them; undefined otherwise. */
export const quietUntil = (q: QuietHours, now: number): number | undefined => {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: q.timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(now));
  const local = Number(parts.find((p) => p.type === 'hour')!.value) * 60 + Number(parts.find((p) => p.type === 'minute')!.value);
  const from = minutes(q.from);
  const to = minutes(q.to);
  const inside = from < to ? local >= from && local < to : local >= from || local < to;
  if (!inside) return undefined;
  const left = (to - local + 1440) % 1440;
  return now - (now % 60_000) + left * 60_000;
};
