import type { ComponentStatus } from '../core/model.ts';

/** One transition: from `at` (epoch ms) the component had status `s`; `null` = not watched (bot down). */
export interface HistoryEntry {
  readonly at: number;
  readonly s: ComponentStatus | null;
}

/**
 * How much of a minute counts as "up". Atlassian Statuspage's own uptime weighting: a partial
 * outage counts 30 % down, a major outage 100 %; maintenance and unwatched time are left out of
 * the denominator (https://support.atlassian.com/statuspage/docs/display-historical-uptime-of-components/).
 */
const UP_WEIGHT: Record<ComponentStatus, number | undefined> = {
  operational: 1,
  degraded_performance: 1,
  partial_outage: 0.7,
  major_outage: 0,
  under_maintenance: undefined,
};

export interface UptimeResult {
  /** Time counted (ms): watched and not in maintenance. */
  readonly observedMs: number;
  readonly upMs: number;
  readonly percent?: number;
}

/**
 * Uptime over [from, to) from a history sorted by time. Time before the first entry is unknown and
 * not counted; the last entry lasts until `to`.
 */
export const uptimeOf = (history: readonly HistoryEntry[], from: number, to: number): UptimeResult => {
  let observedMs = 0;
  let upMs = 0;
  for (let i = 0; i < history.length; i++) {
    const e = history[i]!;
    const start = Math.max(from, e.at);
    const end = Math.min(to, history[i + 1]?.at ?? to);
    if (end <= start || e.s === null) continue;
    const w = UP_WEIGHT[e.s];
    if (w === undefined) continue;
    observedMs += end - start;
    upMs += (end - start) * w;
  }
  return { observedMs, upMs, ...(observedMs > 0 ? { percent: (upMs / observedMs) * 100 } : {}) };
};

/** Drops what lies wholly before `cutoff`, keeping the entry in force at the cutoff. */
export const pruneHistory = (history: readonly HistoryEntry[], cutoff: number): HistoryEntry[] => {
  let firstKept = 0;
  for (let i = 0; i < history.length; i++) if (history[i]!.at <= cutoff) firstKept = i;
  return history.slice(firstKept);
};

/** Appends a transition; a repeat of the current status is no transition. Entries stay sorted. */
export const appendHistory = (history: HistoryEntry[], entry: HistoryEntry): boolean => {
  const last = history.at(-1);
  if (last && last.s === entry.s) return false;
  const at = last ? Math.max(last.at, entry.at) : entry.at;
  if (last && last.at === at) history[history.length - 1] = { at, s: entry.s };
  else history.push({ at, s: entry.s });
  return true;
};
