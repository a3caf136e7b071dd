import { createHash } from 'node:crypto';
import type { KeyValue, Store } from '../storage/store.ts';
import { storedAnnouncement, storyKey, targetKey, type Announcement, type Target } from '../core/model.ts';
import type { RecipientOrigin } from '../core/fanout.ts';
import { DeadLetters, type DeadLetter, type Requeued } from './dead-letters.ts';
import { isStaleLeader, type Fence } from '../storage/fence.ts';
import { NAMESPACES, type NamespaceName } from '../storage/namespaces.ts';

/** A stale leader's write was refused: the current leader owns these jobs now (sends repeat within the in-flight window). */
const ignoreStale = (e: unknown): void => {
  if (!isStaleLeader(e)) throw e;
};

/** One message (or one story step) owed to one target. Recorded before it is sent. */
export interface DeliveryJob {
  readonly id: string;
  readonly seq: number;
  readonly target: Target;
  readonly locale: string;
  readonly origin: RecipientOrigin;
  readonly priority: number;
  /** The event lives once in the `events` namespace; 100,000 jobs share it. */
  readonly eventId: string;
  readonly story: string;
  readonly createdAt: number;
  /** Quiet hours: held until then, and folded into one summary with the other held jobs of the target. */
  readonly holdUntil?: number | undefined;
  attempts: number;
  notBefore: number;
  /** The root post was already edited for this job: a retry only sends the reply. */
  edited?: boolean;
  /** Why the last attempt failed (kept for the dead letter if it comes to that). */
  lastError?: { readonly code: string; readonly message: string } | undefined;
}

export type NewJob = Omit<DeliveryJob, 'seq' | 'createdAt' | 'attempts' | 'notBefore' | 'eventId' | 'story'>;

const DELIVERED_TTL_MS = NAMESPACES.delivered.ttlMs;
const EVENT_TTL_MS = NAMESPACES.events.ttlMs;
const FLUSH_MS = 20;
/** A third of delivery's in-flight window (src/delivery/delivery.ts): written without waiting for FLUSH_MS. */
const EAGER_FLUSH_AT = 32;
/** A failed flush is retried with backoff up to this, for as long as the store is down. */
const FLUSH_RETRY_CAP_MS = 5_000;

/**
 * Every job built with the same property order, so V8 keeps one compact shape for 100,000 of them
 * (object spreads with optional fields would give each its own slow dictionary).
 */
const makeJob = (j: NewJob, eventId: string, story: string, seq: number, createdAt: number): DeliveryJob => ({
  id: j.id,
  seq,
  target: j.target,
  locale: j.locale,
  origin: j.origin,
  priority: j.priority,
  eventId,
  story,
  createdAt,
  holdUntil: j.holdUntil,
  attempts: 0,
  notBefore: j.holdUntil ?? 0,
  edited: false,
  lastError: undefined,
});

export const jobId = (eventId: string, target: Target): string =>
  createHash('sha256')
    .update(`${eventId}|${targetKey(target)}`)
    .digest('hex')
    .slice(0, 24);

/**
 * The durable outbox. A job is in the store from the moment it is recorded until it is delivered or
 * dropped; a "delivered" marker keeps a re-derived event from being sent twice. Completions are
 * written in small batches (every 20 ms): a crash can repeat at most the sends in flight plus one
 * batch — the in-flight window stated in the README. In memory there is one ordered queue per target.
 */
export class Outbox {
  private readonly pending: KeyValue;
  private readonly delivered: KeyValue;
  private readonly eventsKv: KeyValue;
  private readonly queues = new Map<string, DeliveryJob[]>();
  /** Per platform, per priority: targets with something queued, least recently served first. */
  private readonly ready = new Map<string, Set<string>[]>();
  private readonly known = new Set<string>();
  private readonly events = new Map<string, { event: Announcement; refs: number }>();
  private readonly doneBuffer: string[] = [];
  private readonly droppedBuffer: string[] = [];
  private readonly deadBuffer: { letter: DeadLetter; event: Announcement }[] = [];
  readonly deadLetters: DeadLetters;
  private flushTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private flushFailures = 0;
  /** Told of each failed flush (it is retried on its own). */
  onFlushError: ((error: unknown, retryInMs: number) => void) | undefined;
  private counter = 0;
  private size = 0;
  private writing = 0;

  /** With a fence, every durable write is refused (`StaleLeaderError`) once this instance's leadership term is over. */
  constructor(store: Store, fence?: Fence) {
    const kv = (name: NamespaceName) => store.namespace(name, fence);
    this.pending = kv('outbox');
    this.delivered = kv('delivered');
    this.eventsKv = kv('events');
    this.deadLetters = new DeadLetters(store);
  }

  /** Forgets the in-memory queues (a new leadership term reloads them from the store). */
  reset(): void {
    this.queues.clear();
    this.ready.clear();
    this.known.clear();
    this.events.clear();
    this.size = 0;
  }

  /** Loads what a previous run left undelivered. */
  async load(): Promise<number> {
    const jobs: DeliveryJob[] = [];
    for await (const [, job] of this.pending.entries<DeliveryJob>()) jobs.push(job);
    jobs.sort((a, b) => a.seq - b.seq);
    const ids = [...new Set(jobs.map((j) => j.eventId))];
    const events = await this.eventsKv.getMany<Announcement>(ids);
    const byId = new Map(ids.map((id, i) => [id, events[i] && storedAnnouncement(events[i])]));
    // A crash between writing a dead letter and deleting its outbox entry leaves both: the letter wins.
    const lettered = await this.deadLetters.held(jobs.map((j) => j.id));
    for (const job of jobs) {
      const event = byId.get(job.eventId);
      if (!event || lettered.has(job.id)) {
        await this.pending.delete(job.id);
        continue;
      }
      this.enqueue(job, event);
    }
    return this.size;
  }

  /** Records jobs of one event durably (event first, then jobs in one batch), then queues them. Idempotent. */
  async record(event: Announcement, jobs: readonly NewJob[]): Promise<DeliveryJob[]> {
    const fresh = jobs.filter((j) => !this.known.has(j.id));
    if (fresh.length === 0) return [];
    const done = await this.delivered.getMany<number>(fresh.map((j) => j.id));
    const now = Date.now();
    const story = storyKey(event);
    const recorded: DeliveryJob[] = [];
    for (const [i, j] of fresh.entries()) {
      if (done[i] !== undefined) continue;
      recorded.push(makeJob(j, event.id, story, now * 1000 + (this.counter++ % 1000), now));
    }
    if (recorded.length === 0) return [];
    if (!this.events.has(event.id)) await this.eventsKv.set(event.id, event, EVENT_TTL_MS);
    await this.pending.setMany(recorded.map((job) => [job.id, job] as const));
    for (const job of recorded) this.enqueue(job, event);
    return recorded;
  }

  private enqueue(job: DeliveryJob, event: Announcement): void {
    if (this.known.has(job.id)) return;
    this.known.add(job.id);
    const held = this.events.get(job.eventId);
    if (held) held.refs++;
    else this.events.set(job.eventId, { event, refs: 1 });
    const key = targetKey(job.target);
    const q = this.queues.get(key);
    if (q) q.push(job);
    else {
      this.queues.set(key, [job]);
      this.readySet(job).add(key);
    }
    this.size++;
  }

  private readySet(job: DeliveryJob): Set<string> {
    let byPriority = this.ready.get(job.target.platform);
    if (!byPriority) this.ready.set(job.target.platform, (byPriority = [new Set(), new Set(), new Set()]));
    return byPriority[Math.min(2, Math.max(0, job.priority))]!;
  }

  /**
   * The next job of each target of a platform, channels before direct messages, least recently
   * served first; a job held for quiet hours lets a later unheld (critical) one pass. Lazy, so a
   * dispatcher that is full or rate limited stops early instead of walking 100,000 queues.
   */
  *candidates(platform: string, now = Date.now()): Generator<DeliveryJob> {
    for (const set of this.ready.get(platform) ?? []) {
      for (const key of set) {
        const q = this.queues.get(key);
        if (!q?.length) continue;
        const next = q.find((j) => j.holdUntil === undefined || j.holdUntil <= now) ?? q[0]!;
        yield next;
      }
    }
  }

  /** Served: move the target to the back of its line. */
  served(job: DeliveryJob): void {
    const key = targetKey(job.target);
    if (!this.queues.has(key)) return;
    const set = this.readySet(job);
    set.delete(key);
    set.add(key);
  }

  eventOf(job: DeliveryJob): Announcement {
    return this.events.get(job.eventId)!.event;
  }

  /** Sent but not yet durably marked delivered: what a crash could send again. */
  unflushed(): number {
    return this.doneBuffer.length + this.writing;
  }

  depth(): number {
    return this.size;
  }

  queueOf(target: Target): readonly DeliveryJob[] {
    return this.queues.get(targetKey(target)) ?? [];
  }

  async update(job: DeliveryJob): Promise<void> {
    await this.pending.set(job.id, job).catch(ignoreStale);
  }

  /** Marks a job delivered; written with the next batch. */
  complete(job: DeliveryJob): void {
    this.remove(job);
    this.doneBuffer.push(job.id);
    // Delivery stops at IN_FLIGHT_WINDOW sent-but-unmarked jobs: a full batch is written at once
    // instead of after FLUSH_MS, so the window bounds duplicates after a crash, not the send rate.
    if (this.doneBuffer.length === EAGER_FLUSH_AT && this.flushFailures === 0) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
      this.flush().catch(() => undefined);
      return;
    }
    this.scheduleFlush();
  }

  /** Drops a job for good (its target is gone). */
  drop(job: DeliveryJob): void {
    this.remove(job);
    this.droppedBuffer.push(job.id);
    this.scheduleFlush();
  }

  /** Gives up on a job but keeps it, with its event, as a dead letter; written with the next batch. */
  deadLetter(job: DeliveryJob, why: Omit<DeadLetter, 'job' | 'at'>, now = Date.now()): void {
    const event = this.eventOf(job);
    this.remove(job);
    this.deadBuffer.push({ letter: { job: { ...job }, ...why, at: now }, event });
    this.scheduleFlush();
  }

  /** Every queued job, for the expiry sweep (a snapshot: the caller may remove jobs while walking it). */
  all(): DeliveryJob[] {
    return [...this.queues.values()].flat();
  }

  /**
   * The platform answers again (its circuit closed): the backoffs its jobs collected during the
   * outage are void, the backlog goes at the paced rate. Quiet-hours holds stay; 429 waits are kept
   * by the rate limiter, not here.
   */
  clearBackoff(platform: string, now = Date.now()): number {
    let n = 0;
    for (const q of this.queues.values()) {
      if (q[0]?.target.platform !== platform) continue;
      for (const job of q) {
        if (job.attempts === 0 || job.notBefore <= now || (job.holdUntil ?? 0) > now) continue;
        job.notBefore = now;
        n++;
      }
    }
    return n;
  }

  /** Takes in the dead letters `status-relay outbox retry` handed back (leader only). Returns how many. */
  async adoptRequeued(): Promise<number> {
    const ns = this.deadLetters.requeue;
    const entries: Requeued[] = [];
    for await (const [, r] of ns.entries<Requeued>()) entries.push(r);
    let n = 0;
    for (const { job, event: stored } of entries.sort((a, b) => a.job.seq - b.job.seq)) {
      const event = storedAnnouncement(stored);
      if (!this.known.has(job.id)) {
        if (!this.events.has(event.id)) await this.eventsKv.set(event.id, event, EVENT_TTL_MS);
        await this.pending.set(job.id, job);
        this.enqueue(job, event);
        n++;
      }
      await ns.delete(job.id);
    }
    return n;
  }

  /** Drops every queued job of a target (it is gone). Returns how many. */
  dropTarget(target: Target): number {
    const q = [...(this.queues.get(targetKey(target)) ?? [])];
    for (const job of q) this.drop(job);
    return q.length;
  }

  /** Moves a target's queue to a new chat id (Telegram group → supergroup). */
  async retarget(from: Target, to: Target): Promise<void> {
    const q = [...(this.queues.get(targetKey(from)) ?? [])];
    for (const job of q) {
      const event = this.eventOf(job);
      this.drop(job);
      const moved: DeliveryJob = { ...job, id: jobId(job.eventId, to), target: to };
      await this.pending.set(moved.id, moved).catch(ignoreStale);
      this.enqueue(moved, event);
    }
  }

  private scheduleFlush(delayMs = FLUSH_MS): void {
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      this.flush().catch(() => undefined);
    }, delayMs);
  }

  /**
   * Writes buffered completions: delivered markers first, so a crash in between can only skip, never
   * repeat. A failure puts them back and retries with backoff; each flush runs after the previous
   * one settles, whatever its outcome, so one failure never stalls the ones after it.
   */
  flush(): Promise<void> {
    const run = this.flushing.then(() => this.writeBuffered());
    this.flushing = run.catch(() => undefined);
    return run;
  }

  private async writeBuffered(): Promise<void> {
    const done = this.doneBuffer.splice(0);
    const dead = this.deadBuffer.splice(0);
    const droppedOnly = this.droppedBuffer.splice(0);
    const dropped = [...droppedOnly, ...dead.map((d) => d.letter.job.id)];
    try {
      this.writing = done.length;
      if (done.length)
        await this.delivered.setMany(
          done.map((id) => [id, 1] as const),
          DELIVERED_TTL_MS,
        );
      // The letter before the outbox entry goes: a crash in between keeps both, never neither.
      await this.deadLetters.add(dead);
      if (done.length || dropped.length) await this.pending.deleteMany([...done, ...dropped]);
      this.writing = 0;
      this.flushFailures = 0;
    } catch (e) {
      // Back in front, in order: while they wait, delivery counts them as unflushed and slows down.
      // Rewriting markers and letters on the retry is harmless: both are keyed by job id.
      this.writing = 0;
      // A stale leader's writes are refused for good: the current leader owns these jobs now.
      if (isStaleLeader(e)) return;
      this.doneBuffer.unshift(...done);
      this.deadBuffer.unshift(...dead);
      this.droppedBuffer.unshift(...droppedOnly);
      const retryInMs = Math.min(FLUSH_RETRY_CAP_MS, FLUSH_MS * 2 ** Math.min(10, ++this.flushFailures));
      this.onFlushError?.(e, retryInMs);
      this.scheduleFlush(retryInMs);
      throw e;
    }
    // Only now may the same id be recorded again (and be refused by its delivered marker).
    for (const id of [...done, ...dropped]) this.known.delete(id);
  }

  /** Flushes what is buffered, a few tries; what still fails stays pending in the store and is sent again on the next start. */
  async close(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.flush();
        break;
      } catch {
        clearTimeout(this.flushTimer);
        this.flushTimer = undefined;
        if (attempt >= 3) break;
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    }
  }

  private remove(job: DeliveryJob): void {
    const key = targetKey(job.target);
    const q = this.queues.get(key);
    if (!q) return;
    const idx = q.findIndex((j) => j.id === job.id);
    if (idx < 0) return;
    q.splice(idx, 1);
    this.size--;
    if (q.length === 0) {
      this.queues.delete(key);
      this.readySet(job).delete(key);
    }
    const held = this.events.get(job.eventId);
    if (held && --held.refs <= 0) this.events.delete(job.eventId);
  }
}
