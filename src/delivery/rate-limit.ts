import type { Platform, Target } from '../core/model.ts';
import { PLATFORM_REGISTRY } from '../adapters/registry.ts';

/** Documented platform limits (each adapter's `limits.ts`, docs/platforms.md §1). Tunable; adaptive on 429 through `penalize`. */
export interface PlatformLimits {
  /** Messages per second over the whole bot. */
  readonly globalPerSecond: number;
  /** Minimum gap between two messages to the same chat, in ms. */
  readonly perChatIntervalMs: number;
  /** Extra cap for groups (Telegram: 20 per minute per group). */
  readonly perGroupPerMinute?: number;
}

/**
 * The window is a little longer than a second: a request booked at t reaches the platform a few
 * ms later, so a strict 1000 ms window here could put limit + 1 requests into one of its seconds.
 */
const WINDOW_MS = 1025;
/** Minimum gap between two requests of a platform, as a share of the even spacing (1 / limit). */
const SPACING = 0.85;

/** Each platform's documented pacing, as its adapter states it (`src/adapters/<platform>/limits.ts`). */
export const DEFAULT_LIMITS = Object.fromEntries(
  Object.entries(PLATFORM_REGISTRY).map(([platform, entry]) => [platform, entry.pacing]),
) as Record<Platform, PlatformLimits>;

/**
 * Decides when the next message may go, so that we send at the platform's pace instead of
 * collecting 429s. `reserve` returns the ms to wait (0 = now) and books the slot when it is 0.
 */
export class RateLimiter {
  /** Send times of the last second per platform: the platforms count "N per second" over a sliding window. */
  private readonly recent = new Map<Platform, number[]>();
  private readonly pausedUntil = new Map<Platform, number>();
  private readonly chatNextAt = new Map<string, number>();
  private readonly groupWindows = new Map<string, number[]>();

  constructor(
    private readonly limits: Record<Platform, PlatformLimits> = DEFAULT_LIMITS,
    private readonly clock: () => number = Date.now,
  ) {}

  /**
   * Who goes ahead of broadcasts: command replies (reply-pacer.ts). While it says a reply is ready
   * on a platform, broadcasts wait one gap, so the person who asked is answered first.
   */
  private ahead: ((platform: Platform, now: number) => boolean) | undefined;

  yieldTo(ahead: (platform: Platform, now: number) => boolean): void {
    this.ahead = ahead;
  }

  /** How long until `target` may get a message, and whether the wait is the chat's or the whole platform's. */
  check(target: Target, now = this.clock()): { wait: number; scope: 'platform' | 'chat' } {
    const verdict = this.checkFirst(target, now);
    if (verdict.wait === 0 && this.ahead?.(target.platform, now)) return { wait: this.gapMs(target.platform), scope: 'platform' };
    return verdict;
  }

  /** The platform's minimum gap between two requests. */
  private gapMs(platform: Platform): number {
    return (SPACING * 1000) / this.limits[platform].globalPerSecond;
  }

  /** `check` for the sender that goes first (command replies): the limits, without yielding to anyone. */
  checkFirst(target: Target, now = this.clock()): { wait: number; scope: 'platform' | 'chat' } {
    const limits = this.limits[target.platform];
    const chat = `${target.platform}:${target.chatId}`;
    const window = this.window(target.platform, now);
    const capacity = Math.max(1, Math.floor(limits.globalPerSecond));
    const windowWait = window.length >= capacity ? window[window.length - capacity]! + WINDOW_MS - now : 0;
    // No bursts either: requests that leave together can arrive bunched and overflow the platform's second.
    const spacingWait = window.length ? window[window.length - 1]! + this.gapMs(target.platform) - now : 0;
    const platformWait = Math.max((this.pausedUntil.get(target.platform) ?? 0) - now, windowWait, spacingWait);
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
    this.window(target.platform, now).push(now);
    if (limits.perChatIntervalMs > 0) {
      if (this.chatNextAt.size > 50_000) for (const [k, t] of this.chatNextAt) if (t < now) this.chatNextAt.delete(k);
      this.chatNextAt.set(chat, now + limits.perChatIntervalMs);
    }
    if (target.kind === 'channel' && limits.perGroupPerMinute !== undefined) {
      // Windows of groups not written to for a minute are empty anyway: drop them (one entry per group ever served otherwise).
      if (this.groupWindows.size > 10_000)
        for (const [k, w] of this.groupWindows) if (now - w[w.length - 1]! >= 60_000) this.groupWindows.delete(k);
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

  private window(platform: Platform, now: number): number[] {
    let w = this.recent.get(platform);
    if (!w) this.recent.set(platform, (w = []));
    let drop = 0;
    while (drop < w.length && now - w[drop]! >= WINDOW_MS) drop++;
    if (drop) w.splice(0, drop);
    return w;
  }

  /**
   * A request booked at `bookedAt` was answered at `answeredAt`: the platform counted it somewhere
   * in between, so from now on it counts as sent at `answeredAt`. When this process stalls (a crowd
   * of commands to handle), requests booked evenly can reach the platform bunched; counting them
   * late keeps the next second from overflowing. Used for command replies (reply-pacer.ts).
   */
  settle(platform: Platform, bookedAt: number, answeredAt: number): void {
    const w = this.window(platform, answeredAt);
    const i = w.indexOf(bookedAt);
    if (i >= 0) w.splice(i, 1);
    let j = w.length;
    while (j > 0 && w[j - 1]! > answeredAt) j--;
    w.splice(j, 0, answeredAt);
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
