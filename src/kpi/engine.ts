import type { Logger } from 'pino';
import type { KeyValue, Store } from '../storage/store.ts';
import type { ComponentStatus } from '../core/model.ts';
import type { KpiFigures } from '../i18n/render.ts';
import type { KpiProvider, KpiWindow } from '../commands/context.ts';
import type { KpiSampleInput } from '../sources/webhook/generic.ts';
import { appendHistory, pruneHistory, uptimeOf, type HistoryEntry } from './history.ts';
import { addSample, figuresOf, mergeRollup, type Distribution, type HourRecord, type Rollup } from './rollup.ts';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
/** Rollups and status history older than this are dropped. */
export const RETENTION_MS = 90 * DAY;
export const WINDOW_MS: Record<KpiWindow, number> = { '24h': DAY, '7d': 7 * DAY, '30d': 30 * DAY, '90d': 90 * DAY };
/** A heartbeat older than this at start means the bot was down: that time is not counted as up or down. */
const GAP_MS = 2 * MINUTE;

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
}

export interface KpiEngineOptions {
  readonly now?: () => number;
  readonly log?: Logger;
  /** Maps a name or id from a sample to the canonical component id. */
  readonly resolve?: (nameOrId: string) => string;
  /** Write-behind delay for rollups (ms); `flush()` forces it. */
  readonly flushDelayMs?: number;
}

const hourKey = (component: string, hourStart: number): string => `${component}@${new Date(hourStart).toISOString().slice(0, 13)}`;
const floorTo = (t: number, unit: number): number => Math.floor(t / unit) * unit;

/**
 * KPI storage and arithmetic. Samples fold into per-minute rollups (one store key per component
 * and hour, expiring after 90 days); uptime comes from the component status history the bot
 * records itself, so it works for every source type. Windows are computed from rollups: whole past
 * days from a day cache, the edges minute by minute.
 */
export class KpiEngine implements KpiProvider {
  private readonly histories = new Map<string, HistoryEntry[]>();
  private readonly rollupComponents = new Set<string>();
  private readonly hot = new Map<string, HourRecord>();
  private readonly dirty = new Set<string>();
  private readonly dayCache = new Map<string, Rollup>();
  /** Per component: hour start → that hour's rollup, for the last 25 hours (the synchronous 24 h figures). */
  private readonly recent = new Map<string, Map<number, Rollup>>();
  private flushTimer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  readonly now: () => number;

  private constructor(
    private readonly rollups: KeyValue,
    private readonly statusKv: KeyValue,
    private readonly meta: KeyValue,
    private readonly options: KpiEngineOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  static async open(store: Store, options: KpiEngineOptions = {}): Promise<KpiEngine> {
    const engine = new KpiEngine(store.namespace('kpi-rollups'), store.namespace('kpi-status'), store.namespace('kpi-meta'), options);
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
    const currentHour = floorTo(now, HOUR);
    for (const id of this.rollupComponents) {
      const starts = Array.from({ length: 25 }, (_, i) => currentHour - i * HOUR);
      const records = await this.rollups.getMany<HourRecord>(starts.map((s) => hourKey(id, s)));
      const map = new Map<number, Rollup>();
      records.forEach((r, i) => r && map.set(starts[i]!, mergeMinutes(r)));
      this.recent.set(id, map);
    }
    await this.meta.set('lastSeen', now);
    this.heartbeat = setInterval(() => void this.meta.set('lastSeen', this.now()).catch(() => undefined), MINUTE);
    this.heartbeat.unref();
  }

  /** Every component with KPI data of any kind. */
  componentIds(): string[] {
    return [...new Set([...this.histories.keys(), ...this.rollupComponents])].sort();
  }

  /** Records the current status of components; only transitions are stored. */
  async noteStatuses(components: readonly { id: string; status: ComponentStatus }[], at = this.now()): Promise<void> {
    for (const c of components) {
      let h = this.histories.get(c.id);
      if (!h) this.histories.set(c.id, (h = []));
      if (appendHistory(h, { at, s: c.status })) await this.statusKv.set(c.id, h);
    }
  }

  history(componentId: string): readonly HistoryEntry[] {
    return this.histories.get(componentId) ?? [];
  }

  async record(_sourceId: string, samples: readonly KpiSampleInput[]): Promise<void> {
    const now = this.now();
    let newComponent = false;
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
      const hour = floorTo(at, HOUR);
      const key = hourKey(component, hour);
      let rec = this.hot.get(key);
      if (!rec) {
        rec = (await this.rollups.get<HourRecord>(key)) ?? { m: {} };
        this.hot.set(key, rec);
      }
      addSample((rec.m[String(Math.floor((at - hour) / MINUTE))] ??= {}), s.metric, s.value);
      this.dirty.add(key);
      if (at >= floorTo(now, HOUR) - 24 * HOUR) {
        let m = this.recent.get(component);
        if (!m) this.recent.set(component, (m = new Map()));
        const r = m.get(hour) ?? {};
        addSample(r, s.metric, s.value);
        m.set(hour, r);
      }
      this.dayCache.delete(`${component}|${floorTo(at, DAY)}`);
    }
    if (newComponent) await this.meta.set('components', [...this.rollupComponents]);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => void this.flush().catch((e: unknown) => this.options.log?.warn({ err: e }, 'KPI flush failed')), this.options.flushDelayMs ?? 1000);
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
      for (const key of keys) {
        const rec = this.hot.get(key);
        if (!rec) continue;
        const hourStart = Date.parse(`${key.slice(key.lastIndexOf('@') + 1)}:00:00Z`);
        const ttl = hourStart + HOUR + RETENTION_MS - now;
        if (ttl > 0) await this.rollups.set(key, rec, ttl);
        if (hourStart < floorTo(now, HOUR) - HOUR && !this.dirty.has(key)) this.hot.delete(key);
      }
    });
    this.writing = run.catch(() => undefined);
    return run;
  }

  /** Drops rollup keys past retention (keyv only expires lazily) and prunes status history. */
  async compact(): Promise<number> {
    const cutoff = this.now() - RETENTION_MS;
    const old: string[] = [];
    for await (const [key] of this.rollups.entries<HourRecord>()) {
      const hour = Date.parse(`${key.slice(key.lastIndexOf('@') + 1)}:00:00Z`);
      if (hour + HOUR <= cutoff) old.push(key);
    }
    for (const k of old) await this.rollups.delete(k);
    for (const [id, h] of this.histories) {
      const pruned = pruneHistory(h, cutoff);
      if (pruned.length !== h.length) {
        this.histories.set(id, pruned);
        await this.statusKv.set(id, pruned);
      }
    }
    for (const k of this.dayCache.keys()) if (Number(k.slice(k.lastIndexOf('|') + 1)) < cutoff - DAY) this.dayCache.delete(k);
    return old.length;
  }

  private async hours(component: string, starts: readonly number[]): Promise<(HourRecord | undefined)[]> {
    const keys = starts.map((s) => hourKey(component, s));
    const missing = keys.filter((k) => !this.hot.has(k));
    const fetched = new Map<string, HourRecord | undefined>();
    const values = await this.rollups.getMany<HourRecord>(missing);
    missing.forEach((k, i) => fetched.set(k, values[i]));
    return keys.map((k) => this.hot.get(k) ?? fetched.get(k));
  }

  /** A whole day's rollup; cached once the day is over. */
  async dayRollup(component: string, dayStart: number): Promise<Rollup> {
    const cacheKey = `${component}|${dayStart}`;
    const cached = this.dayCache.get(cacheKey);
    if (cached) return cached;
    const records = await this.hours(component, Array.from({ length: 24 }, (_, i) => dayStart + i * HOUR));
    const out: Rollup = {};
    for (const r of records) if (r) mergeRollup(out, mergeMinutes(r));
    if (dayStart + DAY <= this.now()) this.dayCache.set(cacheKey, out);
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
      const starts: number[] = [];
      for (let h = day; h < day + DAY; h += HOUR) if (h + HOUR > from && h <= to) starts.push(h);
      const records = await this.hours(component, starts);
      records.forEach((r, i) => {
        if (!r) return;
        for (const [m, roll] of Object.entries(r.m)) {
          const t = starts[i]! + Number(m) * MINUTE;
          if (t >= from && t <= to) mergeRollup(out, roll);
        }
      });
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
    };
  }

  async figures(ids: readonly string[] | 'all', window: KpiWindow): Promise<KpiFigures | undefined> {
    return toFigures(await this.summary(ids, window));
  }

  /** Synchronous 24 h figures for rendering (rollups at hour granularity, uptime exact). */
  cached(ids: readonly string[]): KpiFigures | undefined {
    const now = this.now();
    const componentIds = this.pick(ids);
    const each = new Map<string, Rollup>();
    const from = floorTo(now, HOUR) - 24 * HOUR;
    for (const id of componentIds) {
      const total: Rollup = {};
      for (const [hour, r] of this.recent.get(id) ?? []) {
        if (hour >= from) mergeRollup(total, r);
        else this.recent.get(id)!.delete(hour);
      }
      each.set(id, total);
    }
    return toFigures(this.combine(componentIds, each, now - DAY, now, '24h'));
  }

  async stop(): Promise<void> {
    clearInterval(this.heartbeat);
    await this.flush();
    await this.meta.set('lastSeen', this.now());
  }
}

const mergeMinutes = (r: HourRecord): Rollup => {
  const out: Rollup = {};
  for (const m of Object.values(r.m)) mergeRollup(out, m);
  return out;
};

export const toFigures = (s: KpiSummary): KpiFigures | undefined => {
  if (s.uptimePercent === undefined && !s.response && !s.latency && s.errorRatePercent === undefined) return undefined;
  return {
    window: s.window,
    ...(s.uptimePercent !== undefined ? { uptimePercent: s.uptimePercent } : {}),
    ...(s.response ? { responseP50Ms: s.response.p50Ms, responseP95Ms: s.response.p95Ms } : {}),
    ...(s.errorRatePercent !== undefined ? { errorRatePercent: s.errorRatePercent } : {}),
    ...(s.latency ? { latencyP95Ms: s.latency.p95Ms } : {}),
  };
};
