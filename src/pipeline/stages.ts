/**
 * The narrow interfaces between the pipeline's stages (docs/architecture.md). Each stage is one
 * module with its own tests; the composition root (src/app.ts) hands each the next one's interface.
 *
 *   ingest (src/fleet/inbox.ts) → track (src/core/tracker.ts) → enrich (src/pipeline/enrich.ts)
 *   → noise (src/core/flap.ts) → fan-out (src/core/fanout.ts) → outbox (src/delivery/outbox.ts)
 *   → delivery (src/delivery/delivery.ts) → adapters
 */
import type { Announcement, ComponentState, StatusChange, StatusEvent } from '../core/model.ts';
import type { Recipient } from '../core/fanout.ts';
import type { TrackerResult } from '../core/tracker.ts';
import type { NewJob } from '../delivery/outbox.ts';

/** track: changes become events, kept only once `commit` runs (after the jobs are durable). */
export interface TrackStage {
  process(change: StatusChange): Promise<TrackerResult>;
  /** Maintenance reminders due at `now` (ISO) within `leadMs`. */
  reminders(now: string, leadMs: number): TrackerResult;
  currentComponents(): readonly ComponentState[];
}

/** enrich: what the KPI windows and the digest must know, before the announcements are built. */
export interface EnrichStage {
  /** Before fan-out, so the announcements already count the new status in their uptime. */
  beforeFanout(change: StatusChange, events: readonly StatusEvent[]): Promise<void>;
  /** After the tracker committed: the status history every source type feeds. */
  afterCommit(change: StatusChange, components: readonly ComponentState[]): Promise<void>;
}

/** noise: flap control between tracking and fan-out. */
export interface NoiseStage {
  filter(events: readonly StatusEvent[]): StatusEvent[];
  /** Summaries owed for components that stopped flapping. */
  due(): StatusEvent[];
  unsaved(): boolean;
  persist(): Promise<void>;
}

/** fan-out: who hears an event. */
export interface FanoutStage {
  recipients(event: StatusEvent): AsyncIterable<Recipient>;
}

/** outbox: one durable job per (announcement, target). */
export interface OutboxStage {
  record(event: Announcement, jobs: readonly NewJob[]): Promise<unknown>;
}
