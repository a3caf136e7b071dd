import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../storage/store.ts';
import { DAY, HOUR, KpiEngine, MINUTE } from './engine.ts';

const T0 = Date.parse('2026-03-01T00:00:00Z');
const iso = (t: number) => new Date(t).toISOString();
const stores: Store[] = [];

const setup = async (start = T0) => {
  const clock = { now: start };
  const url = `sqlite://${join(mkdtempSync(join(tmpdir(), 'sr-kpi-')), 'kpi.sqlite')}`;
  const store = await openStore(url);
  stores.push(store);
  const engine = await KpiEngine.open(store, { now: () => clock.now, flushDelayMs: 10 });
  return { clock, store, engine, url };
};

afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

describe('uptime from recorded status history', () => {
  it('counts a component that changed status mid-window by the time it spent in each status', async () => {
    const { clock, engine } = await setup();
    await engine.noteStatuses([{ id: 'api', status: 'operational' }], T0);
    await engine.noteStatuses([{ id: 'api', status: 'major_outage' }], T0 + 22 * HOUR);
    await engine.noteStatuses([{ id: 'api', status: 'operational' }], T0 + 23 * HOUR);
    clock.now = T0 + 24 * HOUR;
    // 23 h up out of 24 h observed.
    expect((await engine.summary(['api'], '24h')).uptimePercent).toBeCloseTo((23 / 24) * 100, 10);
    // 7d window: only 24 h were ever observed, so the same.
    expect((await engine.summary(['api'], '7d')).uptimePercent).toBeCloseTo((23 / 24) * 100, 10);
    expect(engine.cached(['api'])?.uptimePercent).toBeCloseTo((23 / 24) * 100, 10);
    await engine.stop();
  });

  it('weights a partial outage 30 % down and leaves maintenance out', async () => {
    const { clock, engine } = await setup();
    await engine.noteStatuses([{ id: 'db', status: 'operational' }], T0);
    await engine.noteStatuses([{ id: 'db', status: 'partial_outage' }], T0 + 10 * HOUR);
    await engine.noteStatuses([{ id: 'db', status: 'under_maintenance' }], T0 + 20 * HOUR);
    await engine.noteStatuses([{ id: 'db', status: 'degraded_performance' }], T0 + 22 * HOUR);
    clock.now = T0 + 24 * HOUR;
    // observed = 10 + 10 + 2 = 22 h; up = 10 + 7 + 2 = 19 h.
    expect((await engine.summary(['db'], '24h')).uptimePercent).toBeCloseTo((19 / 22) * 100, 10);
    await engine.stop();
  });

  it('does not count the time the bot was down after a restart (gap)', async () => {
    const { clock, engine, store, url } = await setup();
    await engine.noteStatuses([{ id: 'api', status: 'operational' }], T0);
    clock.now = T0 + 2 * HOUR;
    await engine.stop();
    await store.close();
    // Restart 4 h later: that time is unknown; then an outage for 2 h.
    const store2 = await openStore(url);
    stores.push(store2);
    clock.now = T0 + 6 * HOUR;
    const again = await KpiEngine.open(store2, { now: () => clock.now });
    await again.noteStatuses([{ id: 'api', status: 'major_outage' }]);
    clock.now = T0 + 8 * HOUR;
    // observed: 2 h up + 2 h down; the 4 h gap counts neither way.
    expect((await again.summary(['api'], '24h')).uptimePercent).toBeCloseTo(50, 10);
    expect(again.history('api').map((e) => e.s)).toEqual(['operational', null, 'major_outage']);
    await again.stop();
  });

  it('overall uptime is time-weighted over components', async () => {
    const { clock, engine } = await setup();
    await engine.noteStatuses(
      [
        { id: 'a', status: 'operational' },
        { id: 'b', status: 'major_outage' },
      ],
      T0,
    );
    await engine.noteStatuses([{ id: 'b', status: 'operational' }], T0 + 6 * HOUR);
    clock.now = T0 + 24 * HOUR;
    // a: 24 h up; b: 18 h up → 42 / 48.
    expect((await engine.figures('all', '24h'))?.uptimePercent).toBeCloseTo(87.5, 10);
    await engine.stop();
  });
});

describe('rollups: response time, error rate, windows', () => {
  it('computes mean exactly and p50/p95/p99 within 1 % from the sketch, per window', async () => {
    const { clock, engine } = await setup(T0 + 10 * DAY);
    const now = clock.now;
    // Inside 24 h: 1..100 ms, one per minute. Three days ago: 10 samples of 5000 ms (7d only).
    const recent = Array.from({ length: 100 }, (_, i) => ({
      component: 'api',
      metric: 'response_time_ms' as const,
      value: i + 1,
      at: iso(now - (i + 1) * MINUTE),
    }));
    const old = Array.from({ length: 10 }, (_, i) => ({
      component: 'api',
      metric: 'response_time_ms' as const,
      value: 5000,
      at: iso(now - 3 * DAY - i * MINUTE),
    }));
    await engine.record('t', [...recent, ...old]);
    const day = await engine.summary(['api'], '24h');
    expect(day.response?.count).toBe(100);
    expect(day.response?.meanMs).toBeCloseTo(50.5, 10);
    expect(day.response!.p50Ms).toBeGreaterThan(50 * 0.99);
    expect(day.response!.p50Ms).toBeLessThan(50 * 1.01);
    expect(day.response!.p95Ms / 95).toBeCloseTo(1, 1);
    expect(Math.abs(day.response!.p99Ms - 99) / 99).toBeLessThan(0.01);
    const week = await engine.summary(['api'], '7d');
    expect(week.response?.count).toBe(110);
    expect(week.response?.meanMs).toBeCloseTo((5050 + 50_000) / 110, 8);
    expect(Math.abs(week.response!.p99Ms - 5000) / 5000).toBeLessThan(0.01);
    // Same figures after a flush, from a fresh engine over the same store.
    await engine.flush();
    expect((await engine.summary(['api'], '7d')).response?.count).toBe(110);
    await engine.stop();
  });

  it('window edges are minute-exact: a sample at the start counts, one just before does not', async () => {
    const { clock, engine } = await setup(T0 + 5 * DAY + 30 * MINUTE);
    const from = clock.now - DAY;
    await engine.record('t', [
      { component: 'api', metric: 'latency_ms', value: 10, at: iso(from) },
      { component: 'api', metric: 'latency_ms', value: 999, at: iso(from - MINUTE) },
    ]);
    const s = await engine.summary(['api'], '24h');
    expect(s.latency?.count).toBe(1);
    expect(s.latency?.meanMs).toBe(10);
    expect((await engine.summary(['api'], '7d')).latency?.count).toBe(2);
    await engine.stop();
  });

  it('error rate comes from checks (up samples), else from pushed percentages; gaps are just absent', async () => {
    const { engine } = await setup(T0 + DAY);
    const checks = Array.from({ length: 20 }, (_, i) => ({
      component: 'api',
      metric: 'up' as const,
      value: i === 7 ? 0 : 1,
      at: iso(T0 + DAY - (i * 30 + 1) * MINUTE),
    }));
    await engine.record('t', checks);
    await engine.record('t', [
      { component: 'web', metric: 'error_rate_percent', value: 2 },
      { component: 'web', metric: 'error_rate_percent', value: 6 },
    ]);
    expect((await engine.summary(['api'], '24h')).errorRatePercent).toBeCloseTo(5, 10);
    expect((await engine.summary(['api'], '24h')).checks).toBe(20);
    expect((await engine.summary(['web'], '24h')).errorRatePercent).toBeCloseTo(4, 10);
    expect(engine.cached(['api'])?.errorRatePercent).toBeCloseTo(5, 10);
    // Overall: the mean of the components' rates (pushed percentages have no counts to weight by).
    expect((await engine.summary('all', '24h')).errorRatePercent).toBeCloseTo(4.5, 10);
    expect(engine.cached([])?.errorRatePercent).toBeCloseTo(4.5, 10);
    await engine.stop();
  });

  it('uses pushed uptime % only for components without status history', async () => {
    const { engine } = await setup(T0 + DAY);
    await engine.record('t', [
      { component: 'cdn', metric: 'uptime_percent', value: 99 },
      { component: 'cdn', metric: 'uptime_percent', value: 97 },
    ]);
    expect((await engine.summary(['cdn'], '24h')).uptimePercent).toBeCloseTo(98, 10);
    await engine.stop();
  });

  it('drops samples older than 90 days and compacts expired rollups away', async () => {
    const { clock, engine, store } = await setup(T0 + 100 * DAY);
    await engine.record('t', [{ component: 'api', metric: 'response_time_ms', value: 5, at: iso(clock.now - 91 * DAY) }]);
    await engine.record('t', [{ component: 'api', metric: 'response_time_ms', value: 5, at: iso(clock.now - 89 * DAY) }]);
    await engine.flush();
    expect((await engine.summary(['api'], '90d')).response?.count).toBe(1);
    let keys = 0;
    for await (const _ of store.namespace('kpi-rollups').entries()) keys++;
    expect(keys).toBe(1);
    clock.now += 2 * DAY;
    expect(await engine.compact()).toBe(1);
    expect((await engine.summary(['api'], '90d')).response).toBeUndefined();
    await engine.stop();
  });

  it('a restarted engine reads back what was flushed (24 h cache included)', async () => {
    const { clock, engine, store, url } = await setup(T0 + DAY);
    await engine.record('t', [{ component: 'api', metric: 'response_time_ms', value: 200 }]);
    await engine.stop();
    await store.close();
    const store2 = await openStore(url);
    stores.push(store2);
    const again = await KpiEngine.open(store2, { now: () => clock.now });
    expect(again.cached(['api'])?.responseP50Ms).toBeCloseTo(200, -1);
    expect((await again.figures(['api'], '24h'))?.responseP95Ms).toBeCloseTo(200, -1);
    await again.stop();
  });

  it('a late sample for a finished day updates its stored summary (seen after a restart too)', async () => {
    const { clock, engine, store, url } = await setup(T0 + 10 * DAY);
    const day = T0 + 8 * DAY;
    await engine.record('t', [{ component: 'api', metric: 'response_time_ms', value: 100, at: iso(day + HOUR) }]);
    await engine.flush();
    expect((await engine.summary(['api'], '7d')).response?.count).toBe(1);
    await engine.record('t', [{ component: 'api', metric: 'response_time_ms', value: 300, at: iso(day + 2 * HOUR) }]);
    expect((await engine.summary(['api'], '7d')).response?.meanMs).toBe(200);
    await engine.stop();
    await store.close();
    const store2 = await openStore(url);
    stores.push(store2);
    const again = await KpiEngine.open(store2, { now: () => clock.now });
    expect((await again.summary(['api'], '7d')).response).toMatchObject({ count: 2, meanMs: 200 });
    await again.stop();
  });
});
