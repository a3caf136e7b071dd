import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, RateLimiter, type PlatformLimits } from './rate-limit.ts';
import type { Platform, Target } from '../core/model.ts';

const T0 = 1_000_000;
const chat = (chatId: string, kind: Target['kind'] = 'channel', platform: Platform = 'telegram'): Target => ({ platform, kind, chatId });
const limits = (over: Partial<Record<Platform, PlatformLimits>>): Record<Platform, PlatformLimits> => ({ ...DEFAULT_LIMITS, ...over });

describe('RateLimiter (a manual clock: no timers)', () => {
  it('books the first message at once and holds the same chat for its interval', () => {
    const limiter = new RateLimiter(limits({ telegram: { globalPerSecond: 30, perChatIntervalMs: 1000 } }), () => T0);
    expect(limiter.reserve(chat('a'), T0)).toBe(0);
    expect(limiter.check(chat('a'), T0 + 500)).toEqual({ wait: 500, scope: 'chat' });
    expect(limiter.reserve(chat('a'), T0 + 1000)).toBe(0);
  });

  it('spaces two chats of one platform by the platform gap (0.85 / globalPerSecond), never a burst', () => {
    const limiter = new RateLimiter(limits({ slack: { globalPerSecond: 20, perChatIntervalMs: 0 } }));
    expect(limiter.reserve(chat('a', 'channel', 'slack'), T0)).toBe(0);
    const verdict = limiter.check(chat('b', 'channel', 'slack'), T0);
    expect(verdict.scope).toBe('platform');
    expect(verdict.wait).toBeCloseTo(42.5, 5);
  });

  it('never lets more than globalPerSecond requests into one sliding window', () => {
    const limiter = new RateLimiter(limits({ console: { globalPerSecond: 4, perChatIntervalMs: 0 } }));
    let now = T0;
    const booked: number[] = [];
    while (booked.length < 12) {
      const wait = limiter.reserve(chat(`c${booked.length}`, 'dm', 'console'), now);
      if (wait === 0) booked.push(now);
      else now += wait;
    }
    for (const t of booked) expect(booked.filter((u) => u >= t && u < t + 1000).length).toBeLessThanOrEqual(4);
  });

  it('caps a Telegram group at perGroupPerMinute; a direct message is not a group', () => {
    const limiter = new RateLimiter(limits({ telegram: { globalPerSecond: 1000, perChatIntervalMs: 0, perGroupPerMinute: 3 } }));
    for (let i = 0; i < 3; i++) expect(limiter.reserve(chat('g'), T0 + i * 10)).toBe(0);
    expect(limiter.check(chat('g'), T0 + 30)).toEqual({ wait: 60_000 - 30, scope: 'chat' });
    expect(limiter.check(chat('g', 'dm'), T0 + 30).wait).toBe(0);
  });

  it('a 429 holds the chat; a platform-wide one holds every chat of the platform, and only that platform', () => {
    const limiter = new RateLimiter(limits({ discord: { globalPerSecond: 1000, perChatIntervalMs: 0 } }));
    limiter.penalize(chat('a', 'channel', 'discord'), 5000, false, T0);
    expect(limiter.check(chat('a', 'channel', 'discord'), T0)).toEqual({ wait: 5000, scope: 'chat' });
    expect(limiter.check(chat('b', 'channel', 'discord'), T0).wait).toBe(0);
    limiter.penalize(chat('a', 'channel', 'discord'), 2000, true, T0);
    expect(limiter.check(chat('b', 'channel', 'discord'), T0)).toEqual({ wait: 2000, scope: 'platform' });
    expect(limiter.check(chat('b', 'channel', 'slack'), T0).wait).toBe(0);
  });

  it('broadcasts yield one gap to a ready command reply; the reply itself does not wait', () => {
    const limiter = new RateLimiter(limits({ slack: { globalPerSecond: 10, perChatIntervalMs: 0 } }));
    limiter.yieldTo((platform) => platform === 'slack');
    expect(limiter.check(chat('a', 'channel', 'slack'), T0)).toEqual({ wait: 85, scope: 'platform' });
    expect(limiter.checkFirst(chat('a', 'channel', 'slack'), T0).wait).toBe(0);
  });

  it('settle counts a late-answered request at its answer time', () => {
    const limiter = new RateLimiter(limits({ console: { globalPerSecond: 1, perChatIntervalMs: 0 } }));
    expect(limiter.reserve(chat('a', 'dm', 'console'), T0)).toBe(0);
    limiter.settle('console', T0, T0 + 800);
    expect(limiter.check(chat('b', 'dm', 'console'), T0 + 1100).wait).toBe(800 + 1025 - 1100);
  });
});
