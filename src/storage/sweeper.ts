import type { Logger } from 'pino';
import type { Store } from './store.ts';

export interface SweeperOptions {
  /** How often the leader deletes expired rows. */
  readonly intervalMs: number;
  /** At most this many rows per run, so one run never holds the database for long. */
  readonly maxPerRun: number;
  /** Rows per DELETE statement (one short transaction each). */
  readonly batch: number;
}

export const DEFAULT_SWEEP: SweeperOptions = { intervalMs: 10 * 60_000, maxPerRun: 20_000, batch: 1_000 };

/**
 * SQLite and PostgreSQL keep a row whose TTL has passed until something deletes it (keyv only hides
 * it on read), so delivered markers, events and posts would grow without bound. The leader deletes
 * them on a schedule, bounded per run; Redis expires its keys itself. See docs/storage.md.
 */
export class ExpirySweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly options: SweeperOptions = DEFAULT_SWEEP,
  ) {}

  start(): void {
    if (this.store.kind === 'redis' || this.timer) return;
    this.timer = setInterval(() => void this.runOnce(), this.options.intervalMs);
    this.timer.unref();
    // Soon after taking over too: a bot that restarts often would otherwise never sweep.
    setTimeout(() => void this.runOnce(), Math.min(30_000, this.options.intervalMs)).unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One bounded run; never throws (a store that is down is swept on the next run). Returns rows deleted. */
  runOnce(): Promise<number> {
    this.running ??= this.sweep().finally(() => (this.running = undefined));
    return this.running;
  }

  private async sweep(): Promise<number> {
    let deleted = 0;
    try {
      while (deleted < this.options.maxPerRun) {
        const n = await this.store.sweepExpired(Math.min(this.options.batch, this.options.maxPerRun - deleted));
        deleted += n;
        if (n < this.options.batch) break;
      }
      if (deleted) this.log.info({ deleted }, 'deleted expired rows from the store');
    } catch (err) {
      this.log.warn({ err, deleted }, 'could not delete expired rows; will try again on the next run');
    }
    return deleted;
  }
}
