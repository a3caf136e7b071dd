import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceConfig } from '../../core/config.ts';
import type { StatusChange } from '../../core/model.ts';
import type { SourceContext, SourceHealth } from '../source.ts';
import type { KpiSampleInput } from '../../kpi/model.ts';
import { ProbeSource, checkOnce, classifyError } from './index.ts';
import { ProbeState } from './state.ts';

type Mode = 'ok' | 'slow' | '5xx' | '404' | 'reset' | 'hang' | 'wrongbody' | 'resetMidBody';

/** A local server that misbehaves on demand: each request takes the next mode of the script. */
class BadServer {
  readonly script: Mode[] = [];
  fallback: Mode = 'ok';
  private server!: Server;
  private readonly hanging = new Set<ServerResponse>();
  url = '';

  async listen(): Promise<void> {
    this.server = createServer((req, res) => {
      const mode = this.script.shift() ?? this.fallback;
      switch (mode) {
        case 'ok':
          return void res.end('{"status":"ok"}');
        case 'slow':
          return void setTimeout(() => res.end('{"status":"ok"}'), 150);
        case '5xx':
          return void res.writeHead(503).end('busy');
        case '404':
          return void res.writeHead(404).end('nope');
        case 'wrongbody':
          return void res.end('<html>maintenance page</html>');
        case 'reset':
          return void req.socket.destroy();
        case 'resetMidBody':
          res.writeHead(200, { 'content-length': '1000' });
          res.write('{"status":');
          return void setTimeout(() => req.socket.destroy(), 20);
        case 'hang':
          this.hanging.add(res);
      }
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/health`;
  }

  async close(): Promise<void> {
    for (const r of this.hanging) r.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

const probeConfig = (
  url: string,
  over: Partial<Extract<SourceConfig, { type: 'probe' }>> = {},
): Extract<SourceConfig, { type: 'probe' }> => ({
  id: 'api-probe',
  type: 'probe',
  component: 'api',
  url,
  method: 'GET',
  interval: 1000,
  timeout: 400,
  expectBody: '"ok"',
  degradedLatencyMs: 100,
  errorRatePercent: 5,
  failuresToDown: 3,
  successesToUp: 2,
  ...over,
});

const server = new BadServer();
beforeAll(() => server.listen());
afterAll(() => server.close());

describe('probe checks against a misbehaving server', () => {
  it.each<[Mode, string | undefined]>([
    ['ok', undefined],
    ['5xx', 'http_5xx'],
    ['404', 'http_status'],
    ['wrongbody', 'body_mismatch'],
    ['reset', 'reset'],
    ['resetMidBody', 'reset'],
    ['hang', 'timeout'],
  ])('%s → %s', async (mode, failure) => {
    server.script.push(mode);
    const r = await checkOnce(probeConfig(server.url));
    expect(r.failure).toBe(failure);
    if (mode === 'ok') {
      expect(r.httpStatus).toBe(200);
      expect(r.latencyMs).toBeGreaterThan(0);
      expect(r.responseMs).toBeGreaterThanOrEqual(r.latencyMs!);
    }
    if (mode === 'hang') expect(r.responseMs).toBeGreaterThanOrEqual(390);
  });

  it('a slow answer succeeds but measures over the degraded threshold', async () => {
    server.script.push('slow');
    const r = await checkOnce(probeConfig(server.url));
    expect(r.failure).toBeUndefined();
    expect(r.responseMs).toBeGreaterThanOrEqual(140);
  });

  it('refused connection and TLS failure are told apart', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    expect((await checkOnce(probeConfig(`http://127.0.0.1:${port}/`))).failure).toBe('refused');
    // Speaking TLS to a plain-HTTP port fails the handshake.
    expect((await checkOnce(probeConfig(server.url.replace('http:', 'https:')))).failure).toBe('tls');
  });

  it('classifies a DNS failure as undici reports it', () => {
    const cause = Object.assign(new Error('getaddrinfo ENOTFOUND api.example.invalid'), { code: 'ENOTFOUND' });
    expect(classifyError(new TypeError('fetch failed', { cause }), false)).toBe('dns');
  });
});

describe('probe status: confirmation counts, no flapping', () => {
  const run = async (modes: Mode[], over: Partial<Extract<SourceConfig, { type: 'probe' }>> = {}) => {
    const changes: StatusChange[] = [];
    const samples: KpiSampleInput[] = [];
    const health: SourceHealth = { state: 'pending' };
    const ctx: SourceContext = {
      emit: async (c) => void changes.push(c),
      recordSamples: async (s) => void samples.push(...s),
      log: pino({ level: 'silent' }),
      signal: new AbortController().signal,
      health,
    };
    const probe = new ProbeSource(probeConfig(server.url, over));
    const statuses: (string | undefined)[] = [];
    for (const m of modes) {
      server.script.push(m);
      await probe.pollOnce(ctx);
      statuses.push(probe.state.status);
    }
    const emitted = changes.map((c) => (c.kind === 'component' ? c.component.status : c.kind));
    return { emitted, samples, health, statuses };
  };

  it('single bad samples of every kind never change the status', async () => {
    // (An error-rate threshold of 50 % so that only the confirmation counts are tested here.)
    const { emitted } = await run(['ok', 'ok', '5xx', 'ok', 'reset', 'ok', 'slow', 'ok', 'wrongbody', 'ok', 'hang', 'ok', 'ok'], {
      errorRatePercent: 50,
    });
    expect(emitted).toEqual(['operational']);
  });

  it('goes down after 3 failures in a row and up after 2 successes, once each', async () => {
    const { emitted, statuses, samples, health } = await run([
      'ok',
      'ok',
      'reset',
      '5xx',
      'hang',
      'hang',
      'ok',
      'reset',
      'reset',
      'ok',
      'ok',
      'ok',
    ]);
    expect(emitted).toEqual(['operational', 'major_outage', 'operational']);
    expect(statuses[4]).toBe('major_outage');
    expect(statuses[6]).toBe('major_outage'); // one success is not a recovery
    expect(statuses[10]).toBe('operational');
    // Every check gave an `up` sample; only answered ones a response time.
    expect(samples.filter((s) => s.metric === 'up')).toHaveLength(12);
    expect(samples.filter((s) => s.metric === 'up' && s.value === 0)).toHaveLength(6);
    // The 503 was answered (it has a response time); resets and time-outs were not.
    expect(samples.filter((s) => s.metric === 'response_time_ms').length).toBe(7);
    expect(health.state).toBe('ok');
  });

  it('slow answers in a row degrade, and sporadic errors above the rate degrade without a streak', async () => {
    const slow = await run(['ok', 'ok', 'slow', 'slow', 'slow', 'ok', 'ok']);
    expect(slow.emitted).toEqual(['operational', 'degraded_performance', 'operational']);
    // One failure in every four checks (25 % > 5 %) never makes a streak of 3.
    const sporadic = await run(['ok', 'ok', ...Array.from({ length: 12 }, (_, i): Mode => (i % 4 === 3 ? '5xx' : 'ok'))]);
    expect(sporadic.emitted).toEqual(['operational', 'degraded_performance']);
  });

  it('the state machine alone: alternating good and bad checks never flap', () => {
    const s = new ProbeState({ degradedLatencyMs: 100, errorRatePercent: 50, failuresToDown: 3, successesToUp: 2 });
    const changes: string[] = [];
    for (let i = 0; i < 200; i++) {
      const c = s.observe(i % 2 ? { responseMs: 10, failure: 'reset' } : { responseMs: 10, latencyMs: 5 });
      if (c) changes.push(c);
    }
    expect(changes).toEqual([]);
  });
});
