import { describe, expect, it } from 'vitest';
import { CircuitBreaker, DEFAULT_BREAKER } from './breaker.ts';
import { backoffMs, MAX_BACKOFF_MS } from './retry.ts';

describe('backoff', () => {
  it('doubles from the base and never waits longer than a minute, jitter included', () => {
    expect(backoffMs(1, () => 1)).toBe(1000);
    expect(backoffMs(3, () => 1)).toBe(4000);
    expect(backoffMs(3, () => 0)).toBe(2000);
    for (const attempt of [7, 8, 20, 1000, Number.MAX_SAFE_INTEGER]) {
      expect(backoffMs(attempt, () => 1)).toBe(MAX_BACKOFF_MS);
      expect(backoffMs(attempt, () => 0)).toBe(MAX_BACKOFF_MS / 2);
    }
    expect(MAX_BACKOFF_MS).toBe(60_000);
    // The auth base (30 s) reaches the cap on its second attempt.
    expect(backoffMs(2, () => 1, 30_000)).toBe(60_000);
    expect(backoffMs(9, () => 1, 30_000)).toBe(60_000);
  });
});

describe('circuit breaker', () => {
  it('has the documented defaults', () => {
    expect(DEFAULT_BREAKER).toEqual({ failures: 5, targets: 2, cooldownMs: 2000, maxCooldownMs: 60_000 });
  });

  it('with the defaults, a 10-minute outage costs 5 failed sends plus 13 probes (at 2, 6, 14, 30, 62, 122 s, then every 60 s)', () => {
    const b = new CircuitBreaker();
    let now = 0;
    let requests = 0;
    for (let i = 0; b.state('telegram') === 'closed'; i++, requests++) b.failed('telegram', `j${i}`, `telegram:dm:${i}`, now);
    for (; now < 600_000; now += 100) {
      if (b.gate('telegram', now).mode !== 'probe') continue;
      requests++;
      b.probing('telegram', `p${requests}`);
      b.failed('telegram', `p${requests}`, 'telegram:dm:0', now);
    }
    expect(requests).toBe(5 + 13);
  });

  it('stays closed while failures hit one chat only, or an answer comes between them', () => {
    const b = new CircuitBreaker();
    for (let i = 0; i < 20; i++) expect(b.failed('telegram', `j${i}`, 'telegram:dm:1', i)).toBeUndefined();
    expect(b.state('telegram')).toBe('closed');
    b.answered('telegram');
    expect(b.suspect('telegram')).toBe(false);
    for (let i = 0; i < 4; i++) b.failed('telegram', `k${i}`, `telegram:dm:${i}`, i);
    expect(b.suspect('telegram')).toBe(true);
    b.answered('telegram');
    expect(b.suspect('telegram')).toBe(false);
    for (let i = 0; i < 4; i++) b.failed('telegram', `l${i}`, `telegram:dm:${i}`, i);
    expect(b.state('telegram')).toBe('closed');
    expect(b.gate('telegram', 10)).toEqual({ mode: 'send' });
  });

  it('opens after N failures in a row across chats, lets one probe through after each cooldown (doubling to the cap), closes on the first answer', () => {
    const b = new CircuitBreaker({ failures: 3, targets: 2, cooldownMs: 1000, maxCooldownMs: 4000 });
    expect(b.failed('telegram', 'a', 'telegram:dm:1', 0)).toBeUndefined();
    expect(b.failed('telegram', 'b', 'telegram:dm:2', 0)).toBeUndefined();
    expect(b.failed('telegram', 'c', 'telegram:dm:3', 100)).toBe('opened');
    expect(b.state('telegram')).toBe('open');
    expect(b.openSince('telegram')).toBe(100);
    // Other platforms are not affected.
    expect(b.gate('discord', 100)).toEqual({ mode: 'send' });
    expect(b.gate('telegram', 600)).toEqual({ mode: 'wait', ms: 500 });
    // Late failures of sends that were already out change nothing.
    expect(b.failed('telegram', 'd', 'telegram:dm:4', 700)).toBeUndefined();

    const probes: number[] = [];
    let now = 1100;
    for (let i = 0; probes.length < 4; i++) {
      const gate = b.gate('telegram', now);
      if (gate.mode === 'wait') {
        now += gate.ms;
        continue;
      }
      expect(gate.mode).toBe('probe');
      probes.push(now);
      b.probing('telegram', `p${i}`);
      expect(b.state('telegram')).toBe('half_open');
      // While the probe is out, nothing else goes; a send from before the opening does not count.
      expect(b.gate('telegram', now).mode).toBe('wait');
      expect(b.failed('telegram', 'late', 'telegram:dm:9', now)).toBeUndefined();
      expect(b.failed('telegram', `p${i}`, 'telegram:dm:1', now)).toBe('reopened');
    }
    const gaps = probes.slice(1).map((t, i) => t - probes[i]!);
    expect(probes[0]).toBe(1100);
    expect(gaps).toEqual([2000, 4000, 4000]);
    expect(b.gate('telegram', now)).toEqual({ mode: 'wait', ms: 4000 });

    now = probes.at(-1)! + 4000;
    expect(b.gate('telegram', now).mode).toBe('probe');
    b.probing('telegram', 'last');
    expect(b.answered('telegram')).toBe('closed');
    expect(b.state('telegram')).toBe('closed');
    expect(b.gate('telegram', now)).toEqual({ mode: 'send' });
    // A new outage starts again from the first cooldown.
    for (const [i, t] of ['x', 'y', 'z'].entries()) b.failed('telegram', t, `telegram:dm:${i}`, now);
    expect(b.gate('telegram', now)).toEqual({ mode: 'wait', ms: 1000 });
  });

  it('a probe that never reached the platform (superseded) hands over to the next job at once', () => {
    const b = new CircuitBreaker({ failures: 2, targets: 2, cooldownMs: 1000 });
    b.failed('slack', 'a', 'slack:channel:A', 0);
    b.failed('slack', 'b', 'slack:channel:B', 0);
    b.probing('slack', 'p');
    b.settled('slack', 'other', 1000);
    expect(b.state('slack')).toBe('half_open');
    b.settled('slack', 'p', 1000);
    expect(b.state('slack')).toBe('open');
    expect(b.gate('slack', 1000)).toEqual({ mode: 'probe' });
  });

  it('any answer while open closes it: a send from before the opening that succeeded proves the platform is up', () => {
    const b = new CircuitBreaker({ failures: 2, targets: 2 });
    b.failed('discord', 'a', 'discord:channel:A', 0);
    b.failed('discord', 'b', 'discord:channel:B', 0);
    expect(b.state('discord')).toBe('open');
    expect(b.answered('discord')).toBe('closed');
    expect(b.answered('discord')).toBeUndefined();
  });
});
