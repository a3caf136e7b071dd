import type { Logger } from 'pino';
import type { KeyValue, Store } from '../storage/store.ts';
import type { ComponentStatus } from '../core/model.ts';
import type { KpiFigures } from '../messages/context.ts';
import type { KpiProvider, KpiSampleInput, KpiWindow } from './model.ts';
import { appendHistory, pruneHistory, uptimeOf, type HistoryEntry } from './history.ts';
import {
  addSample,
  decodeDay,
  encodeDay,
  figuresOf,
  mergeRollup,
  type DayRecord,
  type Distribution,
  type Rollup,
  type StoredDay,
} from './rollup.ts';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
/** Rollups and status history older than this are dropped. */
export const RETENTION_MS = 90 * DAY;
export const WINDOW_MS: Record<KpiWindow, number> = { '24h': DAY, '7d': 7 * DAY, '30d': 30 * DAY, '90d': 90 * DAY };
/**
 * Rollups are written behind, at most this often: each write is one SQLite transaction (an fsync),
 * and reads see unwritten minutes anyway. A crash loses at most this much KPI data, never status.
 */
const FLUSH_DELAY_MS = 5000;
/** A heartbeat older than this at start means the bot was down: that time is not counted as up or down. */
const GAP_MS = 2 * MINUTE;
/**
 * A window is covered when the bot's data spans at least this share of it (docs/kpi.md#coverage):
 * only then is a figure labelled with the window ("24 h"); otherwise it says what it covers.
 */
export const COVERED_SHARE = 0.95;

/** How much of a window the data spans: from the first status or sample of the components asked about. */
export interface KpiCoverage {
  /** The window's length (ms). */
  readonly windowMs: number;
  /** Start of the data inside the window (ISO); the window's start when the data is older. */
  readonly coveredFrom: string;
  readonly coveredMs: number;
  /** `coveredMs` ≥ 95 % of `windowMs`. */
  readonly covered: boolean;
  /** Any of the components has data at all (a status noted this instant counts). */
  readonly known: boolean;
}

export interface KpiSummary {
  readonly window: KpiWindow;
  readonly from: string;
  readonly to: string;
  readonly componentIds: readonly string[];
  readonly uptimePercent?: number;
  readonly response?: Distribution;
  readonly latency?: Distribution;
  readonly errorRatePercent?: number;
  readonly checks: number;
  readonly coverage: KpiCoverage;
}

export interface KpiEngineOptions {
  readonly now?: () => number;
  readonly log?: Logger;
  /** Maps a name or id from a sample to the canonical component id. */
  readonly resolve?: (nameOrId: string) => string;
  /** Write-behind delay for rollups (ms); `flush()` forces it. */
  readonly flushDelayMs?: number;
}

const dayKey = (component: string, dayStart: number): string => `${component}@${new Date(dayStart).toISOString().slice(0, 10)}`;
const dayOfKey = (key: string): number => Date.parse(`${key.slice(key.lastIndexOf('@') + 1)}T00:00:00Z`);
const floorTo = (t: number, unit: number): number => Math.floor(t / unit) * unit;

/**
 * KPI storage and arithmetic. Samples fold into per-minute rollups: one store key per component and
 * UTC day (compressed, expiring after 90 days), plus a small summary key per finished day so a
 * 90-day window reads 90 summaries instead of 129,600 minutes. Uptime comes from the component
 * status history the bot records itself, so it works for every source type. Windows: whole past
 * days from the summaries, the edges minute by minute.
 */
export class KpiEngine implements KpiProvider {
  private readonly histories = new Map<string, HistoryEntry[]>();
  private readonly rollupComponents = new Set<string>();
  private readonly hot = new Map<string, DayRecord>();
  private readonly dirty = new Set<string>();
  private readonly dayCache = new Map<string, Rollup>();
  /**
   * Per component: minute start → that minute's rollup, for the last 24 hours and a minute. The
   * synchronous 24 h figures fold exactly the minutes `rollupBetween` would, so an announcement and
   * `/api/status` read the same number at the same moment.
   */
  private readonly recent = new Map<string, Map<number, Rollup>>();
  /** Per component: the time of its first status or sample (start of its data). */
  private readonly firstSeen = new Map<string, number>();
  private flushTimer: NodeJS.Timeout | undefined;
  /** After stop, a failed flush is not retried: the store is about to close. */
  private stopped = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  readonly now: () => number;

  private constructor(
    private readonly rollups: KeyValue,
    private readonly daySums: KeyValue,
    private readonly statusKv: KeyValue,
    private readonly meta: KeyValue,
    private readonly options: KpiEngineOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  static async open(store: Store, options: KpiEngineOptions = {}): Promise<KpiEngine> {
    const engine = new KpiEngine(
      store.namespace('kpi-rollups'),
      store.namespace('kpi-days'),
      store.namespace('kpi-status'),
      store.namespace('kpi-meta'),
      options,
    );
    await engine.load();
    return engine;
  }

  private async load(): Promise<void> {
    const now = this.now();
    const lastSeen = await this.meta.get<number>('lastSeen');
    for await (const [id, entries] of this.statusKv.entries<HistoryEntry[]>()) {
      const h = pruneHistory(entries, now - RETENTION_MS);
      // Restarted after a gap: we do not know what happened meanwhile, so that time counts neither way.
      if (lastSeen !== undefined && now - lastSeen > GAP_MS) appendHistory(h, { at: lastSeen, s: null });
      this.histories.set(id, h);
      await this.statusKv.set(id, h);
    }
    for (const id of (await this.meta.get<string[]>('components')) ?? []) this.rollupComponents.add(id);
    const from = now - DAY - MINUTE;
    for (const id of this.rollupComponents) {
      const map = new Map<number, Rollup>();
      for (const day of [floorTo(from, DAY), floorTo(now, DAY)].filter((d, i, a) => a.indexOf(d) === i)) {
        const rec = decodeDay(await this.rollups.get<StoredDay>(dayKey(id, day)));
        for (const [m, r] of Object.entries(rec?.m ?? {})) {
          const minute = day + Number(m) * MINUTE;
          if (minute >= from) map.set(minute, r);
        }
      }
      this.recent.set(id, map);
    }
    await this.loadFirstSeen(now);
    await this.meta.set('lastSeen', now);
    this.heartbeat = setInterval(() => void this.meta.set('lastSeen', this.now()).catch(() => undefined), MINUTE);
    this.heartbeat.unref();
  }

  /**
   * Data start per component, kept in the meta namespace. Older stores have none: then the first
   * status entry and the oldest rollup day tell it (once; written back).
   */
  private async loadFirstSeen(now: number): Promise<void> {
    const stored = (await this.meta.get<Record<string, number>>('firstSeen')) ?? {};
    let changed = false;
    for (const [id, at] of Object.entries(stored)) this.firstSeen.set(id, Math.max(at, now - RETENTION_MS));
    const missing = this.componentIds().filter((id) => !this.firstSeen.has(id));
    if (missing.length === 0) return;
    const first = new Map<string, number>();
    for (const id of missing) {
      const at = this.histories.get(id)?.find((e) => e.s !== null)?.at;
      if (at !== undefined) first.set(id, at);
    }
    // One pass over the stored days, only when some rollup component lacks a start.
    if (missing.some((id) => this.rollupComponents.has(id))) {
      for await (const [key, stored] of this.rollups.entries<StoredDay>()) {
        const id = key.slice(0, key.lastIndexOf('@'));
        if (!missing.includes(id) || !this.rollupComponents.has(id)) continue;
        const minutes = Object.keys(decodeDay(stored)?.m ?? {}).map(Number);
        if (minutes.length) first.set(id, Math.min(first.get(id) ?? Infinity, dayOfKey(key) + Math.min(...minutes) * MINUTE));
      }
    }
    for (const [id, at] of first) {
      this.firstSeen.set(id, Math.max(at, now - RETENTION_MS));
      changed = true;
    }
    if (changed) await this.saveFirstSeen();
  }

  private saveFirstSeen(): Promise<void> {
    return this.meta.set('firstSeen', Object.fromEntries(this.firstSeen));
  }

  /** Notes the start of a component's data; true when it is new (the caller persists). */
  private seen(id: string, at: number): boolean {
    const known = this.firstSeen.get(id);
    if (known !== undefined && known <= at) return false;
    this.firstSeen.set(id, at);
    return true;
  }

  /** What a window [from, to] of these components is covered by (see COVERED_SHARE). */
  coverage(ids: readonly string[] | 'all', from: number, to: number): KpiCoverage {
    const starts = this.pick(ids).flatMap((id) => {
      const at = this.firstSeen.get(id);
      return at === undefined ? [] : [at];
    });
    const start = starts.length ? Math.max(from, Math.min(...starts)) : to;
    const coveredMs = Math.max(0, to - start);
    const windowMs = to - from;
    return {
      windowMs,
      coveredFrom: new Date(Math.min(start, to)).toISOString(),
      coveredMs,
      covered: coveredMs >= windowMs * COVERED_SHARE,
      known: starts.length > 0,
    };
  }

  /** Every component with KPI data of any kind. */
  componentIds(): string[] {
    return [...new Set([...this.histories.keys(), ...this.rollupComponents])].sort();
  }

  /** Records the current status of components; only transitions are stored. */
  async noteStatuses(components: readonly { id: string; status: ComponentStatus }[], at = this.now()): Promise<void> {
    let first = false;
    for (const c of components) {
      let h = this.histories.get(c.id);
      if (!h) this.histories.set(c.id, (h = []));
      if (appendHistory(h, { at, s: c.status })) await this.statusKv.set(c.id, h);
      if (this.seen(c.id, h[0]?.at ?? at)) first = true;
    }
    if (first) await this.saveFirstSeen();
  }

  history(componentId: string): readonly HistoryEntry[] {
    return this.histories.get(componentId) ?? [];
  }

  async record(_sourceId: string, samples: readonly KpiSampleInput[]): Promise<void> {
    const now = this.now();
    let newComponent = false;
    let first = false;
    for (const s of samples) {
      const parsed = s.at ? Date.parse(s.at) : now;
      if (!Number.isFinite(parsed) || !Number.isFinite(s.value)) continue;
      const at = Math.min(parsed, now);
      if (at < now - RETENTION_MS) continue;
      const component = this.options.resolve?.(s.component) ?? s.component;
      if (!this.rollupComponents.has(component)) {
        this.rollupComponents.add(component);
        newComponent = true;
      }
      const day = floorTo(at, DAY);
      const key = dayKey(component, day);
      let rec = this.hot.get(key);
      if (!rec) {
        rec = decodeDay(await this.rollups.get<StoredDay>(key)) ?? { m: {} };
        this.hot.set(key, rec);
      }
      addSample((rec.m[String(Math.floor((at - day) / MINUTE))] ??= {}), s.metric, s.value);
      this.dirty.add(key);
      const minute = floorTo(at, MINUTE);
      if (minute >= now - DAY - MINUTE) {
        let m = this.recent.get(component);
        if (!m) this.recent.set(component, (m = new Map()));
        // The same object as the day record's minute would be a double count: keep a separate copy.
        const r = m.get(minute) ?? {};
        addSample(r, s.metric, s.value);
        m.set(minute, r);
      }
      if (this.seen(component, at)) first = true;
      this.dayCache.delete(`${component}|${day}`);
    }
    if (newComponent) await this.meta.set('components', [...this.rollupComponents]);
    if (first) await this.saveFirstSeen();
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(
      () => void this.flush().catch((e: unknown) => this.options.log?.warn({ err: e }, 'KPI flush failed')),
      this.options.flushDelayMs ?? FLUSH_DELAY_MS,
    );
    this.flushTimer.unref();
  }

  /** Writes every pending rollup to the store. */
  async flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const run = this.writing.then(async () => {
      const now = this.now();
      const keys = [...this.dirty];
      this.dirty.clear();
      for (const [i, key] of keys.entries()) {
        const rec = this.hot.get(key);
        if (!rec) continue;
        const day = dayOfKey(key);
        const ttl = day + DAY + RETENTION_MS - now;
        if (ttl <= 0) continue;
        try {
          await this.rollups.set(key, encodeDay(rec), ttl);
          // A finished day gets its summary now; a late sample rewrites both.
          if (day + DAY <= now) await this.daySums.set(key, mergeMinutes(rec), ttl);
        } catch (e) {
          // The store is down: keep what is not written yet dirty, and write it with the next flush.
          for (const k of keys.slice(i)) this.dirty.add(k);
          if (!this.stopped) this.scheduleFlush();
          throw e;
        }
        if (day + DAY < floorTo(now, DAY) && !this.dirty.has(key)) this.hot.delete(key);
      }
    });
    this.writing = run.catch(() => undefined);
    return run;
  }

  /** Drops rollup keys past retention (keyv only expires lazily) and prunes status history. */
  async compact(): Promise<number> {
    const cutoff = this.now() - RETENTION_MS;
    let dropped = 0;
    for (const kv of [this.rollups, this.daySums]) {
      const old: string[] = [];
      for await (const [key] of kv.entries<unknown>()) if (dayOfKey(key) + DAY <= cutoff) old.push(key);
      for (const k of old) await kv.delete(k);
      if (kv === this.rollups) dropped = old.length;
    }
    for (const [id, h] of this.histories) {
      const pruned = pruneHistory(h, cutoff);
      if (pruned.length !== h.length) {
        this.histories.set(id, pruned);
        await this.statusKv.set(id, pruned);
      }
    }
    for (const k of this.dayCache.keys()) if (Number(k.slice(k.lastIndexOf('|') + 1)) < cutoff - DAY) this.dayCache.delete(k);
    return dropped;
  }

  private async day(component: string, dayStart: number): Promise<DayRecord | undefined> {
    const key = dayKey(component, dayStart);
    return this.hot.get(key) ?? decodeDay(await this.rollups.get<StoredDay>(key));
  }

  /** A whole day's rollup: from its stored summary once the day is over (then cached). */
  async dayRollup(component: string, dayStart: number): Promise<Rollup> {
    const cacheKey = `${component}|${dayStart}`;
    const cached = this.dayCache.get(cacheKey);
    if (cached) return cached;
    const key = dayKey(component, dayStart);
    const closed = dayStart + DAY <= this.now();
    let out = closed && !this.hot.has(key) ? await this.daySums.get<Rollup>(key) : undefined;
    if (!out) {
      const rec = await this.day(component, dayStart);
      out = rec ? mergeMinutes(rec) : {};
      // Written back so the next cold read of this day is one small key.
      if (closed && rec) await this.daySums.set(key, out, dayStart + DAY + RETENTION_MS - this.now());
    }
    if (closed) this.dayCache.set(cacheKey, out);
    return out;
  }

  /**
   * Every minute bucket of a component starting in [from, to]: the bucket holding `to` (the
   * current minute) counts, the one before `from` does not.
   */
  async rollupBetween(component: string, from: number, to: number): Promise<Rollup> {
    const out: Rollup = {};
    for (let day = floorTo(from, DAY); day <= to; day += DAY) {
      if (day >= from && day + DAY <= to) {
        mergeRollup(out, await this.dayRollup(component, day));
        continue;
      }
      const rec = await this.day(component, day);
      for (const [m, roll] of Object.entries(rec?.m ?? {})) {
        const t = day + Number(m) * MINUTE;
        if (t >= from && t <= to) mergeRollup(out, roll);
      }
    }
    return out;
  }

  private pick(ids: readonly string[] | 'all'): string[] {
    return ids === 'all' || ids.length === 0 ? this.componentIds() : [...ids];
  }

  async summaryBetween(ids: readonly string[] | 'all', from: number, to: number, window: KpiWindow): Promise<KpiSummary> {
    const componentIds = this.pick(ids);
    const each = new Map<string, Rollup>();
    for (const id of componentIds) each.set(id, await this.rollupBetween(id, from, to));
    return this.combine(componentIds, each, from, to, window);
  }

  summary(ids: readonly string[] | 'all', window: KpiWindow, to = this.now()): Promise<KpiSummary> {
    return this.summaryBetween(ids, to - WINDOW_MS[window], to, window);
  }

  /**
   * One summary from per-component rollups: response times merge (one distribution), uptime is
   * time-weighted, and the error rate is the mean of the components' rates, because pushed
   * percentages carry no request counts to weight them by.
   */
  private combine(componentIds: string[], each: ReadonlyMap<string, Rollup>, from: number, to: number, window: KpiWindow): KpiSummary {
    const total: Rollup = {};
    const rates: number[] = [];
    for (const r of each.values()) {
      mergeRollup(total, r);
      const rate = figuresOf(r).errorRatePercent;
      if (rate !== undefined) rates.push(rate);
    }
    let observed = 0;
    let up = 0;
    for (const id of componentIds) {
      const u = uptimeOf(this.history(id), from, to);
      observed += u.observedMs;
      up += u.upMs;
    }
    const f = figuresOf(total);
    const uptimePercent = observed > 0 ? (up / observed) * 100 : f.pushedUptimePercent;
    const errorRatePercent = rates.length ? rates.reduce((a, b) => a + b, 0) / rates.length : undefined;
    return {
      window,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      componentIds,
      ...(uptimePercent !== undefined ? { uptimePercent } : {}),
      ...(f.response ? { response: f.response } : {}),
      ...(f.latency ? { latency: f.latency } : {}),
      ...(errorRatePercent !== undefined ? { errorRatePercent } : {}),
      checks: f.checks,
      coverage: this.coverage(componentIds, from, to),
    };
  }

  /** The 24 h window always comes from `recentSummary`: one computation for every reader. */
  async figures(ids: readonly string[] | 'all', window: KpiWindow): Promise<KpiFigures | undefined> {
    return toFigures(window === '24h' ? this.recentSummary(ids) : await this.summary(ids, window));
  }

  /**
   * The last 24 h from memory, minute-exact: the same minutes as `rollupBetween(now - 24 h, now)`
   * and the same uptime arithmetic, so it equals `summary(ids, '24h')` without a store read.
   */
  recentSummary(ids: readonly string[] | 'all', now = this.now()): KpiSummary {
    const componentIds = this.pick(ids);
    const each = new Map<string, Rollup>();
    const from = now - DAY;
    for (const id of componentIds) {
      const total: Rollup = {};
      const minutes = this.recent.get(id);
      for (const [minute, r] of minutes ?? []) {
        if (minute >= from && minute <= now) mergeRollup(total, r);
        else if (minute < from - MINUTE) minutes!.delete(minute);
      }
      each.set(id, total);
    }
    return this.combine(componentIds, each, from, now, '24h');
  }

  /** Synchronous 24 h figures for rendering. */
  cached(ids: readonly string[]): KpiFigures | undefined {
    return toFigures(this.recentSummary(ids));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.heartbeat);
    await this.flush();
    await this.meta.set('lastSeen', this.now());
  }
}

const mergeMinutes = (r: DayRecord): Rollup => {
  const out: Rollup = {};
  for (const m of Object.values(r.m)) mergeRollup(out, m);
  return out;
};

/** A component known for less than this and not measured yet reads "not enough data yet" rather than nothing. */
const JUST_SEEN_MS = 1000;

export const toFigures = (s: KpiSummary): KpiFigures | undefined => {
  const coverage = { coveredFrom: s.coverage.coveredFrom, coveredMs: s.coverage.coveredMs, covered: s.coverage.covered };
  if (s.uptimePercent === undefined && !s.response && !s.latency && s.errorRatePercent === undefined)
    return s.coverage.known && s.coverage.coveredMs < JUST_SEEN_MS ? { window: s.window, coverage } : undefined;
  return {
    window: s.window,
    coverage,
    ...(s.uptimePercent !== undefined ? { uptimePercent: s.uptimePercent } : {}),
    ...(s.response ? { responseP50Ms: s.response.p50Ms, responseP95Ms: s.response.p95Ms } : {}),
    ...(s.errorRatePercent !== undefined ? { errorRatePercent: s.errorRatePercent } : {}),
    ...(s.latency ? { latencyP95Ms: s.latency.p95Ms } : {}),
  };
};
