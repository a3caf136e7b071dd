import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { openStore, type Store } from '../storage/store.ts';
import { COVERED_SHARE, DAY, HOUR, KpiEngine, MINUTE } from './engine.ts';
import { apiStatusSchema, apiWindow, kpiWindowSchema } from './api.ts';

const T0 = Date.parse('2026-03-01T00:00:00Z');
const iso = (t: number) => new Date(t).toISOString();
const stores: Store[] = [];

const setup = async (url = `sqlite://${join(mkdtempSync(join(tmpdir(), 'sr-cov-')), 'kpi.sqlite')}`, clock = { now: T0 }) => {
  const store = await openStore(url);
  stores.push(store);
  const engine = await KpiEngine.open(store, { now: () => clock.now, flushDelayMs: 10 });
  return { clock, store, engine, url };
};

afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

describe('coverage of a window', () => {
  it('starts at the first status or sample, is covered from 95 % of the window, and survives a restart', async () => {
    const { clock, engine, url, store } = await setup();
    expect(engine.coverage(['api'], T0 - DAY, T0)).toMatchObject({ coveredMs: 0, covered: false, known: false });
    await engine.record('s', [{ component: 'api', metric: 'up', value: 1, at: iso(T0 - 10 * MINUTE) }]);
    await engine.noteStatuses([{ id: 'api', status: 'operational' }], T0);
    expect(engine.coverage(['api'], T0 - DAY, T0)).toEqual({
      windowMs: DAY,
      coveredFrom: iso(T0 - 10 * MINUTE),
      coveredMs: 10 * MINUTE,
      covered: false,
      known: true,
    });
    const edge = T0 - 10 * MINUTE + COVERED_SHARE * DAY;
    expect(engine.coverage(['api'], edge - DAY, edge).covered).toBe(true);
    expect(engine.coverage(['api'], edge - 1 - DAY, edge - 1).covered).toBe(false);
    // Older data than the window: covered from the window's start.
    clock.now = T0 + 2 * DAY;
    expect(engine.coverage(['api'], clock.now - DAY, clock.now)).toMatchObject({
      coveredFrom: iso(clock.now - DAY),
      coveredMs: DAY,
      covered: true,
    });
    await engine.stop();
    await store.close();
    const again = await setup(url, clock);
    expect(again.engine.coverage(['api'], clock.now - 7 * DAY, clock.now)).toMatchObject({
      coveredFrom: iso(T0 - 10 * MINUTE),
      covered: false,
    });
    await again.engine.stop();
  });

  it('a store from before coverage existed: the start comes from the stored rollups and history', async () => {
    const { clock, engine, url, store } = await setup();
    await engine.record('s', [{ component: 'pushed', metric: 'response_time_ms', value: 90, at: iso(T0 - 30 * HOUR - 5 * MINUTE) }]);
    await engine.noteStatuses([{ id: 'watched', status: 'operational' }], T0 - 2 * HOUR);
    await engine.stop();
    await store.namespace('kpi-meta').delete('firstSeen');
    await store.close();
    const again = await setup(url, clock);
    expect(again.engine.coverage(['pushed'], T0 - 7 * DAY, T0).coveredFrom).toBe(iso(T0 - 30 * HOUR - 5 * MINUTE));
    expect(again.engine.coverage(['watched'], T0 - 7 * DAY, T0).coveredFrom).toBe(iso(T0 - 2 * HOUR));
    expect(again.engine.coverage('all', T0 - DAY, T0).covered).toBe(true);
    await again.engine.stop();
  });

  it('the synchronous 24 h figures equal the stored 24 h summary, minute for minute', async () => {
    const { clock, engine } = await setup();
    await engine.noteStatuses([{ id: 'api', status: 'operational' }], T0);
    for (let m = 0; m < 30 * 60; m += 7) {
      await engine.record('s', [
        { component: 'api', metric: 'up', value: m % 5 === 0 ? 0 : 1, at: iso(T0 + m * MINUTE + 13_000) },
        { component: 'api', metric: 'response_time_ms', value: 100 + (m % 300), at: iso(T0 + m * MINUTE + 13_000) },
      ]);
    }
    await engine.noteStatuses([{ id: 'api', status: 'major_outage' }], T0 + 26 * HOUR);
    clock.now = T0 + 30 * HOUR + 17_000;
    await engine.flush();
    const stored = await engine.summary(['api'], '24h');
    const recent = engine.recentSummary(['api']);
    expect(recent.checks).toBe(stored.checks);
    expect(recent.errorRatePercent).toBe(stored.errorRatePercent);
    expect(recent.response?.p95Ms).toBe(stored.response?.p95Ms);
    expect(recent.uptimePercent).toBe(stored.uptimePercent);
    expect(apiWindow(recent)).toEqual(apiWindow(stored));
    await engine.stop();
  });
});

describe('the /api/status schema', () => {
  it('yields a JSON Schema for an OpenAPI document, and refuses a window without coverage', () => {
    const json = z.toJSONSchema(apiStatusSchema) as { properties: Record<string, unknown> };
    expect(Object.keys(json.properties)).toEqual(['service', 'status', 'components', 'incidents', 'kpis', 'generatedAt']);
    expect(kpiWindowSchema.safeParse({ windowMs: DAY, from: iso(T0 - DAY), to: iso(T0), figures: { checks: 1 } }).success).toBe(false);
  });
});
