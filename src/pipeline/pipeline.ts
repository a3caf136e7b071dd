import type { Logger } from 'pino';
import type { StatusChange, StatusEvent } from '../core/model.ts';
import type { Recipient } from '../core/fanout.ts';
import { jobId, type NewJob } from '../delivery/outbox.ts';
import type { EnrichStage, FanoutStage, NoiseStage, OutboxStage, TrackStage } from './stages.ts';

/** Jobs recorded per write: delivery is woken after each, so the first send need not wait for the last record. */
const RECORD_BATCH = 500;

export interface PipelineCounts {
  /** Changes taken in from sources. */
  changes: number;
  /** Events fanned out (after flap control). */
  events: number;
}

export interface PipelineDeps {
  readonly track: TrackStage;
  readonly enrich?: EnrichStage;
  readonly noise: NoiseStage;
  readonly fanout: FanoutStage;
  readonly outbox: OutboxStage;
  /** Jobs were recorded: delivery may start sending. */
  readonly recorded: () => void;
  /** Runs before an event's jobs are recorded (machine translation of its text, when configured). */
  readonly prepare?: (event: StatusEvent) => Promise<void>;
  readonly log: Logger;
}

/** The one job of each recipient: its id is derived from the event and the target, so a re-derived event is refused. */
export const jobFor = (event: { readonly id: string }, r: Recipient): NewJob => ({
  id: jobId(event.id, r.target),
  target: r.target,
  locale: r.locale,
  origin: r.origin,
  priority: r.priority,
  ...(r.holdUntil ? { holdUntil: r.holdUntil } : {}),
});

/**
 * track → enrich → noise → fan-out → outbox, one change at a time, so the tracker sees a consistent
 * order. The tracker's state is committed only after the jobs are durable: a crash in between
 * re-derives the same events, whose job ids the outbox refuses the second time.
 */
export class Pipeline {
  readonly counts: PipelineCounts = { changes: 0, events: 0 };
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: PipelineDeps) {}

  /** Queues a change behind the ones before it; resolves with the events announced. */
  process(change: StatusChange): Promise<StatusEvent[]> {
    return this.serial(() => this.run(change));
  }

  /** Maintenances about to start: their reminder joins the story, once (kept after its jobs are). */
  remind(now: string, leadMs: number): Promise<void> {
    return this.serial(async () => {
      const { events, commit } = this.deps.track.reminders(now, leadMs);
      if (events.length === 0) return;
      await this.fanOut(events);
      await commit();
    }).catch((e: unknown) => this.deps.log.error({ err: e }, 'maintenance reminder failed'));
  }

  /** Announces the summaries of components that stopped flapping, and keeps the flap state. */
  flushFlaps(): Promise<void> {
    const due = this.deps.noise.due();
    // Every second: nothing to do is the common case, and it must not queue behind the pipeline.
    if (due.length === 0 && !this.deps.noise.unsaved()) return Promise.resolve();
    return this.serial(async () => {
      await this.persistFlaps();
      if (due.length) await this.fanOut(due);
    }).catch((e: unknown) => this.deps.log.error({ err: e }, 'flap summary failed'));
  }

  /** Resolves once everything queued so far went through (whatever its outcome). */
  async settled(): Promise<void> {
    await this.chain.catch(() => undefined);
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.chain.then(work);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async run(change: StatusChange): Promise<StatusEvent[]> {
    this.counts.changes++;
    const { events, commit } = await this.deps.track.process(change);
    await this.deps.enrich?.beforeFanout(change, events);
    const announced = this.deps.noise.filter(events);
    await this.persistFlaps();
    await this.fanOut(announced);
    // Only after the jobs are durable: a crash before this line re-derives the same events (same job ids).
    await commit();
    await this.deps.enrich?.afterCommit(change, this.deps.track.currentComponents());
    return announced;
  }

  /** Records one job per recipient, in batches. */
  private async fanOut(events: readonly StatusEvent[]): Promise<void> {
    for (const event of events) {
      // Before any job can be sent: rendering then finds the translation in memory (or shows the original).
      await this.deps.prepare?.(event);
      let batch: NewJob[] = [];
      const flush = async () => {
        await this.deps.outbox.record(event, batch);
        batch = [];
        this.deps.recorded();
      };
      for await (const r of this.deps.fanout.recipients(event)) {
        batch.push(jobFor(event, r));
        if (batch.length >= RECORD_BATCH) await flush();
      }
      if (batch.length) await flush();
      this.counts.events++;
      this.deps.log.info(
        { event: event.id, type: event.type, ...(event.type === 'incident' ? { phase: event.phase } : {}) },
        'status event',
      );
    }
  }

  /** Best effort: a store that fails only costs the suppression state across a restart; the next change writes it again. */
  private async persistFlaps(): Promise<void> {
    await this.deps.noise
      .persist()
      .catch((e: unknown) => this.deps.log.warn({ err: e }, 'could not write the flap state to the store; retried with the next change'));
  }
}
