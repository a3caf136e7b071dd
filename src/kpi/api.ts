import { z } from 'zod';
import { KPI_WINDOWS, type KpiWindow } from './model.ts';
import type { KpiSummary } from './engine.ts';
import { apiIncidentSchema } from '../http/schemas.ts';

/**
 * The KPI part of `GET /api/status` (docs/api.md). One schema is the contract: the handler's output
 * is parsed with it in the tests, and an OpenAPI document can be generated from it (`z.toJSONSchema`).
 */
const distributionSchema = z
  .object({
    count: z.number().int().nonnegative(),
    meanMs: z.number().nonnegative(),
    p50Ms: z.number().nonnegative(),
    p95Ms: z.number().nonnegative(),
    p99Ms: z.number().nonnegative(),
  })
  .meta({ description: 'A response-time or latency distribution (milliseconds).' });

export const kpiFiguresSchema = z
  .object({
    uptimePercent: z
      .number()
      .min(0)
      .max(100)
      .optional()
      .meta({ description: 'Time-weighted uptime from the status history (partial outage counts 30 % down, maintenance is left out).' }),
    response: distributionSchema.optional().meta({ description: 'Response time: the whole answer.' }),
    latency: distributionSchema.optional().meta({ description: 'Latency: time to the response headers.' }),
    errorRatePercent: z
      .number()
      .min(0)
      .max(100)
      .optional()
      .meta({ description: 'Failed checks / checks; without checks, the mean of pushed error-rate samples.' }),
    checks: z.number().int().nonnegative().meta({ description: 'Probe checks counted.' }),
  })
  .strict();
export type ApiKpiFigures = z.infer<typeof kpiFiguresSchema>;

export const kpiWindowSchema = z
  .object({
    windowMs: z.number().int().positive(),
    from: z.iso.datetime(),
    to: z.iso.datetime(),
    coveredFrom: z.iso.datetime().meta({ description: 'Where the data inside the window starts (the window start when it is older).' }),
    coveredMs: z.number().int().nonnegative(),
    covered: z.boolean().meta({ description: 'The data spans at least 95 % of the window.' }),
    figures: kpiFiguresSchema.optional().meta({ description: 'The window figures: present only when covered and measured.' }),
    partialFigures: kpiFiguresSchema
      .optional()
      .meta({ description: 'When not covered: the same figures over coveredFrom … to, what /status and announcements show as "since …".' }),
  })
  .strict();
export type ApiKpiWindow = z.infer<typeof kpiWindowSchema>;

export const kpiWindowsSchema = z
  .object(Object.fromEntries(KPI_WINDOWS.map((w) => [w, kpiWindowSchema])) as Record<KpiWindow, typeof kpiWindowSchema>)
  .strict();
export type ApiKpiWindows = z.infer<typeof kpiWindowsSchema>;

const componentSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    status: z.enum(['operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance']),
    kpis: kpiWindowsSchema.nullable(),
  })
  .loose();

export const apiStatusSchema = z
  .object({
    service: z.string(),
    status: z.string(),
    components: z.array(componentSchema),
    incidents: z.array(apiIncidentSchema).meta({ description: 'Open incidents and maintenances, newest first.' }),
    kpis: kpiWindowsSchema.nullable().meta({ description: 'The whole service; null when no KPI engine runs.' }),
    generatedAt: z.iso.datetime(),
  })
  .strict();
export type ApiStatus = z.infer<typeof apiStatusSchema>;

const roundMs = (ms: number): number => Math.round(ms);

export const apiFigures = (s: KpiSummary): ApiKpiFigures | undefined => {
  if (s.uptimePercent === undefined && !s.response && !s.latency && s.errorRatePercent === undefined) return undefined;
  return {
    ...(s.uptimePercent !== undefined ? { uptimePercent: s.uptimePercent } : {}),
    ...(s.response ? { response: { ...s.response } } : {}),
    ...(s.latency ? { latency: { ...s.latency } } : {}),
    ...(s.errorRatePercent !== undefined ? { errorRatePercent: s.errorRatePercent } : {}),
    checks: s.checks,
  };
};

/**
 * One window as the API states it. Data before `coveredFrom` does not exist, so the window's
 * summary is also the summary of the covered span: not covered, it is given as `partialFigures`.
 */
export const apiWindow = (s: KpiSummary): ApiKpiWindow => {
  const figures = apiFigures(s);
  return {
    windowMs: roundMs(s.coverage.windowMs),
    from: s.from,
    to: s.to,
    coveredFrom: s.coverage.coveredFrom,
    coveredMs: roundMs(s.coverage.coveredMs),
    covered: s.coverage.covered,
    ...(figures ? (s.coverage.covered ? { figures } : { partialFigures: figures }) : {}),
  };
};
