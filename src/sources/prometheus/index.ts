import { z } from 'zod';
import type { SourceConfig } from '../../core/config.ts';
import type { SourceContext, StatusSource } from '../source.ts';
import type { KpiSampleInput } from '../../kpi/model.ts';
import { pollEvery } from '../poll.ts';

type PrometheusConfig = Extract<SourceConfig, { type: 'prometheus' }>;

/** https://prometheus.io/docs/prometheus/latest/querying/api/#instant-queries — values are strings ("NaN" too). */
const sampleValue = z.tuple([z.number(), z.string()]);
const responseSchema = z.discriminatedUnion('status', [
  z.looseObject({
    status: z.literal('success'),
    data: z.discriminatedUnion('resultType', [
      z.looseObject({
        resultType: z.literal('vector'),
        result: z.array(z.looseObject({ metric: z.record(z.string(), z.string()), value: sampleValue })),
      }),
      z.looseObject({ resultType: z.literal('scalar'), result: sampleValue }),
      z.looseObject({ resultType: z.literal('matrix'), result: z.array(z.unknown()) }),
      z.looseObject({ resultType: z.literal('string'), result: z.unknown() }),
    ]),
  }),
  z.looseObject({ status: z.literal('error'), errorType: z.string().optional(), error: z.string().optional() }),
]);

export const queryUrl = (base: string, query: string): string => {
  const u = new URL('api/v1/query', base.endsWith('/') ? base : `${base}/`);
  u.searchParams.set('query', query);
  return u.href;
};

/** One number from an instant query: a scalar, or the mean of a vector's series (NaN/±Inf dropped). */
export const valueOf = (json: unknown): { value?: number; error?: string } => {
  const r = responseSchema.safeParse(json);
  if (!r.success) return { error: 'not a Prometheus API response' };
  if (r.data.status === 'error') return { error: `${r.data.errorType ?? 'error'}: ${r.data.error ?? ''}`.trim() };
  const d = r.data.data;
  const raw = d.resultType === 'scalar' ? [d.result[1]] : d.resultType === 'vector' ? d.result.map((s) => s.value[1]) : undefined;
  if (!raw) return { error: `a ${d.resultType} result: use an instant query that returns a scalar or a vector` };
  const nums = raw.map(Number).filter(Number.isFinite);
  if (nums.length === 0) return {};
  return { value: nums.reduce((a, b) => a + b, 0) / nums.length };
};

/**
 * docs/contract.md §3 `prometheus`: runs the configured PromQL instant queries against a Prometheus-compatible
 * API on an interval and records each result as a KPI sample of its component.
 */
export class PrometheusSource implements StatusSource {
  readonly type = 'prometheus';
  readonly id: string;

  constructor(
    private readonly config: PrometheusConfig,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    this.id = config.id;
  }

  async start(ctx: SourceContext): Promise<void> {
    pollEvery(ctx.signal, this.config.interval, () => this.pollOnce(ctx), {
      onError: (err) => ctx.log.warn({ err }, 'could not record this check; the next one tries again'),
    });
  }

  async pollOnce(ctx: SourceContext): Promise<KpiSampleInput[]> {
    const samples: KpiSampleInput[] = [];
    const errors: string[] = [];
    const at = new Date().toISOString();
    for (const q of this.config.queries) {
      try {
        const res = await this.fetchImpl(queryUrl(this.config.url, q.query), {
          headers: { accept: 'application/json', 'user-agent': 'status-relay' },
          signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(15_000)]),
        });
        // Prometheus answers 400/422/503 with a JSON error body worth reading.
        const json: unknown = await res.json().catch(() => ({ status: 'error', error: `HTTP ${res.status}` }));
        const { value, error } = valueOf(json);
        if (error) errors.push(`${q.component}/${q.metric}: ${error}`);
        else if (value !== undefined) samples.push({ component: q.component, metric: q.metric, value, at });
      } catch (e) {
        if (ctx.signal.aborted) return samples;
        errors.push(`${q.component}/${q.metric}: ${(e as Error).message}`);
      }
    }
    if (samples.length) await ctx.recordSamples?.(samples);
    ctx.health.state = errors.length === 0 ? 'ok' : 'error';
    if (errors.length) {
      ctx.health.lastError = errors.join('; ');
      ctx.log.warn({ errors }, 'Prometheus queries failed');
    } else {
      ctx.health.lastSuccessAt = at;
      delete ctx.health.lastError;
    }
    return samples;
  }
}
