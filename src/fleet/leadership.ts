import type { Logger } from 'pino';
import { hostname } from 'node:os';
import type { Store } from '../storage/store.ts';
import { holderId, type Lease } from '../storage/lease.ts';
import { ConfigError } from '../core/errors.ts';

export interface LeadershipOptions {
  /** How long a lease lasts without renewal: the worst-case failover time is about this plus one try. */
  readonly ttlMs: number;
  /** How often the holder renews and the others try. */
  readonly renewMs: number;
}

export const DEFAULT_LEADERSHIP: LeadershipOptions = { ttlMs: 8_000, renewMs: 2_000 };

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * One leader per store: it polls, tracks, fans out and delivers; the others serve HTTP and commands
 * and hand changes to it through the store. On SQLite there is no fleet: a second instance on the
 * same file is refused.
 */
export class Leadership {
  readonly holder = holderId();
  private readonly lease: Lease;
  private token: number | undefined;
  private validUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private transition: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly options: LeadershipOptions = DEFAULT_LEADERSHIP,
  ) {
    this.lease = store.lease('leader');
  }

  /** True while we hold an unexpired lease (judged by our own clock, with a safety margin). */
  isLeader(): boolean {
    return this.token !== undefined && Date.now() < this.validUntil;
  }

  fencingToken(): number | undefined {
    return this.token;
  }

  /** SQLite: take the lease or refuse to start (a crashed process on this host does not block a restart). */
  async claimExclusive(): Promise<void> {
    let token = await this.lease.acquire(this.holder, this.options.ttlMs);
    if (token === undefined) {
      const current = await this.lease.current();
      const [host, pid] = current?.holder.split(':') ?? [];
      if (current && host === hostname() && pid && !alive(Number(pid))) {
        await this.lease.release(current.holder);
        token = await this.lease.acquire(this.holder, this.options.ttlMs);
      }
      if (token === undefined)
        throw new ConfigError(
          'STORE_URL',
          `${this.store.location} is in use by another Status Relay instance (${current?.holder ?? 'unknown'}): run one instance per SQLite file, or use Redis or PostgreSQL (redis://… or postgres://…) to run several`,
        );
    }
    this.gained(token);
    this.timer = setInterval(() => void this.renew(), this.options.renewMs);
    this.timer.unref();
  }

  /** Fleet: try now and every `renewMs`; call back on each change of role. */
  async run(onGain: () => Promise<void>, onLose: () => Promise<void>): Promise<void> {
    const tick = async () => {
      const wasLeader = this.isLeader();
      let token: number | undefined;
      try {
        token = await this.lease.acquire(this.holder, this.options.ttlMs);
      } catch (e) {
        this.log.warn({ err: e }, 'leader lease: store did not answer');
      }
      if (token !== undefined) {
        if (!wasLeader || token !== this.token) {
          this.gained(token);
          this.log.info({ token, holder: this.holder }, 'became the leader');
          this.transition = this.transition.then(onGain);
        } else this.gained(token);
      } else if (wasLeader || (this.token !== undefined && Date.now() >= this.validUntil)) {
        this.log.warn({ holder: this.holder }, 'lost leadership');
        this.token = undefined;
        this.transition = this.transition.then(onLose);
      }
      await this.transition;
    };
    await tick();
    this.timer = setInterval(() => void tick(), this.options.renewMs);
    this.timer.unref();
  }

  private gained(token: number): void {
    this.token = token;
    // Stop acting as leader well before others may take over.
    this.validUntil = Date.now() + this.options.ttlMs - this.options.renewMs;
  }

  private async renew(): Promise<void> {
    const token = await this.lease.acquire(this.holder, this.options.ttlMs).catch(() => undefined);
    if (token !== undefined) this.gained(token);
  }

  /** Hands leadership over at once (graceful stop). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.transition;
    if (this.token !== undefined) await this.lease.release(this.holder).catch(() => undefined);
    this.token = undefined;
  }
}
