import type { Logger } from 'pino';
import type { Store } from '../storage/store.ts';
import type { ComponentStatus } from '../core/model.ts';
import { KPI_WINDOWS, type KpiProvider, type KpiSampleInput, type KpiWindow } from './model.ts';
import { apiWindow, type ApiKpiWindow, type ApiKpiWindows } from './api.ts';
import type { KpiFigures } from '../messages/context.ts';
import type { Translator } from '../i18n/i18n.ts';
import { formatDateTime, formatMs, formatPercent } from '../i18n/format.ts';
import { DAY, HOUR, KpiEngine, WINDOW_MS } from './engine.ts';
import { coverageLabel } from './fields.ts';
import { uptimeOf } from './history.ts';
import { figuresOf, mergeRollup, type Rollup } from './rollup.ts';
import { renderChart, type ChartInput, type ResponsePoint, type UptimeRow } from './chart.ts';
import { missingFontsMessage } from './fonts.ts';

export interface KpiServiceDeps {
  readonly store: Store;
  readonly translator: Translator;
  readonly serviceName: string;
  readonly timezone: string;
  readonly log: Logger;
  /** Localized display name of a component id. */
  readonly componentName: (id: string, locale: string) => string;
  /** Maps a name or id from a sample to the canonical component id. */
  readonly resolve: (nameOrId: string) => string;
  readonly now?: () => number;
}

const floorTo = (t: number, unit: number): number => Math.floor(t / unit) * unit;

/** The KPI engine plus what the rest of the bot asks of it: figures, charts, recording. */
export class KpiService implements KpiProvider {
  private warnedFonts = new Set<string>();

  private constructor(
    readonly engine: KpiEngine,
    private readonly deps: KpiServiceDeps,
  ) {}

  static async open(deps: KpiServiceDeps): Promise<KpiService> {
    const engine = await KpiEngine.open(deps.store, { log: deps.log, resolve: deps.resolve, ...(deps.now ? { now: deps.now } : {}) });
    await engine.compact();
    return new KpiService(engine, deps);
  }

  record(sourceId: string, samples: readonly KpiSampleInput[]): Promise<void> {
    return this.engine.record(sourceId, samples);
  }

  noteStatuses(components: readonly { id: string; status: ComponentStatus }[], at?: number): Promise<void> {
    return this.engine.noteStatuses(components, at);
  }

  figures(ids: readonly string[] | 'all', window: KpiWindow): Promise<KpiFigures | undefined> {
    return this.engine.figures(ids, window);
  }

  /**
   * Every window for `/api/status`. The 24 h one is the same computation announcements render
   * (`cached`), at the same instant for all four windows.
   */
  async windows(ids: readonly string[] | 'all'): Promise<ApiKpiWindows> {
    const now = this.engine.now();
    const out: Partial<Record<KpiWindow, ApiKpiWindow>> = {};
    for (const w of KPI_WINDOWS)
      out[w] = apiWindow(w === '24h' ? this.engine.recentSummary(ids, now) : await this.engine.summary(ids, w, now));
    return out as ApiKpiWindows;
  }

  /** Synchronous 24 h figures for announcements (the render context's `kpiFields`, src/app.ts). */
  cached(ids: readonly string[]): KpiFigures | undefined {
    return this.engine.cached(ids);
  }

  /** Daily uptime for the last `days` days, oldest first (pushed uptime % when no status history). */
  async dailyUptime(id: string, days = 90, to = this.engine.now()): Promise<(number | undefined)[]> {
    const today = floorTo(to, DAY);
    const history = this.engine.history(id);
    const out: (number | undefined)[] = [];
    for (let d = days - 1; d >= 0; d--) {
      const start = today - d * DAY;
      const end = Math.min(start + DAY, to);
      const u = uptimeOf(history, start, end).percent;
      out.push(u ?? (history.length ? undefined : figuresOf(await this.engine.dayRollup(id, start)).pushedUptimePercent));
    }
    return out;
  }

  /** Response-time points: hourly for 24 h, daily otherwise. */
  async responseSeries(ids: readonly string[], window: KpiWindow, to = this.engine.now()): Promise<ResponsePoint[]> {
    const hourly = window === '24h';
    const step = hourly ? HOUR : DAY;
    const count = hourly ? 24 : Math.round(({ '7d': 7, '30d': 30, '90d': 90 } as const)[window]);
    const last = floorTo(to, step);
    const points: ResponsePoint[] = [];
    for (let i = count - 1; i >= 0; i--) {
      const start = last - i * step;
      const merged: Rollup = {};
      for (const id of ids)
        mergeRollup(merged, hourly ? await this.engine.rollupBetween(id, start, start + step - 1) : await this.engine.dayRollup(id, start));
      const r = figuresOf(merged).response;
      points.push(r ? { p50: r.p50Ms, p95: r.p95Ms } : {});
    }
    return points;
  }

  /** What the chart shows, in words and numbers (pure of any image): `chart` draws it. */
  async chartInput(ids: readonly string[] | 'all', window: KpiWindow, locale: string): Promise<ChartInput> {
    const chosen = ids === 'all' || ids.length === 0 ? this.engine.componentIds() : [...ids];
    const t = this.deps.translator.t(locale);
    const now = this.engine.now();
    const rows: UptimeRow[] = [];
    for (const id of chosen.slice(0, 12)) {
      const days = await this.dailyUptime(id, 90, now);
      const total = (await this.engine.summary([id], '90d', now)).uptimePercent;
      rows.push({ name: this.deps.componentName(id, locale), days, total: total === undefined ? '—' : formatPercent(total, locale, 2) });
    }
    const windowLabel = t(`kpi.window.${window}`);
    // The same coverage rule as the figures: a response curve over 40 s of data says so, not "7 days".
    const coverage = this.engine.coverage(chosen, now - WINDOW_MS[window], now);
    const uptimeCoverage = this.engine.coverage(chosen, now - WINDOW_MS['90d'], now);
    const spanLabel = coverageLabel(t, window, coverage, locale, this.deps.timezone) ?? t('kpi.notEnoughData');
    return {
      lang: locale,
      dir: this.deps.translator.dir(locale),
      title: t('chart.title', { service: this.deps.serviceName, window: windowLabel }),
      // The 90-day totals follow the same rule: over less data, the title says what they cover.
      uptimeTitle: uptimeCoverage.covered
        ? t('chart.uptime')
        : `${t('chart.uptime')} · ${coverageLabel(t, '90d', uptimeCoverage, locale, this.deps.timezone) ?? t('kpi.notEnoughData')}`,
      responseTitle: t('chart.response', { window: spanLabel }),
      p50Label: t('chart.p50'),
      p95Label: t('chart.p95'),
      noData: t('chart.noData'),
      fromLabel: formatDateTime(
        coverage.covered ? new Date(now - WINDOW_MS[window]).toISOString() : coverage.coveredFrom,
        locale,
        this.deps.timezone,
      ),
      toLabel: formatDateTime(new Date(now).toISOString(), locale, this.deps.timezone),
      rows,
      response: await this.responseSeries(chosen, window, now),
      formatMs: (ms) => formatMs(ms, locale),
    };
  }

  async chart(ids: readonly string[] | 'all', window: KpiWindow, locale: string): Promise<Buffer | undefined> {
    const chart = renderChart(await this.chartInput(ids, window, locale));
    if (chart.fonts.missing.length) {
      const message = missingFontsMessage(chart.fonts.missing);
      if (!this.warnedFonts.has(message)) this.deps.log.warn(message);
      this.warnedFonts.add(message);
      // Without the base font no label at all would show: better no chart than an unreadable one.
      if (chart.fonts.missing.some((m) => m.script === 'latin')) return undefined;
    }
    return chart.png;
  }

  stop(): Promise<void> {
    return this.engine.stop();
  }
}
