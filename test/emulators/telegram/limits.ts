/**
 * Broadcast limits of the Bot API (core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this,
 * docs/platforms.md §1): about one message per second in a chat (short bursts allowed), at most 20
 * messages per minute in a group, about 30 messages per second overall. Over a limit the server
 * answers 429 with `parameters.retry_after` in whole seconds.
 */
export interface EmulatorLimits {
  /** Messages a chat may take at once before the 1/s pace applies. */
  readonly chatBurst: number;
  readonly chatPerSecond: number;
  readonly groupPerMinute: number;
  readonly globalPerSecond: number;
}

export const REAL_LIMITS: EmulatorLimits = { chatBurst: 3, chatPerSecond: 1, groupPerMinute: 20, globalPerSecond: 30 };

export class LimitBook {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly groups = new Map<string, number[]>();
  private global: number[] = [];

  constructor(
    public limits: EmulatorLimits,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Books one message to `chatId`; returns seconds to wait (429) or 0 when it may go. */
  take(chatId: string, isGroup: boolean): number {
    const now = this.clock();
    const l = this.limits;
    this.global = this.global.filter((t) => now - t < 1000);
    const waits: number[] = [];
    if (this.global.length >= l.globalPerSecond) waits.push(this.global[0]! + 1000 - now);
    const b = this.buckets.get(chatId) ?? { tokens: l.chatBurst, at: now };
    b.tokens = Math.min(l.chatBurst, b.tokens + ((now - b.at) / 1000) * l.chatPerSecond);
    b.at = now;
    this.buckets.set(chatId, b);
    // Flood wait: the chat cools down until a full burst is allowed again, as after a real 429
    // (waiting only for the next token would let a retried edit+reply pair starve forever).
    if (b.tokens < 1) waits.push(((l.chatBurst - b.tokens) / l.chatPerSecond) * 1000);
    let window: number[] | undefined;
    if (isGroup) {
      window = (this.groups.get(chatId) ?? []).filter((t) => now - t < 60_000);
      this.groups.set(chatId, window);
      if (window.length >= l.groupPerMinute) waits.push(window[0]! + 60_000 - now);
    }
    if (waits.length) return Math.max(1, Math.ceil(Math.max(...waits) / 1000));
    b.tokens -= 1;
    this.global.push(now);
    window?.push(now);
    return 0;
  }
}
