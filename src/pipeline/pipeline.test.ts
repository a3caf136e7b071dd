import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Pipeline, jobFor } from './pipeline.ts';
import { KpiEnrichment } from './enrich.ts';
import { Tracker } from '../core/tracker.ts';
import { ComponentCatalog } from '../core/components.ts';
import { FlapGuard } from '../core/flap.ts';
import { Fanout } from '../core/fanout.ts';
import { parseConfigText } from '../core/config.ts';
import { Outbox } from '../delivery/outbox.ts';
import { openStore, type Store } from '../storage/store.ts';
import type { ComponentState, StatusChange, StatusEvent } from '../core/model.ts';

const log = pino({ level: 'silent' });
const config = parseConfigText(
  `
components: [{ id: api, name: API }]
announce: [{ platform: console, chat: ops }, { platform: slack, chat: C1, minSeverity: critical }]
`,
  {},
);
const T = (s: number) => new Date(Date.UTC(2026, 11, 2, 6, 0, s)).toISOString();
const component = (status: ComponentState['status'], s: number): StatusChange => ({
  kind: 'component',
  sourceId: 'page',
  component: { id: 'api', name: 'API', status },
  at: T(s),
});
const snapshot = (s: number, components: ComponentState[] = []): StatusChange => ({
  kind: 'snapshot',
  sourceId: 'page',
  components,
  incidents: [],
  at: T(s),
});

let store: Store;
beforeEach(async () => {
  store = await openStore(`sqlite://${join(mkdtempSync(join(tmpdir(), 'sr-pipeline-')), 'store.sqlite')}`);
});
afterEach(async () => store.close());

/** The real stages on one SQLite store; only the KPI history is a recorder (the KPI engine has its own tests). */
const build = (flap = { windowMs: 60_000, maxPerWindow: 2, settleMs: 0 }) => {
  const catalog = new ComponentCatalog(config.components);
  const tracker = new Tracker(store, catalog);
  const flaps = new FlapGuard(flap, () => store.namespace('flaps'));
  const outbox = new Outbox(store);
  const noted: string[] = [];
  let recorded = 0;
  const pipeline = new Pipeline({
    track: tracker,
    enrich: new KpiEnrichment(
      { noteStatuses: async (cs) => void noted.push(cs.map((c) => `${c.id}=${c.status}`).join(',')) },
      undefined,
      () => Date.parse(T(30)),
    ),
    noise: flaps,
    fanout: new Fanout(store, { announce: config.announce, catalog, defaultLocale: 'en', enabled: () => true, paused: new Set() }),
    outbox,
    recorded: () => recorded++,
    log,
  });
  return { pipeline, tracker, outbox, flaps, noted, recorded: () => recorded };
};

describe('Pipeline: track → enrich → noise → fan-out → outbox (real stages, no App)', () => {
  it('a change becomes one durable job per recipient; the tracker keeps it only after the jobs', async () => {
    const { pipeline, tracker, outbox, recorded } = build();
    await pipeline.process(snapshot(0));
    const events = await pipeline.process(component('partial_outage', 1));
    expect(events.map((e) => e.type)).toEqual(['component']);
    expect(outbox.depth()).toBe(1);
    expect(outbox.queueOf({ platform: 'console', kind: 'channel', chatId: 'ops' })).toHaveLength(1);
    expect(tracker.currentComponents().map((c) => c.status)).toEqual(['partial_outage']);
    // A major outage is critical: the Slack channel that asked for critical only hears it.
    await pipeline.process(component('major_outage', 2));
    expect(outbox.queueOf({ platform: 'slack', kind: 'channel', chatId: 'C1' })).toHaveLength(1);
    expect(recorded()).toBe(2);
    expect(pipeline.counts).toEqual({ changes: 3, events: 2 });
  });

  it('the baseline announces nothing', async () => {
    const { pipeline, outbox } = build();
    expect(await pipeline.process(snapshot(0, [{ id: 'api', name: 'API', status: 'major_outage' }]))).toEqual([]);
    expect(outbox.depth()).toBe(0);
  });

  it('changes run one at a time in arrival order, even when queued together', async () => {
    const { pipeline } = build({ windowMs: 60_000, maxPerWindow: 10, settleMs: 0 });
    await pipeline.process(snapshot(0));
    const all = await Promise.all([1, 2, 3].map((s) => pipeline.process(component(s % 2 ? 'major_outage' : 'operational', s))));
    expect(all.map((events) => (events[0] as Extract<StatusEvent, { type: 'component' }>).component.status)).toEqual([
      'major_outage',
      'operational',
      'major_outage',
    ]);
  });

  it('enrich sees the statuses before fan-out and the tracked state after the commit', async () => {
    const { pipeline, noted } = build();
    await pipeline.process(snapshot(0));
    await pipeline.process(component('partial_outage', 1));
    expect(noted.slice(-2)).toEqual(['api=partial_outage', 'api=partial_outage']);
  });

  it('a flapping component is held back after maxPerWindow, then announced once as a summary', async () => {
    const { pipeline, outbox } = build({ windowMs: 60_000, maxPerWindow: 2, settleMs: 0 });
    await pipeline.process(snapshot(0));
    for (let s = 1; s <= 6; s++) await pipeline.process(component(s % 2 ? 'partial_outage' : 'operational', s));
    expect(outbox.depth()).toBe(2);
    await pipeline.flushFlaps();
    await pipeline.settled();
    expect(outbox.depth()).toBe(3);
    expect(outbox.all().at(-1)?.eventId).toMatch(/:flaps:4$/);
  });

  it('jobFor derives the job id from the event and the target', () => {
    const target = { platform: 'console' as const, kind: 'dm' as const, chatId: 'u1' };
    const job = jobFor({ id: 'e1' }, { target, locale: 'de', origin: 'subscription', priority: 2, holdUntil: 5 });
    expect(job).toMatchObject({ target, locale: 'de', origin: 'subscription', priority: 2, holdUntil: 5 });
    expect(jobFor({ id: 'e1' }, { target, locale: 'en', origin: 'subscription', priority: 2 }).id).toBe(job.id);
  });
});

describe('KpiEnrichment', () => {
  it('dates a change by the source, never in the future', () => {
    const enrich = new KpiEnrichment({ noteStatuses: async () => undefined }, undefined, () => Date.parse(T(10)));
    expect(enrich.timeOf(component('operational', 5))).toBe(Date.parse(T(5)));
    expect(enrich.timeOf(component('operational', 50))).toBe(Date.parse(T(10)));
    expect(enrich.timeOf({ ...component('operational', 5), at: 'not a time' })).toBe(Date.parse(T(10)));
  });

  it('tells the digest every event', async () => {
    const seen: string[] = [];
    const enrich = new KpiEnrichment(
      { noteStatuses: async () => undefined },
      { noteEvents: async (es) => void seen.push(...es.map((e) => e.id)) },
      Date.now,
    );
    const event: StatusEvent = {
      type: 'component',
      id: 'c1',
      component: { id: 'api', name: 'API', status: 'major_outage' },
      previous: 'operational',
      severity: 'major',
      at: T(1),
    };
    await enrich.beforeFanout(component('major_outage', 1), [event]);
    expect(seen).toEqual(['c1']);
  });
});
