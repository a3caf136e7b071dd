import type { Platform, Target } from '../core/model.ts';

/** Documented platform limits (PLATFORMS.md §1). Tunable; adaptive on 429 through `pause`. */
export interface PlatformLimits {
  /** Messages per second over the whole bot. */
  readonly globalPerSecond: number;
  /** Minimum gap between two messages to the same chat, in ms. */
  readonly perChatIntervalMs: number;
  /** Extra cap for groups (Telegram: 20 per minute per group). */
  readonly perGroupPerMinute?: number;
}

export const DEFAULT_LIMITS: Record<Platform, PlatformLimits> = {
  telegram: { globalPerSecond: 30, perChatIntervalMs: 1000, perGroupPerMinute: 20 },
  discord: { globalPerSecond: 50, perChatIntervalMs: 200 },
  slack: { globalPerSecond: 20, perChatIntervalMs: 1000 },
  console: { globalPerSecond: 1000, perChatIntervalMs: 0 },
};

/**
 * Decides when the next message may go, so that we send at the platform's pace instead of
 * collecting 429s. `reserve` returns the ms to wait (0 = now) and books the slot when it is 0.
 */
export class RateLimiter {
  private readonly nextGlobalAt = new Map<Platform, number>();
  private readonly pausedUntil = new Map<Platform, number>();
  private readonly chatNextAt = new Map<string, number>();
  private readonly groupWindows = new Map<string, number[]>();

  constructor(private readonly limits: Record<Platform, PlatformLimits> = DEFAULT_LIMITS, private readonly clock: () => number = Date.now) {}

  /** How long until `target` may get a message, and whether the wait is the chat's or the whole platform's. */
  check(target: Target, now = this.clock()): { wait: number; scope: 'platform' | 'chat' } {
    const limits = this.limits[target.platform];
    const chat = `${target.platform}:${target.chatId}`;
    const platformWait = Math.max((this.pausedUntil.get(target.platform) ?? 0) - now, (this.nextGlobalAt.get(target.platform) ?? 0) - now);
    if (platformWait > 0) return { wait: platformWait, scope: 'platform' };
    let chatWait = (this.chatNextAt.get(chat) ?? 0) - now;
    if (target.kind === 'channel' && limits.perGroupPerMinute !== undefined) {
      const window = (this.groupWindows.get(chat) ?? []).filter((t) => now - t < 60_000);
      if (window.length) this.groupWindows.set(chat, window);
      else this.groupWindows.delete(chat);
      if (window.length >= limits.perGroupPerMinute) chatWait = Math.max(chatWait, window[0]! + 60_000 - now);
    }
    return { wait: Math.max(0, chatWait), scope: 'chat' };
  }

  /** Books a slot for `target` now (after `check` said 0). */
  book(target: Target, now = this.clock()): void {
    const limits = this.limits[target.platform];
    const chat = `${target.platform}:${target.chatId}`;
    this.nextGlobalAt.set(target.platform, Math.max(now, this.nextGlobalAt.get(target.platform) ?? 0) + 1000 / limits.globalPerSecond);
    if (limits.perChatIntervalMs > 0) this.chatNextAt.set(chat, now + limits.perChatIntervalMs);
    if (target.kind === 'channel' && limits.perGroupPerMinute !== undefined) {
      const window = this.groupWindows.get(chat) ?? [];
      window.push(now);
      this.groupWindows.set(chat, window);
    }
  }

  /** `check` then `book`: returns the ms to wait (0 = booked now). */
  reserve(target: Target, now = this.clock()): number {
    const { wait } = this.check(target, now);
    if (wait > 0) return wait;
    this.book(target, now);
    return 0;
  }

  /** Waits for a slot and books it: for the second call of one job (the thread reply after an edit). */
  async take(target: Target): Promise<void> {
    for (;;) {
      const wait = this.reserve(target);
      if (wait === 0) return;
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  /** A 429 said to wait: hold the chat (or the whole platform when the limit was global). */
  penalize(target: Target, retryAfterMs: number, global: boolean, now = this.clock()): void {
    if (global) this.pausedUntil.set(target.platform, Math.max(this.pausedUntil.get(target.platform) ?? 0, now + retryAfterMs));
    const chat = `${target.platform}:${target.chatId}`;
    this.chatNextAt.set(chat, Math.max(this.chatNextAt.get(chat) ?? 0, now + retryAfterMs));
  }
}
