import type { Logger } from 'pino';
import type { KeyValue, Store } from '../storage/store.ts';
import { isDeliveryError, isStoreUnavailable, type DeliveryError } from '../core/errors.ts';
import { isClosedStatus, targetKey, type Announcement, type Platform, type StatusEvent, type Target } from '../core/model.ts';
import type { ChatAdapter, PostedRef } from '../adapters/adapter.ts';
import type { MessageModel } from '../i18n/message.ts';
import type { Outbox, DeliveryJob } from './outbox.ts';
import type { RateLimiter } from './rate-limit.ts';
import { backoffMs } from './retry.ts';
import type { RecipientOrigin } from '../core/fanout.ts';
import { CircuitBreaker, type BreakerOptions, type Transition } from './breaker.ts';
import type { DeadLetterReason } from './dead-letters.ts';
import { NAMESPACES } from '../storage/namespaces.ts';

/** What a target already shows of a story: its first post and how many replies followed. */
export interface PostedStory {
  readonly root: PostedRef;
  readonly replies: number;
  readonly closed: boolean;
  /** The outbox seq of the last job shown there: an older job of the story (a retried dead letter) is stale. */
  readonly seq?: number;
}

export interface DeliveryOptions {
  readonly concurrency: number;
  /** `delivery.maxAge`: how long a message may wait for its platform before it is dead-lettered. */
  readonly maxAgeMs: number;
  readonly breaker?: Partial<BreakerOptions>;
  /** How often the leader takes in dead letters re-queued by `status-relay outbox retry`. */
  readonly requeuePollMs?: number;
}

export const DEFAULT_MAX_AGE_MS = 24 * 3_600_000;

export interface DeliveryHooks {
  render(event: Announcement, locale: string): MessageModel;
  /** One message for everything held during a subscriber's quiet hours. */
  renderHeldSummary(events: readonly StatusEvent[], locale: string): MessageModel;
  /** The platform says the target is gone: forget the subscription / announcement, or pause the config target. */
  onTargetGone(target: Target, origin: RecipientOrigin, error: DeliveryError): Promise<void>;
  /** The chat moved (Telegram supergroup upgrade). */
  onTargetMoved(from: Target, to: Target, origin: RecipientOrigin): Promise<void>;
}

export interface DeliveryStats {
  sent: Record<string, number>;
  failed: Record<string, number>;
  rateLimited: Record<string, number>;
  deadTargets: Record<string, number>;
  coalesced: number;
  /** Dead-lettered by this process, per reason and platform. */
  deadLettered: Record<DeadLetterReason, Record<string, number>>;
  /** Record → sent, ms, most recent first-sends (bounded). */
  latencyMs: number[];
}

const GONE_MEMORY_MS = 10 * 60_000;
/**
 * The in-flight window: sends under way plus sends not yet durably marked. Delivery never lets it
 * exceed this, so a SIGKILL repeats at most this many messages (stated in the README).
 */
export const IN_FLIGHT_WINDOW = 96;
const POST_TTL_MS = NAMESPACES.posts.ttlMs;
/** While the store is down a job waits this long (with jitter) and keeps its attempts: the message is not at fault. */
const STORE_RETRY_MS = 2_000;
const POST_FLUSH_MS = 20;
const POST_FLUSH_RETRY_CAP_MS = 5_000;
/** Targets remembered as gone: enough for a mass unsubscribe, bounded against a flood of dead chats. */
const GONE_MEMORY_MAX = 10_000;

const bump = (m: Record<string, number>, k: string) => {
  m[k] = (m[k] ?? 0) + 1;
};

/**
 * Sends what the outbox holds: per-target order, paced by the rate limiter, retried with backoff,
 * dead targets dropped on the adapters' typed errors. Updates edit the first post and reply in its
 * thread; the resolution is the last reply. When several updates of one story wait for the same
 * target, only the latest is sent (one edit, one reply), not a backlog.
 */
export class Delivery {
  private readonly posts: KeyValue;
  private readonly unflushedPosts = new Map<string, PostedStory>();
  private postFlush: NodeJS.Timeout | undefined;
  private postFlushFailures = 0;
  private readonly inFlight = new Set<string>();
  private readonly inFlightOn = new Map<Platform, number>();
  /** Targets found gone recently: jobs fanned out before the removal are dropped without another call. */
  private readonly gone = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;
  private loopDone: Promise<void> | undefined;
  private nextSweep = 0;
  private requeueTimer: NodeJS.Timeout | undefined;
  private adopting: Promise<void> = Promise.resolve();
  readonly breaker: CircuitBreaker;
  readonly stats: DeliveryStats = {
    sent: {},
    failed: {},
    rateLimited: {},
    deadTargets: {},
    coalesced: 0,
    deadLettered: { expired: {}, permanent: {} },
    latencyMs: [],
  };
  /** Called with each first-attempt send's latency (the /metrics histogram). */
  onFirstSend: ((platform: Platform, latencyMs: number) => void) | undefined;

  constructor(
    store: Store,
    private readonly outbox: Outbox,
    private readonly adapters: ReadonlyMap<Platform, ChatAdapter>,
    private readonly limiter: RateLimiter,
    private readonly hooks: DeliveryHooks,
    private readonly log: Logger,
    private readonly options: DeliveryOptions = { concurrency: 32, maxAgeMs: DEFAULT_MAX_AGE_MS },
  ) {
    this.posts = store.namespace('posts');
    outbox.onFlushError = (err, retryInMs) => this.log.warn({ err, retryInMs }, 'could not write delivery progress to the store; retrying');
    this.breaker = new CircuitBreaker(options.breaker);
  }

  start(): void {
    this.stopping = false;
    this.loopDone = this.loop();
    this.requeueTimer = setInterval(() => this.adoptRequeued(), this.options.requeuePollMs ?? 3000);
    this.requeueTimer.unref();
    this.adoptRequeued();
  }

  /** Dead letters that `status-relay outbox retry` handed back (also those left while the bot was stopped). */
  private adoptRequeued(): void {
    this.adopting = this.adopting.then(async () => {
      if (this.stopping) return;
      const n = await this.outbox.adoptRequeued().catch((e: unknown) => {
        this.log.warn({ err: e }, 'could not read re-queued dead letters; trying again shortly');
        return 0;
      });
      if (n === 0) return;
      this.log.info({ jobs: n }, 'dead letters re-queued by the operator');
      this.poke();
    });
  }

  /** New jobs were recorded: look at the queues now rather than at the next tick. */
  poke(): void {
    this.wake?.();
  }

  /** Stops taking new jobs, waits for the ones in flight (at most `timeoutMs`), writes what is buffered. */
  async stop(timeoutMs = 8000): Promise<void> {
    this.stopping = true;
    clearInterval(this.requeueTimer);
    this.poke();
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await this.loopDone;
    await this.adopting;
    // Unwritten story refs only cost an edit (a new post) after the next start; nothing is lost.
    await this.flushPosts().catch((err: unknown) => this.log.error({ err }, 'could not write story refs at stop'));
    await this.outbox.close();
  }

  idle(): boolean {
    return this.inFlight.size === 0 && this.outbox.depth() === 0;
  }

  /** A user subscribed again (or a channel re-enabled announcements): deliver to it again. */
  revive(target: Target): void {
    this.gone.delete(targetKey(target));
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      const waitMs = this.dispatch();
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(resolve, Math.max(1, Math.min(waitMs, 1000)));
      });
      clearTimeout(this.timer);
      this.wake = undefined;
    }
  }

  /** Starts every job that may go now; returns how long until the next one may. */
  private dispatch(): number {
    const now = Date.now();
    let nextWait = 1000;
    if (now >= this.nextSweep) {
      this.sweepExpired(now);
      this.nextSweep = now + Math.min(10_000, Math.max(100, this.options.maxAgeMs / 10));
    }
    for (const [platform, adapter] of this.adapters) {
      if (adapter.state() !== 'connected') continue;
      const gate = this.breaker.gate(platform, now);
      if (gate.mode === 'wait') {
        nextWait = Math.min(nextWait, gate.ms);
        continue;
      }
      const probe = gate.mode === 'probe';
      const suspect = this.breaker.suspect(platform);
      for (const job of this.outbox.candidates(platform, now)) {
        if (suspect && (this.inFlightOn.get(platform) ?? 0) >= this.breaker.options.failures) break;
        if (this.inFlight.size >= this.options.concurrency) return nextWait;
        if (this.inFlight.size + this.outbox.unflushed() >= IN_FLIGHT_WINDOW) return 2;
        const key = targetKey(job.target);
        if (this.inFlight.has(key)) continue;
        const goneAt = this.gone.get(key);
        if (goneAt !== undefined && now - goneAt < GONE_MEMORY_MS) {
          this.outbox.dropTarget(job.target);
          continue;
        }
        // A probe is the breaker's call: it goes as soon as the cooldown allows, whatever the job's own backoff.
        if (probe ? (job.holdUntil ?? 0) > now : job.notBefore > now) {
          nextWait = Math.min(nextWait, job.notBefore - now);
          continue;
        }
        const { wait, scope } = this.limiter.check(job.target, now);
        if (wait > 0) {
          nextWait = Math.min(nextWait, wait);
          // The whole platform is at its limit: no other target of it may go now either.
          if (scope === 'platform') break;
          continue;
        }
        this.limiter.book(job.target, now);
        this.inFlight.add(key);
        this.inFlightOn.set(platform, (this.inFlightOn.get(platform) ?? 0) + 1);
        this.outbox.served(job);
        if (probe) {
          this.breaker.probing(platform, job.id);
          this.log.info({ platform, target: key, job: job.id }, 'circuit open: probing the platform with one message');
        }
        void this.run(job, adapter).finally(() => {
          this.inFlight.delete(key);
          this.inFlightOn.set(platform, (this.inFlightOn.get(platform) ?? 1) - 1);
          this.breaker.settled(platform, job.id, Date.now());
          this.poke();
        });
        if (probe) break;
      }
    }
    return nextWait;
  }

  /** When a job stops waiting: it was due at its quiet-hours end, or when it was recorded. */
  private expired(job: DeliveryJob, now: number): boolean {
    return now - Math.max(job.createdAt, job.holdUntil ?? 0) >= this.options.maxAgeMs;
  }

  /** A later job of the same story waits for the same target: it carries the newer state. */
  private superseded(job: DeliveryJob): boolean {
    return this.outbox.queueOf(job.target).some((j) => j !== job && j.story === job.story && j.seq > job.seq);
  }

  /**
   * Jobs that waited longer than `delivery.maxAge` without a chance to fail (their platform's circuit
   * is open, the adapter is down, the bot was stopped) become dead letters too.
   */
  private sweepExpired(now: number): void {
    for (const job of this.outbox.all()) {
      if (!this.expired(job, now) || this.inFlight.has(targetKey(job.target))) continue;
      if (this.superseded(job)) {
        this.stats.coalesced++;
        this.outbox.complete(job);
        continue;
      }
      const waited = `waited longer than delivery.maxAge (${Math.round(this.options.maxAgeMs / 1000)} s) for ${job.target.platform}`;
      this.deadLetter(job, 'expired', job.lastError?.code ?? 'max_age', job.lastError ? `${job.lastError.message} (${waited})` : waited);
    }
  }

  private deadLetter(job: DeliveryJob, reason: DeadLetterReason, code: string, error: string): void {
    const platform = job.target.platform;
    bump(this.stats.failed, platform);
    bump(this.stats.deadLettered[reason], platform);
    this.log.error(
      { platform, target: targetKey(job.target), job: job.id, attempts: job.attempts, reason, code, err: error },
      'message dead-lettered: `status-relay outbox list` shows it, `outbox retry` sends it again',
    );
    this.outbox.deadLetter(job, { reason, code, error });
  }

  private noteCircuit(platform: Platform, transition: Transition): void {
    if (transition === 'opened')
      this.log.error(
        { platform, probeInMs: this.breaker.options.cooldownMs },
        'platform fails for every chat: pausing it (circuit open) and probing it with one message at a time',
      );
    else if (transition === 'closed') {
      const resumed = this.outbox.clearBackoff(platform);
      this.log.warn({ platform, resumed }, 'platform answers again: circuit closed, the backlog goes out at the paced rate');
      this.poke();
    }
  }

  private postKey(job: DeliveryJob): string {
    return `${targetKey(job.target)}|${job.story}`;
  }

  private async getPost(key: string): Promise<PostedStory | undefined> {
    return this.unflushedPosts.get(key) ?? (await this.posts.get<PostedStory>(key));
  }

  /** Story refs are written in batches too; reads see unflushed ones first. */
  private setPost(key: string, story: PostedStory): void {
    this.unflushedPosts.set(key, story);
    this.schedulePostFlush(POST_FLUSH_MS);
  }

  private schedulePostFlush(delayMs: number): void {
    this.postFlush ??= setTimeout(() => {
      this.postFlush = undefined;
      this.flushPosts().catch((err: unknown) => {
        const retryInMs = Math.min(POST_FLUSH_RETRY_CAP_MS, POST_FLUSH_MS * 2 ** Math.min(10, ++this.postFlushFailures));
        this.log.warn({ err, retryInMs }, 'could not write story refs to the store; retrying');
        this.schedulePostFlush(retryInMs);
      });
    }, delayMs);
  }

  /** Until written, refs stay in `unflushedPosts`, where reads find them. */
  private async flushPosts(): Promise<void> {
    clearTimeout(this.postFlush);
    this.postFlush = undefined;
    const entries = [...this.unflushedPosts.entries()];
    if (entries.length === 0) return;
    await this.posts.setMany(entries, POST_TTL_MS);
    this.postFlushFailures = 0;
    for (const [k, v] of entries) if (this.unflushedPosts.get(k) === v) this.unflushedPosts.delete(k);
  }

  private async run(job: DeliveryJob, adapter: ChatAdapter): Promise<void> {
    const platform = job.target.platform;
    try {
      const queue = this.outbox.queueOf(job.target);
      if (job.holdUntil !== undefined) {
        const held = queue.filter((j) => j.holdUntil !== undefined);
        if (held.length > 1) {
          await adapter.send(
            job.target,
            this.hooks.renderHeldSummary(
              // Only direct messages are held, and only tracker events go to direct messages (a digest goes to channels).
              held.map((j) => this.outbox.eventOf(j)).filter((e): e is StatusEvent => e.type !== 'digest'),
              job.locale,
            ),
          );
          for (const j of held) this.outbox.complete(j);
          this.sent(platform, job);
          return;
        }
      }
      // A later update of the same story is already waiting: this one is superseded by it.
      if (this.superseded(job)) {
        this.stats.coalesced++;
        this.outbox.complete(job);
        return;
      }
      if (await this.deliver(job, adapter)) this.sent(platform, job);
      else this.stats.coalesced++;
      this.outbox.complete(job);
    } catch (e) {
      // Runs detached from the dispatcher: whatever happens here must not become an unhandled rejection.
      await this.fail(job, e).catch((err: unknown) => {
        job.notBefore = Date.now() + STORE_RETRY_MS;
        this.log.error({ platform, job: job.id, err }, 'could not record a failed attempt; will retry');
      });
    }
  }

  private sent(platform: Platform, job: DeliveryJob): void {
    this.noteCircuit(platform, this.breaker.answered(platform));
    bump(this.stats.sent, platform);
    if (job.attempts === 0) {
      const ms = Date.now() - job.createdAt;
      this.onFirstSend?.(platform, ms);
      this.stats.latencyMs.push(ms);
      if (this.stats.latencyMs.length > 20_000) this.stats.latencyMs.splice(0, 10_000);
    }
  }

  /** Sends the job; false when the target already shows a newer state of the story (nothing sent). */
  private async deliver(job: DeliveryJob, adapter: ChatAdapter): Promise<boolean> {
    const key = this.postKey(job);
    const event = this.outbox.eventOf(job);
    // The first event of a story cannot have a post yet (but for a crash right after sending, which
    // the in-flight window bounds): skip the read, one per recipient of a broadcast. A retry reads:
    // its first attempt may have been posted, or a later state of the story delivered meanwhile.
    const fresh = job.attempts === 0 && (event.type !== 'incident' || event.phase === 'opened' || event.phase === 'scheduled');
    const story = fresh ? this.unflushedPosts.get(key) : await this.getPost(key);
    if (story?.seq !== undefined && story.seq > job.seq) return false;
    const message = this.hooks.render(event, job.locale);
    const closing = event.type === 'incident' && isClosedStatus(event.incident.status);
    if (!story) {
      const root = await adapter.send(job.target, message);
      this.setPost(key, { root, replies: 0, closed: closing, seq: job.seq });
      return true;
    }
    if (adapter.edit && !job.edited) {
      await adapter.edit(story.root, message);
      job.edited = true;
    }
    const hasNews = event.type !== 'incident' || Boolean(event.update) || (closing && !story.closed);
    // Without edits (console), each change is its own reply; with edits, replies only carry news.
    if (hasNews || !adapter.edit) {
      // The edit used this chat's slot; the reply waits for the next one instead of drawing a 429.
      if (adapter.edit) await this.limiter.take(job.target);
      await adapter.send(job.target, message, { replyTo: story.root, ...(closing && !story.closed ? { resolution: true } : {}) });
      this.setPost(key, { ...story, replies: story.replies + 1, closed: story.closed || closing, seq: job.seq });
    } else this.setPost(key, { ...story, seq: job.seq });
    if (closing && !story.closed && adapter.closeThread) await adapter.closeThread(story.root);
    return true;
  }

  private async fail(job: DeliveryJob, e: unknown): Promise<void> {
    const platform = job.target.platform;
    const key = targetKey(job.target);
    const ctx = { platform, target: key, job: job.id, attempts: job.attempts };
    if (isStoreUnavailable(e)) {
      // A read failed (never taken as "no post yet"): nothing was sent; try again once the store answers.
      job.notBefore = Date.now() + STORE_RETRY_MS / 2 + Math.random() * STORE_RETRY_MS;
      this.log.warn({ ...ctx, err: e.message }, 'store unavailable; delivery will retry');
      return;
    }
    if (!isDeliveryError(e)) {
      this.log.error({ ...ctx, err: e }, 'delivery failed with an unexpected error; will retry');
      this.noteCircuit(platform, this.breaker.failed(platform, job.id, key, Date.now()));
      return this.retryLater(job, 'unexpected', e instanceof Error ? e.message : String(e), 1000);
    }
    switch (e.kind) {
      case 'rate_limited': {
        this.noteCircuit(platform, this.breaker.answered(platform));
        bump(this.stats.rateLimited, platform);
        const wait = e.retryAfterMs ?? 1000;
        this.limiter.penalize(job.target, wait, e.scope === 'platform');
        job.notBefore = Date.now() + wait;
        this.log.warn({ ...ctx, retryAfterMs: wait }, 'rate limited by the platform; waiting as told');
        await this.outbox.update(job);
        return;
      }
      case 'target_gone': {
        this.noteCircuit(platform, this.breaker.answered(platform));
        if (e.movedToChatId) {
          const to: Target = { ...job.target, chatId: e.movedToChatId };
          this.log.warn({ ...ctx, to: e.movedToChatId }, 'chat moved; following it');
          await this.outbox.retarget(job.target, to);
          await this.hooks.onTargetMoved(job.target, to, job.origin);
          return;
        }
        this.rememberGone(key);
        bump(this.stats.deadTargets, platform);
        bump(this.stats.failed, platform);
        const dropped = this.outbox.dropTarget(job.target);
        this.log.error({ ...ctx, code: e.code, dropped }, 'target is gone; dropped it and its queued messages');
        await this.hooks.onTargetGone(job.target, job.origin, e);
        return;
      }
      case 'permanent': {
        this.noteCircuit(platform, this.breaker.answered(platform));
        job.attempts++;
        this.deadLetter(job, 'permanent', e.code, e.message);
        return;
      }
      case 'auth':
      case 'transient': {
        this.log.warn({ ...ctx, code: e.code, err: e.message }, 'delivery failed; will retry');
        this.noteCircuit(platform, this.breaker.failed(platform, job.id, key, Date.now()));
        return this.retryLater(job, e.code, e.message, e.kind === 'auth' ? 30_000 : 1000);
      }
    }
  }

  private rememberGone(key: string): void {
    const now = Date.now();
    this.gone.delete(key);
    this.gone.set(key, now);
    // Oldest first (Map order): expired ones go, and past the bound the oldest too.
    for (const [k, at] of this.gone) {
      if (this.gone.size <= GONE_MEMORY_MAX && now - at < GONE_MEMORY_MS) break;
      this.gone.delete(k);
    }
  }

  /**
   * A failure that may pass: try again with capped backoff until a newer state of the story
   * supersedes the job or it has waited `delivery.maxAge`. Never a fixed number of attempts: an
   * outage longer than the attempts would last must not lose the message (issue 12).
   */
  private async retryLater(job: DeliveryJob, code: string, error: string, baseMs: number): Promise<void> {
    job.attempts++;
    job.lastError = { code, message: error };
    const now = Date.now();
    if (this.superseded(job)) {
      this.stats.coalesced++;
      this.outbox.complete(job);
      return;
    }
    if (this.expired(job, now)) return this.deadLetter(job, 'expired', code, error);
    job.notBefore = now + backoffMs(job.attempts, Math.random, baseMs);
    await this.outbox.update(job);
  }
}
