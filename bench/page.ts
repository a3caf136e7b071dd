/**
 * Status page benchmark: 20 components × 90 days of rollups (hourly response-time, latency and
 * probe samples, a weekly outage per component in the status history), rendered in every locale.
 * `render`: one language's page from the figures of the current state (a page-cache miss);
 * `stateChange`: reading every component's figures from the KPI engine again after a status or story
 * changed (once per change, for all languages); `served`: `GET /` over HTTP through the per-locale cache.
 * Run: `node bin/run-ts.js bench/page.ts` (or through `npm run bench`). Writes bench/results/page.json.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestApp } from '../test/helpers/app.ts';
import { SUPPORTED_LOCALES } from '../src/i18n/locales.ts';
import { DAY, HOUR, MINUTE } from '../src/kpi/engine.ts';
import type { KpiSampleInput } from '../src/kpi/model.ts';
import { forgetFigures, gatherPage } from '../src/web/data.ts';
import { renderHome } from '../src/web/html.ts';
import { writeResult } from './results.ts';

export interface PageBenchResult {
  readonly components: number;
  readonly days: number;
  readonly samples: number;
  readonly renders: number;
  readonly bytesMax: number;
  readonly renderP50Ms: number;
  readonly renderP99Ms: number;
  readonly stateChangeP50Ms: number;
  readonly stateChangeP99Ms: number;
  readonly servedP50Ms: number;
  readonly servedP99Ms: number;
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))]! * 100) / 100;
};

export const runPageBench = async (components = 20, days = 90, rounds = 10): Promise<PageBenchResult> => {
  const ids = Array.from({ length: components }, (_, i) => `component-${i}`);
  const yaml = `
service: { name: Bench, locales: [${SUPPORTED_LOCALES.join(', ')}] }
components:
${ids.map((id, i) => `  - { id: ${id}, group: "Group ${i % 4}", name: "Component ${i}" }`).join('\n')}
`;
  const t = await startTestApp(yaml);
  const { app } = t;
  const end = Math.floor(Date.now() / MINUTE) * MINUTE;
  const start = end - days * DAY + HOUR;
  let samples = 0;
  for (let day = start; day < end; day += DAY) {
    const batch: KpiSampleInput[] = [];
    for (let h = day; h < Math.min(day + DAY, end); h += HOUR) {
      const at = new Date(h).toISOString();
      for (const [n, id] of ids.entries()) {
        const base = 120 + n * 7 + ((h / HOUR) % 11) * 9;
        batch.push(
          { component: id, metric: 'response_time_ms', value: base, at },
          { component: id, metric: 'latency_ms', value: base / 4, at },
          { component: id, metric: 'up', value: (h / HOUR) % 97 === n ? 0 : 1, at },
        );
      }
    }
    await app.recordSamples('bench', batch);
    samples += batch.length;
  }
  const engine = app.kpiService!.engine;
  await engine.flush();
  for (const [n, id] of ids.entries()) {
    await engine.noteStatuses([{ id, status: 'operational' }], start);
    for (let d = start + (n % 7) * DAY; d < end; d += 7 * DAY) {
      await engine.noteStatuses([{ id, status: 'major_outage' }], d + 3 * HOUR);
      await engine.noteStatuses([{ id, status: 'operational' }], d + 3 * HOUR + 20 * MINUTE);
    }
  }
  const render: number[] = [];
  const change: number[] = [];
  let bytesMax = 0;
  for (let r = 0; r < rounds; r++) {
    // A state change: every figure is read from the engine again (its past days stay cached, as in a running bot).
    forgetFigures(app.statusPage);
    const t0 = performance.now();
    await gatherPage(app.statusPage, 'en', new Date().toISOString());
    change.push(performance.now() - t0);
    // Then each language renders from the same figures: what a page cache miss costs.
    for (const locale of SUPPORTED_LOCALES) {
      const t1 = performance.now();
      const html = renderHome(await gatherPage(app.statusPage, locale, new Date().toISOString()), app.translator);
      render.push(performance.now() - t1);
      bytesMax = Math.max(bytesMax, Buffer.byteLength(html));
    }
  }
  const served: number[] = [];
  for (let r = 0; r < rounds * 5; r++)
    for (const locale of SUPPORTED_LOCALES) {
      const t0 = performance.now();
      await (await fetch(`${t.baseUrl}/?lang=${locale}`)).arrayBuffer();
      served.push(performance.now() - t0);
    }
  await t.stop();
  return {
    components,
    days,
    samples,
    renders: render.length,
    bytesMax,
    renderP50Ms: quantile(render, 0.5),
    renderP99Ms: quantile(render, 0.99),
    stateChangeP50Ms: quantile(change, 0.5),
    stateChangeP99Ms: quantile(change, 0.99),
    servedP50Ms: quantile(served, 0.5),
    servedP99Ms: quantile(served, 0.99),
  };
};

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const result = await runPageBench();
  writeResult('page', result);
  console.log(JSON.stringify(result, null, 2));
}
