/**
 * KPI benchmark: store size and memory for 20 components × 90 days of per-minute rollups, and the
 * time to compute a 90-day summary (cold: nothing cached; warm: past days cached).
 * Run: `node bin/run-ts.js bench/kpi.ts` (or through `npm run bench`). Prints JSON and writes
 * bench/results/kpi.json.
 */
import { mkdtempSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { openStore } from '../src/storage/store.ts';
import { DAY, HOUR, KpiEngine, MINUTE } from '../src/kpi/engine.ts';
import type { KpiSampleInput } from '../src/kpi/model.ts';
import { writeResult } from './results.ts';

export interface KpiBenchResult {
  readonly components: number;
  readonly days: number;
  readonly minuteBuckets: number;
  readonly samples: number;
  readonly storeKeys: number;
  readonly storeBytes: number;
  readonly bytesPerComponentDay: number;
  readonly rssMb: number;
  /** Heap in use after a full GC, with the engine open and 20 × 90 day summaries cached. */
  readonly heapUsedMb: number;
  readonly loadSeconds: number;
  readonly summary90dColdMs: number;
  readonly summary90dWarmMs: number;
  readonly summary24hMs: number;
  readonly figures: unknown;
}

const mb = (n: number) => Math.round((n / 1024 / 1024) * 10) / 10;

/** A full GC before measuring, so the figure is what the engine keeps, not garbage. */
const collect = (): void => {
  setFlagsFromString('--expose_gc');
  (runInNewContext('gc') as () => void)();
};

export const runKpiBench = async (components = 20, days = 90): Promise<KpiBenchResult> => {
  const dir = mkdtempSync(join(tmpdir(), 'sr-bench-kpi-'));
  const file = join(dir, 'kpi.sqlite');
  const end = Math.floor(Date.now() / MINUTE) * MINUTE;
  const start = end - days * DAY + MINUTE;
  const clock = { now: end };
  const store = await openStore(`sqlite://${file}`);
  const engine = await KpiEngine.open(store, { now: () => clock.now, flushDelayMs: 60_000 });
  const ids = Array.from({ length: components }, (_, i) => `component-${i}`);
  const loadStarted = performance.now();
  let samples = 0;
  // A realistic shape: one probe per component per minute (response time, latency, success), a
  // daily busy hour that is slower, and one short outage per component per week.
  for (let day = start; day < end; day += DAY) {
    const batch: KpiSampleInput[] = [];
    for (let t = day; t < Math.min(day + DAY, end + MINUTE); t += MINUTE) {
      const at = new Date(t).toISOString();
      const busy = new Date(t).getUTCHours() === 14;
      for (const [n, id] of ids.entries()) {
        const base = 120 + n * 7 + (busy ? 300 : 0) + ((t / MINUTE) % 37) * 3;
        const failing = Math.floor(t / DAY) % 7 === n % 7 && new Date(t).getUTCHours() === 3 && new Date(t).getUTCMinutes() < 20;
        batch.push(
          { component: id, metric: 'response_time_ms', value: base, at },
          { component: id, metric: 'latency_ms', value: base / 4, at },
          { component: id, metric: 'up', value: failing ? 0 : 1, at },
        );
      }
    }
    await engine.record('bench', batch);
    samples += batch.length;
    await engine.flush();
  }
  for (const [n, id] of ids.entries()) {
    await engine.noteStatuses([{ id, status: 'operational' }], start);
    for (let d = start + (n % 7) * DAY; d < end; d += 7 * DAY) {
      await engine.noteStatuses([{ id, status: 'major_outage' }], d + 3 * HOUR);
      await engine.noteStatuses([{ id, status: 'operational' }], d + 3 * HOUR + 20 * MINUTE);
    }
  }
  await engine.stop();
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  await store.close();

  // A fresh process-like start: new connection, new engine, empty caches.
  const store2 = await openStore(`sqlite://${file}`);
  const fresh = await KpiEngine.open(store2, { now: () => clock.now });
  let storeKeys = 0;
  for await (const _ of store2.namespace('kpi-rollups').entries()) storeKeys++;
  collect();
  const t0 = performance.now();
  const cold = await fresh.summary('all', '90d');
  const summary90dColdMs = performance.now() - t0;
  const t1 = performance.now();
  await fresh.summary('all', '90d');
  const summary90dWarmMs = performance.now() - t1;
  const t2 = performance.now();
  await fresh.summary('all', '24h');
  const summary24hMs = performance.now() - t2;
  collect();
  const mem = process.memoryUsage();
  await fresh.stop();
  await store2.close();
  const storeBytes = ['', '-wal', '-shm']
    .map((s) => `${file}${s}`)
    .filter((f) => existsSync(f))
    .reduce((sum, f) => sum + statSync(f).size, 0);
  rmSync(dir, { recursive: true, force: true });
  return {
    components,
    days,
    minuteBuckets: components * Math.round((end - start) / MINUTE + 1),
    samples,
    storeKeys,
    storeBytes,
    bytesPerComponentDay: Math.round(storeBytes / (components * days)),
    rssMb: mb(mem.rss),
    heapUsedMb: mb(mem.heapUsed),
    loadSeconds: Math.round(loadSeconds * 10) / 10,
    summary90dColdMs: Math.round(summary90dColdMs),
    summary90dWarmMs: Math.round(summary90dWarmMs),
    summary24hMs: Math.round(summary24hMs),
    figures: { uptimePercent: cold.uptimePercent, response: cold.response, errorRatePercent: cold.errorRatePercent, checks: cold.checks },
  };
};

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const result = await runKpiBench();
  writeResult('kpi', result);
  console.log(JSON.stringify(result, null, 2));
}
