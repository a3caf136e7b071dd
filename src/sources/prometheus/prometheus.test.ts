import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceHealth } from '../source.ts';
import type { KpiSampleInput } from '../../kpi/model.ts';
import { PrometheusSource } from './index.ts';

/** A local fake of Prometheus' /api/v1/query: answers by the query text, as the real API would. */
const ANSWERS: Record<string, { status: number; body: unknown }> = {
  'histogram_quantile(0.95, rate(http_seconds_bucket[5m])) * 1000': {
    status: 200,
    body: {
      status: 'success',
      data: {
        resultType: 'vector',
        result: [
          { metric: { pod: 'a' }, value: [1, '200'] },
          { metric: { pod: 'b' }, value: [1, '400'] },
          { metric: { pod: 'c' }, value: [1, 'NaN'] },
        ],
      },
    },
  },
  'scalar(errors)': { status: 200, body: { status: 'success', data: { resultType: 'scalar', result: [1, '4.1'] } } },
  empty: { status: 200, body: { status: 'success', data: { resultType: 'vector', result: [] } } },
  'bad(': { status: 400, body: { status: 'error', errorType: 'bad_data', error: 'parse error at char 5' } },
};
const seen: string[] = [];
let server: Server;
let base = '';
beforeAll(async () => {
  server = createServer((req, res) => {
    const u = new URL(req.url!, 'http://x');
    if (u.pathname !== '/prom/api/v1/query') return void res.writeHead(404).end();
    const q = u.searchParams.get('query') ?? '';
    seen.push(q);
    const a = ANSWERS[q] ?? { status: 503, body: 'unavailable' };
    res.writeHead(a.status, { 'content-type': 'application/json' }).end(typeof a.body === 'string' ? a.body : JSON.stringify(a.body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prom`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const run = async (
  queries: { component: string; metric: 'response_time_ms' | 'error_rate_percent' | 'latency_ms' | 'uptime_percent'; query: string }[],
) => {
  const recorded: KpiSampleInput[] = [];
  const health: SourceHealth = { state: 'pending' };
  const source = new PrometheusSource({ id: 'prom', type: 'prometheus', url: base, interval: 60_000, queries });
  await source.pollOnce({
    emit: async () => undefined,
    recordSamples: async (s) => void recorded.push(...s),
    log: pino({ level: 'silent' }),
    signal: new AbortController().signal,
    health,
  });
  return { recorded, health };
};

describe('prometheus KPI source against a fake /api/v1/query', () => {
  it('records a vector as the mean of its finite series and a scalar as is', async () => {
    const { recorded, health } = await run([
      { component: 'messaging', metric: 'response_time_ms', query: 'histogram_quantile(0.95, rate(http_seconds_bucket[5m])) * 1000' },
      { component: 'messaging', metric: 'error_rate_percent', query: 'scalar(errors)' },
      { component: 'calls', metric: 'latency_ms', query: 'empty' },
    ]);
    expect(recorded.map((s) => [s.component, s.metric, s.value])).toEqual([
      ['messaging', 'response_time_ms', 300],
      ['messaging', 'error_rate_percent', 4.1],
    ]);
    expect(seen).toContain('histogram_quantile(0.95, rate(http_seconds_bucket[5m])) * 1000');
    expect(health.state).toBe('ok');
  });

  it('reports API errors and unreachable answers in health, keeping the good results', async () => {
    const { recorded, health } = await run([
      { component: 'messaging', metric: 'error_rate_percent', query: 'bad(' },
      { component: 'messaging', metric: 'uptime_percent', query: 'down' },
      { component: 'messaging', metric: 'error_rate_percent', query: 'scalar(errors)' },
    ]);
    expect(recorded).toHaveLength(1);
    expect(health.state).toBe('error');
    expect(health.lastError).toContain('bad_data: parse error at char 5');
    expect(health.lastError).toContain('HTTP 503');
  });
});
