import type { Logger } from 'pino';
import { isDeliveryError } from '../core/errors.ts';
import type { Platform, Target } from '../core/model.ts';
import type { RateLimiter } from './rate-limit.ts';

/**
 * How long an answer to a command stays worth sending: a person who typed /status a minute ago has
 * looked elsewhere. Replies are not durable (an answer after a restart is useless), so this is
 * also the longest a reply waits in memory.
 */
export const REPLY_USEFUL_MS = 60_000;

export interface ReplyStats {
  sent: Record<string, number>;
  /** 429 answers to replies (each was waited out and retried while still useful). */
  rateLimited: Record<string, number>;
  /** Replies dropped because they could not go out within REPLY_USEFUL_MS of the command. */
  givenUp: Record<string, number>;
  /** Replies the platform refused for another reason (logged by the adapter). */
  failed: Record<string, number>;
}

export interface ReplyOptions {
  /** When the command arrived (ms since epoch): the reply is useful until REPLY_USEFUL_MS after it. */
  readonly receivedAt?: number;
  /**
   * False for answers the platform does not count against the bot's message limits (Slack's
   * response_url): they skip the slot but keep the 429 wait-and-retry.
   */
  readonly metered?: boolean;
}

export type ReplyOutcome<T> = { readonly sent: true; readonly value: T } | { readonly sent: false };

interface Waiter {
  readonly target: Target;
  readonly deadline: number;
  /** Called with the booking time, or undefined when the reply got no slot in time. */
  readonly done: (bookedAt: number | undefined) => void;
}

const bump = (m: Record<string, number>, k: string) => {
  m[k] = (m[k] ?? 0) + 1;
};

/**
 * Command replies through the platform's pacer, ahead of broadcasts: each reply waits for a slot of
 * the same RateLimiter delivery uses (so Telegram's ~30 msg/s and per-chat limits hold for both),
 * and while a reply is ready, broadcasts yield (RateLimiter.yieldTo). A 429 penalizes the chat (or
 * the platform) and the reply waits it out and tries again, until REPLY_USEFUL_MS after the
 * command; then it is given up, logged and counted.
 */
export class ReplyPacer {
  readonly stats: ReplyStats = { sent: {}, rateLimited: {}, givenUp: {}, failed: {} };
  private readonly queues = new Map<Platform, Waiter[]>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private stopped = false;

  constructor(
    private readonly limiter: RateLimiter,
    private readonly log: Logger,
    private readonly clock: () => number = Date.now,
  ) {
    limiter.yieldTo((platform, now) => this.hasReady(platform, now));
  }

  /** Replies waiting for a slot, over all platforms. */
  waiting(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  /**
   * Sends one reply: `attempt` makes the platform call and throws the adapter's DeliveryError.
   * Resolves with the call's value, or `sent: false` once the reply is no longer useful. Errors
   * other than rate limits are rethrown for the adapter to log.
   */
  async send<T>(target: Target, attempt: () => Promise<T>, options: ReplyOptions = {}): Promise<ReplyOutcome<T>> {
    const platform = target.platform;
    const deadline = (options.receivedAt ?? this.clock()) + REPLY_USEFUL_MS;
    for (;;) {
      const bookedAt = options.metered === false ? undefined : await this.slot(target, deadline);
      if (options.metered !== false && bookedAt === undefined) return this.giveUp(target, 'no slot in time');
      try {
        const value = await attempt();
        bump(this.stats.sent, platform);
        return { sent: true, value };
      } catch (e) {
        if (!isDeliveryError(e) || e.kind !== 'rate_limited') {
          bump(this.stats.failed, platform);
          throw e;
        }
        bump(this.stats.rateLimited, platform);
        const wait = e.retryAfterMs ?? 1000;
        this.limiter.penalize(target, wait, e.scope === 'platform');
        if (this.clock() + wait > deadline) return this.giveUp(target, `429 asked for ${wait} ms`);
        this.log.debug({ platform, chat: target.chatId, waitMs: wait }, 'command reply rate limited; waiting it out');
        if (options.metered === false) await new Promise((r) => setTimeout(r, wait));
      } finally {
        if (bookedAt !== undefined) this.limiter.settle(platform, bookedAt, this.clock());
      }
    }
  }

  /** Wakes every waiting reply as given up (shutdown): nothing is sent after stop. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const q of this.queues.values()) for (const w of q.splice(0)) w.done(undefined);
  }

  private giveUp(target: Target, why: string): ReplyOutcome<never> {
    bump(this.stats.givenUp, target.platform);
    this.log.warn(
      { platform: target.platform, chat: target.chatId, why },
      'command reply given up: it could not go out within 60 s of the command',
    );
    return { sent: false };
  }

  /** Waits for a slot of the platform's pacer; resolves with the booking time, or undefined past the deadline. */
  private slot(target: Target, deadline: number): Promise<number | undefined> {
    if (this.stopped) return Promise.resolve(undefined);
    return new Promise<number | undefined>((resolve) => {
      let q = this.queues.get(target.platform);
      if (!q) this.queues.set(target.platform, (q = []));
      q.push({ target, deadline, done: resolve });
      this.pump();
    });
  }

  /** A reply of `platform` could take a slot as soon as the platform allows: broadcasts wait. */
  private hasReady(platform: Platform, now: number): boolean {
    const q = this.queues.get(platform);
    if (!q?.length) return false;
    for (const w of q) if (w.deadline > now && this.limiter.checkFirst(w.target, now).wait === 0) return true;
    return false;
  }

  /** Books slots for waiting replies, oldest first; a reply whose chat is busy lets the next one go. */
  private pump(): void {
    const now = this.clock();
    let next = Infinity;
    for (const [platform, q] of this.queues) {
      for (let i = 0; i < q.length;) {
        const w = q[i]!;
        if (w.deadline <= now) {
          q.splice(i, 1);
          w.done(undefined);
          continue;
        }
        const { wait, scope } = this.limiter.checkFirst(w.target, now);
        if (wait === 0) {
          this.limiter.book(w.target, now);
          q.splice(i, 1);
          w.done(now);
          continue;
        }
        next = Math.min(next, wait, w.deadline - now);
        if (scope === 'platform') break;
        i++;
      }
      if (q.length === 0) this.queues.delete(platform);
    }
    if (next === Infinity) return;
    const at = now + Math.max(1, next);
    if (this.timer && this.timerAt <= at) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Infinity;
        this.pump();
      },
      Math.max(1, next),
    );
  }
}
