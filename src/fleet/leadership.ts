import type { Logger } from 'pino';
import type { Store } from '../storage/store.ts';
import { holderId, type Lease } from '../storage/lease.ts';
import { ConfigError } from '../core/errors.ts';
import { StaleLeaderError, type Fence } from '../storage/fence.ts';
import { judgeHolder } from './holder.ts';

export interface LeadershipOptions {
  /** How long a lease lasts without renewal: the worst-case failover time is about this plus one try. */
  readonly ttlMs: number;
  /** How often the holder renews and the others try. */
  readonly renewMs: number;
}

const LEADER_LEASE = 'leader';

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
    this.lease = store.lease(LEADER_LEASE);
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
        if (waitedFor)
          this.log.warn({ previous: waitedFor.holder, holder: this.holder }, 'took over the instance lock: its holder stopped renewing it');
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
          this.log.warn(
            { previous: current.holder, holder: this.holder },
            'took over a stale instance lock: the process that held it is gone',
          );
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
      this.log.info(
        { holder: current.holder, expiresAt: new Date(current.expiresAt).toISOString() },
        'instance lock held from another host: waiting for it to lapse',
      );
      // Past the expiry and one renewal period: a live holder has renewed by then, a dead one has not.
      const wait = Math.max(0, current.expiresAt - Date.now()) + Math.min(this.options.renewMs, 1000);
      await new Promise((r) => setTimeout(r, wait));
    }
    this.exclusive = true;
    this.timer = setInterval(() => void this.renew(), this.options.renewMs);
    this.timer.unref();
  }

  /**
   * Fleet: try now and every `renewMs`, one try at a time; call back on each change of role, one
   * change at a time: `onGain` once per term (a new fencing token), `onLose` once after it. A term
   * ends by our own clock when no renewal answered by `validUntil` — the term's signal aborts at that
   * moment, without waiting for the store — or when the store says another instance holds the lease.
   */
  async run(onGain: (term: AbortSignal) => Promise<void>, onLose: () => Promise<void>): Promise<void> {
    this.onGain = onGain;
    this.onLose = onLose;
    this.stopped = false;
    await this.tick();
    await this.transition;
    this.schedule();
  }

  private onGain: ((term: AbortSignal) => Promise<void>) | undefined;
  private onLose: (() => Promise<void>) | undefined;
  private term: AbortController | undefined;
  private expiry: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Terms begun by this instance (tests and logs: each is one "became the leader"). */
  terms = 0;

  private schedule(delayMs = this.options.renewMs): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.tick().then(
        (next) => this.schedule(next),
        () => this.schedule(),
      );
    }, delayMs);
    this.timer.unref();
  }

  /** One try; returns when to try next (sooner when the lease is ours but little of it is left). */
  private async tick(): Promise<number> {
    const askedAt = Date.now();
    let token: number | undefined;
    let answered = false;
    try {
      // A store that never answers must not stop us from trying again (the own-clock expiry has stepped down already).
      token = await Promise.race([
        this.lease.acquire(this.holder, this.options.ttlMs),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`no answer within ${this.options.ttlMs} ms`)), this.options.ttlMs).unref(),
        ),
      ]);
      answered = true;
    } catch (e) {
      this.log.warn({ err: e }, 'leader lease: store did not answer');
    }
    if (this.stopped) return this.options.renewMs;
    // Counted from when we asked, not when the answer came: a late answer may have been written long ago.
    const validUntil = askedAt + this.options.ttlMs - this.options.renewMs;
    const left = validUntil - Date.now();
    // A late answer (the store stalled): the lease is ours, but too little of it is left to start a term on; renew first.
    if (token !== undefined && left < this.options.renewMs && (this.term === undefined || token !== this.token)) return 0;
    if (token !== undefined && left > 0) {
      const newTerm = this.term === undefined || token !== this.token;
      if (newTerm && this.term) this.endTerm('the lease was taken again under a new token');
      this.token = token;
      this.validUntil = validUntil;
      clearTimeout(this.expiry);
      this.expiry = setTimeout(() => this.endTerm('could not renew the lease in time'), validUntil - Date.now());
      this.expiry.unref();
      if (newTerm) this.beginTerm(token);
      return Math.min(this.options.renewMs, Math.max(0, left - this.options.renewMs));
    }
    if (answered && token === undefined && this.term) this.endTerm('another instance holds the lease');
    return this.options.renewMs;
  }

  private beginTerm(token: number): void {
    const term = new AbortController();
    this.term = term;
    this.terms++;
    this.log.info({ token, holder: this.holder }, 'became the leader');
    const onGain = this.onGain!;
    this.transition = this.transition
      .then(() => (term.signal.aborted ? undefined : onGain(term.signal)))
      .catch((e: unknown) => this.log.error({ err: e }, 'could not take over as leader'));
  }

  /** Synchronous: the term's signal aborts now, so the loops stop even while the store does not answer. */
  private endTerm(reason: string): void {
    const term = this.term;
    if (!term) return;
    this.term = undefined;
    this.token = undefined;
    clearTimeout(this.expiry);
    this.log.warn({ holder: this.holder, reason }, 'lost leadership');
    term.abort();
    const onLose = this.onLose!;
    this.transition = this.transition.then(onLose).catch((e: unknown) => this.log.error({ err: e }, 'could not step down cleanly'));
  }

  /** The fence of this instance's durable writes as leader: refused unless our term is current, by our clock and the store's. */
  readonly fence: Fence = {
    assert: async () => {
      if (this.exclusive) return this.assertExclusive();
      const token = this.token;
      if (token === undefined || !this.isLeader()) throw new StaleLeaderError(token, 'not the leader: the write was refused');
      if (!(await this.lease.holds(this.holder, token)))
        throw new StaleLeaderError(token, `fencing token ${token} is stale: another instance leads`);
      if (!this.isLeader() || this.token !== token) throw new StaleLeaderError(token, 'the term ended while the write was checked');
    },
    term: () => {
      // SQLite has no fenced writes (one instance per file); its `assert()` renews a lapsed lock instead.
      if (this.exclusive) return undefined;
      const token = this.token;
      if (token === undefined || !this.isLeader()) throw new StaleLeaderError(token, 'not the leader: the write was refused');
      return { lease: LEADER_LEASE, holder: this.holder, token };
    },
  };

  /** Set by `claimExclusive`: the one instance on a SQLite file, which no term of another instance can follow. */
  private exclusive = false;

  /**
   * SQLite: a renewal that failed while the store stalled (busy, full disk) lapses our own clock, but
   * nobody else can have taken the file meanwhile unless the store says so. Renew now: a store that
   * still fails throws `StoreUnavailableError` (the write is retried later, not dropped), and only a
   * lease held by someone else is a stale term.
   */
  private async assertExclusive(): Promise<void> {
    if (this.isLeader()) return;
    const token = await this.lease.acquire(this.holder, this.options.ttlMs);
    if (token === undefined) throw new StaleLeaderError(this.token, 'another instance holds the instance lock: the write was refused');
    this.gained(token);
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
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.timer);
    clearTimeout(this.expiry);
    if (this.term) {
      this.term.abort();
      this.term = undefined;
    }
    await this.transition;
    if (this.token !== undefined) await this.lease.release(this.holder).catch(() => undefined);
    this.token = undefined;
  }
}
