import type { Logger } from 'pino';
import type { DigestService } from '../kpi/digest.ts';
import type { ExpirySweeper } from '../storage/sweeper.ts';
import type { StatusChange } from '../core/model.ts';
import type { IngestInbox } from './inbox.ts';

/** The leader's work, each part by its narrow face. */
export interface LeaderLoopsDeps {
  readonly log: Logger;
  readonly now: () => string;
  readonly tracker: { load(): Promise<void> };
  readonly flaps: { load(): Promise<void>; readonly settleMs: number };
  readonly inbox: Pick<IngestInbox, 'recover' | 'drain'>;
  readonly outbox: { reset(): void; load(): Promise<number> };
  readonly delivery: { start(): void; stop(): Promise<void> };
  readonly pipeline: {
    process(change: StatusChange): Promise<unknown>;
    remind(now: string, leadMs: number): Promise<void>;
    flushFlaps(): Promise<void>;
    settled(): Promise<void>;
  };
  readonly sweeper: Pick<ExpirySweeper, 'start' | 'stop'>;
  readonly digest: { readonly service: Pick<DigestService, 'start' | 'stop'>; readonly cron: string } | undefined;
  /** How long before a maintenance window its reminder is due; undefined: no reminders. */
  readonly reminderLeadMs: number | undefined;
  readonly startLeaderAdapters: () => Promise<void>;
  readonly stopLeaderAdapters: () => Promise<void>;
  /** Starts polling every source until the signal (the term's end or the instance's stop) aborts. */
  readonly startSources: (term: AbortSignal) => Promise<void>;
}

/**
 * What only the leader runs, for one leadership term at a time: it takes over from what the store
 * holds (state, flap episodes, the ingest queues, undelivered messages), then runs delivery, the
 * inbox drain, flap summaries, maintenance reminders, the digest, the expiry sweep and the sources.
 * The term's end stops every loop at once, whether or not the store answers.
 */
export class LeaderLoops {
  private active = false;
  private flapTimer: NodeJS.Timeout | undefined;
  private inboxTimer: NodeJS.Timeout | undefined;
  private reminderTimer: NodeJS.Timeout | undefined;
  private deliveryStopped: Promise<void> = Promise.resolve();

  constructor(private readonly deps: LeaderLoopsDeps) {}

  get leading(): boolean {
    return this.active;
  }

  async lead(term: AbortSignal): Promise<void> {
    const d = this.deps;
    // One term at a time: a second call while leading would start every loop twice.
    if (this.active || term.aborted) return;
    this.active = true;
    term.addEventListener('abort', () => this.halt(), { once: true });
    await d.tracker.load();
    await d.flaps.load();
    await d.inbox.recover();
    if (term.aborted) return;
    d.outbox.reset();
    const loaded = await d.outbox.load();
    if (loaded) d.log.info({ jobs: loaded }, 'resuming undelivered messages');
    await d.startLeaderAdapters();
    // The term may have ended while the store was read: halt() ran already, start nothing.
    if (term.aborted) return;
    d.delivery.start();
    this.flapTimer = setInterval(() => void d.pipeline.flushFlaps(), Math.min(1000, d.flaps.settleMs));
    this.flapTimer.unref();
    this.inboxTimer = setInterval(() => void this.drainInbox(), 200);
    this.inboxTimer.unref();
    if (d.digest) d.digest.service.start(d.digest.cron);
    const lead = d.reminderLeadMs;
    if (lead) {
      // Often enough that a reminder is at most a tenth of its lead time late (and 30 s for the default hour).
      this.reminderTimer = setInterval(
        () => {
          if (this.active) void d.pipeline.remind(d.now(), lead);
        },
        Math.min(30_000, Math.max(250, lead / 10)),
      );
      this.reminderTimer.unref();
    }
    d.sweeper.start();
    await d.startSources(term);
  }

  /** Lost the lease: every loop stops, then the pipeline and delivery settle, then the leader-only adapters stop. */
  async follow(): Promise<void> {
    this.halt();
    await this.deps.pipeline.settled();
    await this.deliveryStopped;
    await this.deps.stopLeaderAdapters();
  }

  /** Changes that any instance accepted (webhooks) or followers received (admin API), in arrival order. */
  drainInbox(): Promise<void> {
    return this.deps.inbox.drain(
      async (item) => {
        for (const change of item.changes) await this.deps.pipeline.process(change);
      },
      () => this.active,
    );
  }

  /** The instance stops: no timer fires again (delivery is stopped by the caller, which knows whether it ran). */
  stopTimers(): void {
    clearInterval(this.flapTimer);
    clearInterval(this.inboxTimer);
    clearInterval(this.reminderTimer);
    this.deps.sweeper.stop();
  }

  /** The term ended: every leader loop stops now, synchronously, whether or not the store answers. */
  private halt(): void {
    if (!this.active) return;
    this.active = false;
    this.stopTimers();
    this.deps.digest?.service.stop();
    this.deliveryStopped = this.deps.delivery.stop().catch((e: unknown) => this.deps.log.warn({ err: e }, 'delivery did not stop cleanly'));
  }
}
