/**
 * A sparse log-bucket histogram (the DDSketch idea): every value lands in bucket ⌈log_γ v⌉, so any
 * quantile is known within ±1 % relative error, two histograms merge by adding counts, and the
 * size depends on the spread of values, not on how many there were. Stored as plain JSON.
 * See https://arxiv.org/abs/1908.10693.
 */
export type Histogram = Record<string, number>;

const ALPHA = 0.01;
const GAMMA = (1 + ALPHA) / (1 - ALPHA);
const LOG_GAMMA = Math.log(GAMMA);
/** Values under this (ms) share the lowest bucket; no useful timing is that small. */
const MIN_VALUE = 0.01;

export const bucketOf = (value: number): number => Math.ceil(Math.log(Math.max(MIN_VALUE, value)) / LOG_GAMMA);

/** The value a bucket stands for: within ALPHA of everything that fell into it. */
export const valueOf = (bucket: number): number => (2 * GAMMA ** bucket) / (GAMMA + 1);

export const addValue = (h: Histogram, value: number, count = 1): void => {
  const k = String(bucketOf(value));
  h[k] = (h[k] ?? 0) + count;
};

export const mergeInto = (into: Histogram, from: Histogram): void => {
  for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n;
};

export const countOf = (h: Histogram): number => {
  let n = 0;
  for (const v of Object.values(h)) n += v;
  return n;
};

/** Quantiles (0..1) in one pass over the sorted buckets; undefined for an empty histogram. */
export const quantiles = (h: Histogram, qs: readonly number[]): (number | undefined)[] => {
  const buckets = Object.entries(h)
    .map(([k, n]) => [Number(k), n] as const)
    .sort((a, b) => a[0] - b[0]);
  const total = buckets.reduce((s, [, n]) => s + n, 0);
  if (total === 0) return qs.map(() => undefined);
  return qs.map((q) => {
    // Nearest-rank definition: the smallest value with at least q of the samples at or below it.
    const rank = Math.max(1, Math.ceil(q * total));
    let seen = 0;
    for (const [b, n] of buckets) {
      seen += n;
      if (seen >= rank) return valueOf(b);
    }
    return valueOf(buckets.at(-1)![0]);
  });
};
