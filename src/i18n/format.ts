/** Numbers, dates and durations through `Intl`, so every locale reads naturally. */

/**
 * Building an Intl formatter costs far more than using one: a broadcast renders thousands of messages,
 * a status page thousands of numbers. Each caller names its options (`variant`, which must change
 * whenever the options do), so a hit costs no serialization of them.
 */
const cache = new Map<string, { format(x: never): string }>();
const cached = <F extends { format(x: never): string }>(kind: string, variant: string, locale: string, make: () => F): F => {
  const key = `${kind}|${variant}|${locale}`;
  let f = cache.get(key) as F | undefined;
  if (!f) {
    if (cache.size > 2000) cache.clear();
    f = make();
    cache.set(key, f);
  }
  return f;
};
const dateTimeFormat = (locale: string, variant: string, options: Intl.DateTimeFormatOptions) =>
  cached('dt', variant, locale, () => new Intl.DateTimeFormat(locale, options));
const numberFormat = (locale: string, variant: string, options: Intl.NumberFormatOptions) =>
  cached('n', variant, locale, () => new Intl.NumberFormat(locale, options));
const listFormat = (locale: string, variant: string, options: Intl.ListFormatOptions) =>
  cached('l', variant, locale, () => new Intl.ListFormat(locale, options));

export const formatDateTime = (iso: string, locale: string, timeZone: string): string =>
  dateTimeFormat(locale, `full|${timeZone}`, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone,
    timeZoneName: 'short',
  }).format(new Date(iso));

export const formatTime = (iso: string, locale: string, timeZone: string): string =>
  dateTimeFormat(locale, `time|${timeZone}`, { timeStyle: 'short', timeZone }).format(new Date(iso));

/** "2 hr, 5 min" (en), "2小时5分钟" (zh-CN): the two largest units, never seconds unless under a minute. */
export const formatDuration = (ms: number, locale: string): string => {
  const total = Math.max(0, Math.round(ms / 1000));
  const parts: [number, 'day' | 'hour' | 'minute' | 'second'][] = [
    [Math.floor(total / 86_400), 'day'],
    [Math.floor((total % 86_400) / 3600), 'hour'],
    [Math.floor((total % 3600) / 60), 'minute'],
    [total % 60, 'second'],
  ];
  const firstNonZero = parts.findIndex(([n]) => n > 0);
  const chosen = firstNonZero === -1 ? [parts[2]!] : parts.slice(firstNonZero, firstNonZero + 2).filter(([n], i) => i === 0 || n > 0);
  const visible = total >= 60 ? chosen.filter(([, u]) => u !== 'second') : chosen;
  const words = (visible.length ? visible : [[0, 'minute'] as const]).map(([n, unit]) =>
    numberFormat(locale, `unit|${unit}`, { style: 'unit', unit, unitDisplay: 'short' }).format(n),
  );
  return listFormat(locale, 'narrow-unit', { style: 'narrow', type: 'unit' }).format(words);
};

export const formatPercent = (value: number, locale: string, digits = 2): string =>
  numberFormat(locale, `percent|${digits}`, { style: 'percent', minimumFractionDigits: 0, maximumFractionDigits: digits }).format(
    value / 100,
  );

export const formatMs = (ms: number, locale: string): string =>
  ms >= 1000
    ? numberFormat(locale, 's2', { style: 'unit', unit: 'second', unitDisplay: 'short', maximumFractionDigits: 2 }).format(ms / 1000)
    : numberFormat(locale, 'ms0', { style: 'unit', unit: 'millisecond', unitDisplay: 'short', maximumFractionDigits: 0 }).format(ms);

export const formatList = (items: readonly string[], locale: string): string =>
  listFormat(locale, 'conjunction', { style: 'long', type: 'conjunction' }).format(items);

/** "Messaging (Major outage)"; Chinese and Japanese use full-width brackets with no space: "消息（严重中断）". */
export const formatParenthetical = (text: string, note: string, locale: string): string =>
  /^(zh|ja)\b/i.test(locale) ? `${text}（${note}）` : `${text} (${note})`;
