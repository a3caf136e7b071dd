import type { Logger } from 'pino';
import type { StatusChange } from '../core/model.ts';
import type { Store } from '../storage/store.ts';
import { drain, drainerId, openQueue, QueueFullError, type DurableQueue, type QueueOptions } from '../storage/queue.ts';
import { isStaleLeader } from '../storage/fence.ts';
import { isStoreUnavailable, StoreUnavailableError } from '../core/errors.ts';

/** One accepted push (a webhook body, an admin API call): its changes are processed together, in order. */
export interface IngestItem {
  readonly changes: readonly StatusChange[];
}

/**
 * The ingest queues, one per source, each bounded: a webhook is accepted (202) once its changes are
 * appended here, by any instance; the leader drains every queue in order and fans out after. A
 * flooding source fills its own queue, not the others'.
 */
export class IngestInbox {
  private readonly queues = new Map<string, DurableQueue<IngestItem>>();
  private readonly drainer: string;
  private draining: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly store: Store,
    private readonly sourceIds: () => Iterable<string>,
    private readonly log: Logger,
    private readonly options: Partial<QueueOptions> = {},
  ) {
    this.drainer = drainerId('ingest');
  }

  queue(sourceId: string): DurableQueue<IngestItem> {
    let q = this.queues.get(sourceId);
    if (!q) this.queues.set(sourceId, (q = openQueue<IngestItem>(this.store.engine(), `ingest:${sourceId}`, this.options)));
    return q;
  }

  /**
   * A change handed over by a follower (or taken before this instance leads): into its source's
   * queue, or the manual source's when its source is not one of ours (an admin API incident).
   */
  appendChange(change: StatusChange, fallbackSourceId: string): Promise<void> {
    const known = new Set(this.sourceIds());
    return this.append(known.has(change.sourceId) ? change.sourceId : fallbackSourceId, [change]);
  }

  /** Durable once this resolves; `QueueFullError` when the source's queue is full. */
  async append(sourceId: string, changes: readonly StatusChange[]): Promise<void> {
    try {
      await this.queue(sourceId).append({ changes });
    } catch (e) {
      if (e instanceof QueueFullError || isStoreUnavailable(e)) throw e;
      // The engine refused or failed the write (disk full, server down): never "accepted", HTTP answers 503.
      throw new StoreUnavailableError('append', `could not record the push of ${sourceId}: ${(e as Error).message}`, { cause: e });
    }
  }

  /** A new term: whatever a previous leader had claimed and not finished goes back to the head. */
  async recover(): Promise<void> {
    for (const id of this.sourceIds()) await this.queue(id).recover(0);
  }

  async depth(): Promise<number> {
    let n = 0;
    for (const id of this.sourceIds()) n += await this.queue(id).depth();
    return n;
  }

  /**
   * Drains every source's queue, one pass at a time (a call during a pass asks for one more pass).
   * A store or leadership failure puts the item back without counting it against the item.
   */
  drain(handle: (item: IngestItem) => Promise<void>, keepGoing: () => boolean): Promise<void> {
    if (this.draining) {
      this.again = true;
      return this.draining;
    }
    this.draining = (async () => {
      do {
        this.again = false;
        for (const id of this.sourceIds()) {
          if (!keepGoing()) return;
          try {
            await drain(this.queue(id), this.drainer, handle, {
              keepGoing,
              counts: (e) => !isStaleLeader(e) && !isStoreUnavailable(e),
              onError: (e, item, dead) =>
                this.log[dead ? 'error' : 'warn'](
                  { err: e, source: id, item: item.id, attempts: item.attempts + 1 },
                  dead ? 'an ingested change failed again and again: moved aside' : 'an ingested change failed; will retry',
                ),
            });
          } catch (e) {
            this.log.warn({ err: e, source: id }, 'could not read the ingest queue');
          }
        }
      } while (this.again && keepGoing());
    })().finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }
}
