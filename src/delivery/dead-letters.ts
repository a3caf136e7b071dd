import type { KeyValue, Store } from '../storage/store.ts';
import type { Announcement } from '../core/model.ts';
import type { DeliveryJob } from './outbox.ts';
import { NAMESPACES } from '../storage/namespaces.ts';

/** `expired`: waited longer than `delivery.maxAge` for its platform. `permanent`: the platform refused it. */
export type DeadLetterReason = 'expired' | 'permanent';

export const DEAD_LETTER_REASONS: readonly DeadLetterReason[] = ['expired', 'permanent'];

/** A message delivery gave up on, kept for the operator (`status-relay outbox list|retry|drop`). */
export interface DeadLetter {
  readonly job: DeliveryJob;
  readonly reason: DeadLetterReason;
  /** The last error's code (`http_502`, `message_is_too_long`). */
  readonly code: string;
  readonly error: string;
  /** When it was dead-lettered (epoch ms). */
  readonly at: number;
}

/** A dead letter on its way back into the outbox: the running leader picks it up (or the next start). */
export interface Requeued {
  readonly job: DeliveryJob;
  readonly event: Announcement;
}

/** Dead letters are kept this long, then forgotten (bounded, like the rest of the store). */
export const DEAD_LETTER_TTL_MS = NAMESPACES['dead-letters'].ttlMs;
const COUNT_CACHE_MS = 10_000;

/**
 * The `dead-letters` namespace (one entry per job), the events they need (`dead-letter-events`,
 * stored once per event and kept as long as the letters: the outbox's `events` expire after 7 days)
 * and `outbox-requeue`, where `outbox retry` leaves jobs for the leader. The CLI never writes the
 * outbox itself: only the leader does, so a retry cannot race the leader's own writes.
 */
export class DeadLetters {
  private readonly letters: KeyValue;
  private readonly events: KeyValue;
  private readonly liveEvents: KeyValue;
  readonly requeue: KeyValue;
  private counted: { n: number; at: number } | undefined;

  constructor(store: Store) {
    this.letters = store.namespace('dead-letters');
    this.events = store.namespace('dead-letter-events');
    this.liveEvents = store.namespace('events');
    this.requeue = store.namespace('outbox-requeue');
  }

  /** Writes letters and their events (events first, so a letter never points at nothing). */
  async add(entries: readonly { letter: DeadLetter; event: Announcement }[]): Promise<void> {
    if (entries.length === 0) return;
    const events = new Map(entries.map((e) => [e.event.id, e.event]));
    await this.events.setMany([...events.entries()], DEAD_LETTER_TTL_MS);
    await this.letters.setMany(
      entries.map((e) => [e.letter.job.id, e.letter] as const),
      DEAD_LETTER_TTL_MS,
    );
    this.counted = undefined;
  }

  /** Which of these job ids are dead letters. */
  async held(ids: readonly string[]): Promise<Set<string>> {
    const held = new Set<string>();
    // In chunks: SQL backends bound the number of parameters of one statement.
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const found = await this.letters.getMany<DeadLetter>(chunk);
      chunk.forEach((id, j) => found[j] !== undefined && held.add(id));
    }
    return held;
  }

  async *list(): AsyncIterable<DeadLetter> {
    for await (const [, letter] of this.letters.entries<DeadLetter>()) yield letter;
  }

  /** How many letters the store holds (cached for a few seconds: `/metrics` asks on every scrape). */
  async count(): Promise<number> {
    if (this.counted && Date.now() - this.counted.at < COUNT_CACHE_MS) return this.counted.n;
    let n = 0;
    for await (const _ of this.letters.entries<DeadLetter>()) n++;
    this.counted = { n, at: Date.now() };
    return n;
  }

  /** The letter with this id, or the only one whose id starts with it; throws when several match. */
  async find(idOrPrefix: string): Promise<DeadLetter | undefined> {
    const exact = await this.letters.get<DeadLetter>(idOrPrefix);
    if (exact) return exact;
    const matches: DeadLetter[] = [];
    for await (const letter of this.list()) if (letter.job.id.startsWith(idOrPrefix)) matches.push(letter);
    if (matches.length > 1) throw new Error(`"${idOrPrefix}" matches ${matches.length} dead letters: give more of the id`);
    return matches[0];
  }

  /**
   * Hands a letter back to delivery: it gets a fresh `delivery.maxAge` and is tried at once. The
   * requeue entry is written before the letter is deleted, so a crash in between keeps the letter.
   */
  async retry(letter: DeadLetter, now = Date.now()): Promise<void> {
    const event =
      (await this.events.get<Announcement>(letter.job.eventId)) ?? (await this.liveEvents.get<Announcement>(letter.job.eventId));
    if (!event) throw new Error(`dead letter ${letter.job.id}: its event ${letter.job.eventId} is no longer in the store; drop it`);
    const job: DeliveryJob = { ...letter.job, createdAt: now, notBefore: 0 };
    await this.requeue.set<Requeued>(job.id, { job, event });
    await this.letters.delete(letter.job.id);
    this.counted = undefined;
  }

  async drop(id: string): Promise<boolean> {
    this.counted = undefined;
    return this.letters.delete(id);
  }
}
