import { createHash } from 'node:crypto';
import type { KeyValue, Store } from '../storage/store.ts';
import { targetKey, type StatusEvent, type Target } from '../core/model.ts';
import type { RecipientOrigin } from '../core/fanout.ts';

/** One message (or one story step) owed to one target. Recorded before it is sent. */
export interface DeliveryJob {
  readonly id: string;
  readonly seq: number;
  readonly target: Target;
  readonly locale: string;
  readonly origin: RecipientOrigin;
  readonly priority: number;
  readonly event: StatusEvent;
  readonly createdAt: number;
  attempts: number;
  notBefore: number;
}

const DELIVERED_TTL_MS = 7 * 86_400_000;

export const jobId = (eventId: string, target: Target): string =>
  createHash('sha256').update(`${eventId}|${targetKey(target)}`).digest('hex').slice(0, 24);

/**
 * The durable outbox: jobs live in the store from the moment they are recorded until they are
 * delivered or dropped; a "delivered" marker keeps a re-derived event from being sent again.
 * In memory it keeps one ordered queue per target, so each target gets its messages in order.
 */
export class Outbox {
  private readonly pending: KeyValue;
  private readonly delivered: KeyValue;
  private readonly queues = new Map<string, DeliveryJob[]>();
  private readonly known = new Set<string>();
  private counter = 0;
  private size = 0;

  constructor(store: Store) {
    this.pending = store.namespace('outbox');
    this.delivered = store.namespace('delivered');
  }

  /** Loads what a previous run left undelivered. */
  async load(): Promise<number> {
    const jobs: DeliveryJob[] = [];
    for await (const [, job] of this.pending.entries<DeliveryJob>()) jobs.push(job);
    jobs.sort((a, b) => a.seq - b.seq);
    for (const job of jobs) this.enqueue(job);
    return jobs.length;
  }

  /** Records jobs durably, then queues them. Already delivered or queued jobs are skipped (idempotent). */
  async record(jobs: readonly Omit<DeliveryJob, 'seq' | 'createdAt' | 'attempts' | 'notBefore'>[]): Promise<DeliveryJob[]> {
    const fresh = jobs.filter((j) => !this.known.has(j.id));
    if (fresh.length === 0) return [];
    const done = await this.delivered.getMany<number>(fresh.map((j) => j.id));
    const now = Date.now();
    const recorded: DeliveryJob[] = [];
    for (const [i, j] of fresh.entries()) {
      if (done[i] !== undefined) continue;
      const job: DeliveryJob = { ...j, seq: now * 1000 + (this.counter++ % 1000), createdAt: now, attempts: 0, notBefore: 0 };
      recorded.push(job);
    }
    await Promise.all(recorded.map((job) => this.pending.set(job.id, job)));
    for (const job of recorded) this.enqueue(job);
    return recorded;
  }

  private enqueue(job: DeliveryJob): void {
    if (this.known.has(job.id)) return;
    this.known.add(job.id);
    const key = targetKey(job.target);
    const q = this.queues.get(key);
    if (q) q.push(job);
    else this.queues.set(key, [job]);
    this.size++;
  }

  /** The head job of every target queue. */
  heads(): DeliveryJob[] {
    const out: DeliveryJob[] = [];
    for (const q of this.queues.values()) if (q[0]) out.push(q[0]);
    return out;
  }

  depth(): number {
    return this.size;
  }

  queueOf(target: Target): readonly DeliveryJob[] {
    return this.queues.get(targetKey(target)) ?? [];
  }

  async update(job: DeliveryJob): Promise<void> {
    await this.pending.set(job.id, job);
  }

  /** Marks a job delivered: the marker first, so a crash in between can only skip, never repeat. */
  async complete(job: DeliveryJob): Promise<void> {
    await this.delivered.set(job.id, Date.now(), DELIVERED_TTL_MS);
    await this.pending.delete(job.id);
    this.remove(job);
  }

  /** Drops a job for good (dead target, permanent error). */
  async drop(job: DeliveryJob): Promise<void> {
    await this.pending.delete(job.id);
    this.remove(job);
  }

  /** Drops every queued job of a target (it is gone). Returns how many. */
  async dropTarget(target: Target): Promise<number> {
    const q = [...(this.queues.get(targetKey(target)) ?? [])];
    for (const job of q) await this.drop(job);
    return q.length;
  }

  /** Moves a target's queue to a new chat id (Telegram group → supergroup). */
  async retarget(from: Target, to: Target): Promise<void> {
    const q = [...(this.queues.get(targetKey(from)) ?? [])];
    for (const job of q) {
      await this.drop(job);
      const moved: DeliveryJob = { ...job, target: to };
      await this.pending.set(moved.id, moved);
      this.enqueue(moved);
    }
  }

  private remove(job: DeliveryJob): void {
    const key = targetKey(job.target);
    const q = this.queues.get(key);
    if (!q) return;
    const idx = q.findIndex((j) => j.id === job.id);
    if (idx >= 0) {
      q.splice(idx, 1);
      this.size--;
    }
    if (q.length === 0) this.queues.delete(key);
    this.known.delete(job.id);
  }
}
