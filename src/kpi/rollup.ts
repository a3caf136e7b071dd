import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { addValue, countOf, mergeInto, quantiles, type Histogram } from './histogram.ts';

/** The metrics a sample may carry (the generic webhook, probes and Prometheus queries send these). */
export const KPI_METRICS = ['response_time_ms', 'error_rate_percent', 'latency_ms', 'uptime_percent', 'up'] as const;
export type KpiMetric = (typeof KPI_METRICS)[number];

export interface KpiSample {
  readonly component: string;
  readonly metric: KpiMetric;
  readonly value: number;
  /** Epoch ms. */
  readonly at: number;
}

/**
 * One minute of one component, or any merge of minutes (an hour, a day, a window): the same
 * compact shape, so a summary is just a fold. Short keys because 90 days of these are stored.
 */
export interface Rollup {
  /** Response-time histogram and sum (ms). */
  rt?: Histogram;
  rtS?: number;
  /** Smallest and largest response time: quantiles never leave this range (an all-240 ms minute reads 240, not 242). */
  rtL?: number;
  rtH?: number;
  /** Latency (time to first byte) histogram and sum (ms). */
  lt?: Histogram;
  ltS?: number;
  ltL?: number;
  ltH?: number;
  /** Checks (`up` samples) and how many failed. */
  rq?: number;
  er?: number;
  /** Pushed error-rate % samples: sum and count. */
  eS?: number;
  eN?: number;
  /** Pushed uptime % samples: sum and count. */
  uS?: number;
  uN?: number;
}

/** One UTC day of one component: minute of the day (0–1439) → rollup. The unit stored under one key. */
export interface DayRecord {
  m: Record<string, Rollup>;
}

/** Stored form: deflated JSON (the per-minute records repeat their shape; this saves ~85 %). */
export interface StoredDay {
  z: string;
}

export const encodeDay = (r: DayRecord): StoredDay => ({ z: deflateRawSync(JSON.stringify(r)).toString('base64') });
export const decodeDay = (s: StoredDay | DayRecord | undefined): DayRecord | undefined => {
  if (!s) return undefined;
  if ('m' in s) return s;
  return JSON.parse(inflateRawSync(Buffer.from(s.z, 'base64')).toString('utf8')) as DayRecord;
};

export const addSample = (r: Rollup, metric: KpiMetric, value: number): void => {
  switch (metric) {
    case 'response_time_ms':
      addValue((r.rt ??= {}), value);
      r.rtS = (r.rtS ?? 0) + value;
      r.rtL = Math.min(r.rtL ?? value, value);
      r.rtH = Math.max(r.rtH ?? value, value);
      return;
    case 'latency_ms':
      addValue((r.lt ??= {}), value);
      r.ltS = (r.ltS ?? 0) + value;
      r.ltL = Math.min(r.ltL ?? value, value);
      r.ltH = Math.max(r.ltH ?? value, value);
      return;
    case 'up':
      r.rq = (r.rq ?? 0) + 1;
      if (value <= 0) r.er = (r.er ?? 0) + 1;
      return;
    case 'error_rate_percent':
      r.eS = (r.eS ?? 0) + Math.min(100, Math.max(0, value));
      r.eN = (r.eN ?? 0) + 1;
      return;
    case 'uptime_percent':
      r.uS = (r.uS ?? 0) + Math.min(100, Math.max(0, value));
      r.uN = (r.uN ?? 0) + 1;
  }
};

const add = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined && b === undefined ? undefined : (a ?? 0) + (b ?? 0);

export const mergeRollup = (into: Rollup, from: Rollup): void => {
  if (from.rt) mergeInto((into.rt ??= {}), from.rt);
  if (from.lt) mergeInto((into.lt ??= {}), from.lt);
  for (const k of ['rtS', 'ltS', 'rq', 'er', 'eS', 'eN', 'uS', 'uN'] as const) {
    const v = add(into[k], from[k]);
    if (v !== undefined) into[k] = v;
  }
  for (const k of ['rtL', 'ltL'] as const) if (from[k] !== undefined) into[k] = Math.min(into[k] ?? from[k], from[k]);
  for (const k of ['rtH', 'ltH'] as const) if (from[k] !== undefined) into[k] = Math.max(into[k] ?? from[k], from[k]);
};

export interface Distribution {
  readonly count: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
}

const distribution = (h: Histogram | undefined, sum: number | undefined, min = 0, max = Infinity): Distribution | undefined => {
  if (!h) return undefined;
  const count = countOf(h);
  if (count === 0) return undefined;
  const clamp = (v: number | undefined) => Math.min(max, Math.max(min, v!));
  const [p50, p95, p99] = quantiles(h, [0.5, 0.95, 0.99]);
  return { count, meanMs: (sum ?? 0) / count, p50Ms: clamp(p50), p95Ms: clamp(p95), p99Ms: clamp(p99) };
};

export interface RollupFigures {
  readonly response?: Distribution;
  readonly latency?: Distribution;
  /** From checks when there were any, else the mean of pushed error-rate samples. */
  readonly errorRatePercent?: number;
  readonly checks: number;
  /** Mean of pushed uptime % samples (used only when no status history exists). */
  readonly pushedUptimePercent?: number;
}

export const figuresOf = (r: Rollup): RollupFigures => {
  const response = distribution(r.rt, r.rtS, r.rtL, r.rtH);
  const latency = distribution(r.lt, r.ltS, r.ltL, r.ltH);
  const errorRatePercent = r.rq ? ((r.er ?? 0) / r.rq) * 100 : r.eN ? (r.eS ?? 0) / r.eN : undefined;
  return {
    ...(response ? { response } : {}),
    ...(latency ? { latency } : {}),
    ...(errorRatePercent !== undefined ? { errorRatePercent } : {}),
    checks: r.rq ?? 0,
    ...(r.uN ? { pushedUptimePercent: (r.uS ?? 0) / r.uN } : {}),
  };
};
