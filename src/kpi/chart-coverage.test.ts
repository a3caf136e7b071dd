import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../storage/store.ts';
import { Translator } from '../i18n/i18n.ts';
import { KpiService } from './service.ts';
import { DAY } from './engine.ts';

const T0 = Date.parse('2026-03-01T01:43:00Z');
const stores: Store[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

const service = async (clock: { now: number }) => {
  const store = await openStore(`sqlite://${join(mkdtempSync(join(tmpdir(), 'sr-chart-')), 'kpi.sqlite')}`);
  stores.push(store);
  return KpiService.open({
    store,
    translator: await Translator.create(),
    serviceName: 'Chatter',
    timezone: 'UTC',
    log: pino({ level: 'silent' }),
    componentName: (id) => id,
    resolve: (n) => n,
    now: () => clock.now,
  });
};

describe('the chart says what its 90-day totals cover', () => {
  it.each([
    ['en', 'Uptime per component, last 90 days · since'],
    ['zh-CN', '· '],
  ])('%s: 40 s of data is labelled as such, 91 days of data as the window', async (locale, expected) => {
    const clock = { now: T0 };
    const kpi = await service(clock);
    await kpi.noteStatuses([{ id: 'messaging', status: 'operational' }], T0);
    clock.now = T0 + 40_000;
    const partial = await kpi.chartInput('all', '7d', locale);
    expect(partial.uptimeTitle).toContain(expected);
    expect(partial.uptimeTitle).toMatch(/40/);
    clock.now = T0 + 91 * DAY;
    await kpi.noteStatuses([{ id: 'messaging', status: 'operational' }], clock.now);
    const full = await kpi.chartInput('all', '7d', locale);
    expect(full.uptimeTitle).not.toMatch(/·/);
    await kpi.stop();
  });
});
