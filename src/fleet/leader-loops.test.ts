import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LeaderLoops } from './leader-loops.ts';
import { IngestInbox } from './inbox.ts';
import { Tracker } from '../core/tracker.ts';
import { ComponentCatalog } from '../core/components.ts';
import { FlapGuard } from '../core/flap.ts';
import { Fanout } from '../core/fanout.ts';
import { parseConfigText } from '../core/config.ts';
import { Outbox } from '../delivery/outbox.ts';
import { Delivery } from '../delivery/delivery.ts';
import { RateLimiter } from '../delivery/rate-limit.ts';
import { Pipeline } from '../pipeline/pipeline.ts';
import { buildEventMessage, buildHeldSummary, type RenderContext } from '../messages/index.ts';
import { Translator } from '../i18n/i18n.ts';
import { ConsoleAdapter } from '../adapters/console/index.ts';
import { ExpirySweeper } from '../storage/sweeper.ts';
import { openStore, type Store } from '../storage/store.ts';
import type { StatusChange, StatusEvent } from '../core/model.ts';
import { PassThrough } from 'node:stream';

const log = pino({ level: 'silent' });
const config = parseConfigText('announce: [{ platform: console, chat: ops }]\n', {});
const T = (s: number) => new Date(Date.UTC(2026, 11, 2, 6, 0, s)).toISOString();

let store: Store;
beforeEach(async () => {
  store = await openStore(`sqlite://${join(mkdtempSync(join(tmpdir(), 'sr-loops-')), 'store.sqlite')}`);
});
afterEach(async () => store.close());

/** The leader's real parts on one SQLite store, printing to a console adapter. */
const build = async () => {
  const translator = await Translator.create();
  const ctx = (now: string): RenderContext => ({
    translator,
    serviceName: 'Chatter',
    timezone: 'UTC',
    now,
    fallbackLocale: 'en',
    componentName: (c) => c.name,
    adviceFor: () => [],
  });
  const catalog = new ComponentCatalog([]);
  const tracker = new Tracker(store, catalog);
  const flaps = new FlapGuard(undefined, () => store.namespace('flaps'));
  const outbox = new Outbox(store);
  const inbox = new IngestInbox(store, () => ['page'], log);
  const out = new PassThrough();
  const adapter = new ConsoleAdapter(out);
  let printed = '';
  out.on('data', (c: Buffer) => (printed += c.toString('utf8')));
  const delivery = new Delivery(
    store,
    outbox,
    new Map([['console', adapter]]),
    new RateLimiter(),
    {
      render: (e, locale) => buildEventMessage(e as StatusEvent, locale, ctx(new Date().toISOString())),
      renderHeldSummary: (es, locale) => buildHeldSummary(es, locale, ctx(new Date().toISOString())),
      onTargetGone: async () => undefined,
      onTargetMoved: async () => undefined,
    },
    log,
  );
  const pipeline = new Pipeline({
    track: tracker,
    noise: flaps,
    fanout: new Fanout(store, { announce: config.announce, catalog, defaultLocale: 'en', enabled: () => true, paused: new Set() }),
    outbox,
    recorded: () => delivery.poke(),
    log,
  });
  const started = { sources: 0, leaderAdapters: 0, stoppedAdapters: 0 };
  const loops = new LeaderLoops({
    log,
    now: () => new Date().toISOString(),
    tracker,
    flaps,
    inbox,
    outbox,
    delivery,
    pipeline,
    sweeper: new ExpirySweeper(store, log),
    digest: undefined,
    reminderLeadMs: undefined,
    startLeaderAdapters: async () => {
      started.leaderAdapters++;
      await adapter.start({} as Parameters<ConsoleAdapter['start']>[0]);
    },
    stopLeaderAdapters: async () => void started.stoppedAdapters++,
    startSources: async () => void started.sources++,
  });
  return { loops, inbox, outbox, delivery, pipeline, started, printed: () => printed };
};

const snapshot: StatusChange = { kind: 'snapshot', sourceId: 'page', components: [], incidents: [], at: T(0) };
const outage: StatusChange = {
  kind: 'component',
  sourceId: 'page',
  component: { id: 'api', name: 'API', status: 'partial_outage' },
  at: T(1),
};

describe('LeaderLoops (real stages on SQLite, no App)', () => {
  it('leads once per term: takes over the inbox, delivers, and stops every loop when the term ends', async () => {
    const { loops, inbox, delivery, started, printed } = await build();
    // Accepted before this instance led (a follower's webhook): waiting in the durable inbox.
    await inbox.append('page', [snapshot, outage]);
    const term = new AbortController();
    await loops.lead(term.signal);
    await loops.lead(term.signal);
    expect(loops.leading).toBe(true);
    expect(started).toMatchObject({ sources: 1, leaderAdapters: 1 });
    await loops.drainInbox();
    expect(await inbox.depth()).toBe(0);
    const deadline = Date.now() + 5000;
    while (!delivery.idle() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(printed()).toContain('API');

    term.abort();
    expect(loops.leading).toBe(false);
    await loops.follow();
    expect(started.stoppedAdapters).toBe(1);
    // No longer leading: what arrives now waits in the inbox for the next leader.
    await inbox.append('page', [outage]);
    await loops.drainInbox();
    expect(await inbox.depth()).toBe(1);
  });

  it('a term that ended before it started starts nothing', async () => {
    const { loops, started } = await build();
    const term = new AbortController();
    term.abort();
    await loops.lead(term.signal);
    expect(loops.leading).toBe(false);
    expect(started.sources).toBe(0);
  });
});
