import type { SourceConfig } from '../../core/config.ts';
import type { SourceContext, StatusSource } from '../source.ts';
import type { KpiSampleInput } from '../../kpi/model.ts';
import { pollEvery } from '../poll.ts';
import { ProbeState, type CheckResult, type FailureKind } from './state.ts';

type ProbeConfig = Extract<SourceConfig, { type: 'probe' }>;

const codeOf = (e: unknown): string | undefined => {
  for (let cur: unknown = e, depth = 0; cur && depth < 5; cur = (cur as { cause?: unknown }).cause, depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
};

/** undici/Node error → failure kind (codes: https://nodejs.org/api/errors.html#common-system-errors). */
export const classifyError = (e: unknown, timedOut: boolean): FailureKind => {
  if (timedOut || (e as Error)?.name === 'TimeoutError') return 'timeout';
  const code = codeOf(e) ?? '';
  const message = `${(e as Error)?.message ?? ''} ${(e as { cause?: Error }).cause?.message ?? ''}`;
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') return 'dns';
  if (
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    code === 'UND_ERR_SOCKET' ||
    /other side closed|socket hang up|terminated/i.test(message)
  )
    return 'reset';
  if (/CERT|TLS|SSL|EPROTO|SELF_SIGNED|UNABLE_TO_VERIFY|HOSTNAME/i.test(code) || /ssl|tls|certificate/i.test(message)) return 'tls';
  if (code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT') return 'timeout';
  return 'other';
};

/** One HTTP check: response time, latency (headers), status and what went wrong. Never throws. */
export const checkOnce = async (config: ProbeConfig, signal?: AbortSignal): Promise<CheckResult> => {
  const started = performance.now();
  const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
  const timer = new AbortController();
  let timedOut = false;
  const t = setTimeout(() => {
    timedOut = true;
    timer.abort();
  }, config.timeout);
  try {
    const res = await fetch(config.url, {
      method: config.method,
      redirect: 'follow',
      headers: { 'user-agent': 'status-relay-probe', 'cache-control': 'no-cache' },
      signal: signal ? AbortSignal.any([signal, timer.signal]) : timer.signal,
    });
    const latencyMs = elapsed();
    const body = config.method === 'HEAD' ? '' : await res.text();
    const responseMs = elapsed();
    const base = { responseMs, latencyMs, httpStatus: res.status };
    const expected = config.expectStatus ? config.expectStatus.includes(res.status) : res.status < 400;
    if (!expected) return { ...base, failure: res.status >= 500 ? 'http_5xx' : 'http_status' };
    if (config.expectBody !== undefined && !body.includes(config.expectBody)) return { ...base, failure: 'body_mismatch' };
    return base;
  } catch (e) {
    return { responseMs: elapsed(), failure: classifyError(e, timedOut) };
  } finally {
    clearTimeout(t);
  }
};

/**
 * docs/contract.md §3 `probe`: checks a URL on an interval, records response time, latency and success as KPI
 * samples, and reports the component's status through `ProbeState` (no flapping on one sample).
 */
export class ProbeSource implements StatusSource {
  readonly type = 'probe';
  readonly id: string;
  readonly state: ProbeState;
  lastResult: CheckResult | undefined;

  constructor(private readonly config: ProbeConfig) {
    this.id = config.id;
    this.state = new ProbeState(config);
  }

  async start(ctx: SourceContext): Promise<void> {
    pollEvery(ctx.signal, this.config.interval, () => this.pollOnce(ctx), {
      onError: (err) => ctx.log.warn({ err }, 'could not record this check; the next one tries again'),
    });
  }

  /** One check: samples first, then the status change (if the check confirmed one). */
  async pollOnce(ctx: SourceContext): Promise<CheckResult> {
    const r = await checkOnce(this.config, ctx.signal);
    if (ctx.signal.aborted) return r;
    this.lastResult = r;
    const at = new Date().toISOString();
    const component = this.config.component;
    const samples: KpiSampleInput[] = [{ component, metric: 'up', value: r.failure ? 0 : 1, at }];
    // A timeout or refused connection has no response time: it would only measure our own timeout.
    if (r.latencyMs !== undefined) {
      samples.push(
        { component, metric: 'response_time_ms', value: r.responseMs, at },
        { component, metric: 'latency_ms', value: r.latencyMs, at },
      );
    }
    await ctx.recordSamples?.(samples);
    ctx.health.state = r.failure ? 'error' : 'ok';
    if (r.failure) {
      ctx.health.lastError = `${r.failure}${r.httpStatus ? ` (HTTP ${r.httpStatus})` : ''} after ${Math.round(r.responseMs)} ms`;
      ctx.log.debug({ failure: r.failure, status: r.httpStatus, ms: r.responseMs }, 'probe check failed');
    } else {
      ctx.health.lastSuccessAt = at;
      delete ctx.health.lastError;
    }
    const changed = this.state.observe(r);
    if (changed) {
      ctx.log.info({ component, status: changed, failure: r.failure }, 'probe changed the component status');
      await ctx.emit({
        kind: 'component',
        sourceId: this.id,
        component: { id: component, name: component, status: changed, updatedAt: at },
        at,
      });
    }
    return r;
  }
}
