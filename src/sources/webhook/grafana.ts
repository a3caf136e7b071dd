import { z } from 'zod';
import { PayloadError } from '../../core/errors.ts';
import type { StatusChange } from '../../core/model.ts';
import { alertGroupSchema, alertsToChanges } from './alertmanager.ts';
import { describeZodError } from '../../core/errors.ts';
import type { KpiSampleInput } from '../../kpi/model.ts';

/**
 * Grafana unified alerting webhook (docs/formats.md §6): the Alertmanager body plus `title`, `state`,
 * `message` and per-alert `values`. When an alert carries a `kpi_metric` label naming one of our
 * metrics, its first value becomes a KPI sample for its component.
 */
export const grafanaSchema = alertGroupSchema.extend({
  title: z.string().optional(),
  state: z.string().optional(),
  alerts: z
    .array(alertGroupSchema.shape.alerts.element.extend({ values: z.record(z.string(), z.number().nullable()).nullable().optional() }))
    .max(10_000),
});

const METRICS = ['response_time_ms', 'error_rate_percent', 'latency_ms', 'uptime_percent', 'up'] as const;
type Metric = (typeof METRICS)[number];
const isMetric = (v: string | undefined): v is Metric => (METRICS as readonly string[]).includes(v ?? '');

export const parseGrafana = (
  json: unknown,
  sourceId: string,
  now: string,
  componentLabel: string,
): { changes: StatusChange[]; samples: KpiSampleInput[] } => {
  const r = grafanaSchema.safeParse(json);
  if (!r.success) throw new PayloadError(describeZodError(r.error));
  const g = r.data;
  const title = g.title?.replace(/^\[(FIRING|RESOLVED)[^\]]*\]\s*/i, '').trim();
  const changes = alertsToChanges(g, sourceId, now, { componentLabel, ...(title ? { title } : {}) });
  const samples: KpiSampleInput[] = [];
  for (const a of g.alerts) {
    const all = { ...g.commonLabels, ...a.labels };
    const metric = all.kpi_metric;
    const component = all[componentLabel];
    const value = Object.values(a.values ?? {}).find((v): v is number => typeof v === 'number' && Number.isFinite(v));
    if (component && isMetric(metric) && value !== undefined) samples.push({ component, metric, value, at: now });
  }
  return { changes, samples };
};
