import { z } from 'zod';
import type { KpiFigures } from '../messages/context.ts';

/** The windows every KPI figure is given for (commands, announcements, /api/status, charts). */
export const KPI_WINDOWS = ['24h', '7d', '30d', '90d'] as const;
export type KpiWindow = (typeof KPI_WINDOWS)[number];

/** KPI numbers for commands and announcements; the KPI engine implements it. */
export interface KpiProvider {
  figures(componentIds: readonly string[] | 'all', window: KpiWindow): Promise<KpiFigures | undefined>;
  chart?(componentIds: readonly string[] | 'all', window: KpiWindow, locale: string): Promise<Buffer | undefined>;
}

export const KPI_METRICS = ['response_time_ms', 'error_rate_percent', 'latency_ms', 'uptime_percent', 'up'] as const;

/** One measurement as the sources hand it over (webhook samples, probes, Prometheus). */
export const kpiSampleSchema = z.strictObject({
  component: z.string().min(1),
  metric: z.enum(KPI_METRICS),
  value: z.number().finite(),
  at: z
    .string()
    .refine((v) => Number.isFinite(Date.parse(v)), 'expected an ISO-8601 time')
    .optional(),
});
export type KpiSampleInput = z.infer<typeof kpiSampleSchema>;
