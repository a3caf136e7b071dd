import type { Logger } from 'pino';
import type { Store } from '../storage/store.ts';
import { holderId, type Lease } from '../storage/lease.ts';
import { ConfigError } from '../core/errors.ts';
import { judgeHolder } from './holder.ts';

export interface LeadershipOptions {
  /** How long a lease lasts without renewal: the worst-case failover time is about this plus one try. */
  readonly ttlMs: number;
  /** How often the holder renews and the others try. */
  readonly renewMs: number;
}

export const DEFAULT_LEADERSHIP: LeadershipOptions = { ttlMs: 8_000, renewMs: 2_000 };

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

  /**
   * SQLite: take the lease or refuse to start. A lock left by a crashed process is taken over at
   * once: on this host when its holder is provably gone (dead pid, our own pid from a previous
   * incarnation, or a pid reused by another process); from another host once its lease lapses
   * without renewal. Only a holder that is alive, or that keeps renewing, is refused.
   */
  async claimExclusive(): Promise<void> {
    let waitedFor: { holder: string; expiresAt: number } | undefined;
    const before = await this.lease.current();
    for (;;) {
      const token = await this.lease.acquire(this.holder, this.options.ttlMs);
      if (token !== undefined) {
        if (waitedFor) this.log.warn({ previous: waitedFor.holder, holder: this.holder }, 'took over the instance lock: its holder stopped renewing it');
        // A graceful stop releases with expiry 0; anything else expired after a crash.
        else if (before && before.holder !== this.holder && before.expiresAt > 0)
          this.log.warn({ previous: before.holder, holder: this.holder }, 'took over an expired instance lock');
        this.gained(token);
        break;
      }
      const current = await this.lease.current();
      if (!current) continue;
      const verdict = judgeHolder(current.holder);
      if (verdict === 'gone') {
        await this.lease.release(current.holder);
        const taken = await this.lease.acquire(this.holder, this.options.ttlMs);
        if (taken !== undefined) {
          this.log.warn({ previous: current.holder, holder: this.holder }, 'took over a stale instance lock: the process that held it is gone');
          this.gained(taken);
          break;
        }
        continue;
      }
      // A holder we cannot judge and that renewed since we last looked is alive.
      const renewed = waitedFor?.holder === current.holder && current.expiresAt > waitedFor.expiresAt;
      if (verdict === 'alive' || renewed)
        throw new ConfigError(
          'STORE_URL',
          `${this.store.location} is in use by another Status Relay instance (${current.holder}): run one instance per SQLite file, or use Redis or PostgreSQL (redis://… or postgres://…) to run several`,
        );
      waitedFor = { holder: current.holder, expiresAt: current.expiresAt };
      this.log.info({ holder: current.holder, expiresAt: new Date(current.expiresAt).toISOString() }, 'instance lock held from another host: waiting for it to lapse');
      // Past the expiry and one renewal period: a live holder has renewed by then, a dead one has not.
      const wait = Math.max(0, current.expiresAt - Date.now()) + Math.min(this.options.renewMs, 1000);
      await new Promise((r) => setTimeout(r, wait));
    }
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
