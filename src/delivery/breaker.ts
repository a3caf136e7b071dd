import type { Platform } from '../core/model.ts';

export interface BreakerOptions {
  /** Failed sends in a row, with no answer from the platform in between, that open the circuit… */
  readonly failures: number;
  /** …when they hit at least this many distinct chats: one broken chat does not pause a platform. */
  readonly targets: number;
  /** Pause before the first probe; doubled after each failed probe… */
  readonly cooldownMs: number;
  /** …up to this. */
  readonly maxCooldownMs: number;
}

/** The documented defaults (README, "What the bot promises"). Tests scale the cooldowns down. */
export const DEFAULT_BREAKER: BreakerOptions = { failures: 5, targets: 2, cooldownMs: 2000, maxCooldownMs: 60_000 };

/**
 * `closed`: sending as usual. `open`: the platform failed everywhere; nothing is sent until the
 * next probe is due. `half_open`: one probe is in flight; its outcome closes or re-opens the circuit.
 */
export type CircuitState = 'closed' | 'open' | 'half_open';

export type Gate = { readonly mode: 'send' } | { readonly mode: 'probe' } | { readonly mode: 'wait'; readonly ms: number };

/** What a reported outcome changed, for the caller's log. */
export type Transition = 'opened' | 'reopened' | 'closed' | undefined;

interface Circuit {
  state: CircuitState;
  failures: number;
  readonly targets: Set<string>;
  cooldownMs: number;
  probeAt: number;
  probe: string | undefined;
  openedAt: number;
}

const SEND: Gate = { mode: 'send' };
const PROBE: Gate = { mode: 'probe' };
/** While a probe is out, the dispatcher looks again this often (the probe's outcome also wakes it). */
const PROBE_POLL_MS = 1000;

/**
 * One circuit per platform. A platform that fails for every chat (502s from its edge, timeouts,
 * resets) is paused instead of being sent every queued message on every backoff tick: a 10-minute
 * outage then costs a few failed sends plus one probe per cooldown (2 s, 4 s … 60 s), tens of
 * requests instead of thousands. The first answer from the platform closes the circuit.
 */
export class CircuitBreaker {
  private readonly circuits = new Map<Platform, Circuit>();
  readonly options: BreakerOptions;

  constructor(options: Partial<BreakerOptions> = {}) {
    this.options = { ...DEFAULT_BREAKER, ...options };
  }

  private circuit(platform: Platform): Circuit {
    let c = this.circuits.get(platform);
    if (!c)
      this.circuits.set(
        platform,
        (c = {
          state: 'closed',
          failures: 0,
          targets: new Set(),
          cooldownMs: this.options.cooldownMs,
          probeAt: 0,
          probe: undefined,
          openedAt: 0,
        }),
      );
    return c;
  }

  state(platform: Platform): CircuitState {
    return this.circuits.get(platform)?.state ?? 'closed';
  }

  /** Since when the circuit has been open (undefined while closed). */
  openSince(platform: Platform): number | undefined {
    const c = this.circuits.get(platform);
    return c && c.state !== 'closed' ? c.openedAt : undefined;
  }

  /**
   * Closed, but failures came in with no answer since: the platform may be going down. The
   * dispatcher then keeps at most `failures` sends in flight there, so that the sends already out
   * when the circuit opens stay few even when failures come back slowly.
   */
  suspect(platform: Platform): boolean {
    const c = this.circuits.get(platform);
    return c !== undefined && c.state === 'closed' && c.failures > 0;
  }

  /** May the dispatcher send on this platform now: everything, one probe, or nothing for `ms`. */
  gate(platform: Platform, now: number): Gate {
    const c = this.circuits.get(platform);
    if (!c || c.state === 'closed') return SEND;
    if (c.state === 'half_open') return { mode: 'wait', ms: PROBE_POLL_MS };
    if (now < c.probeAt) return { mode: 'wait', ms: c.probeAt - now };
    return PROBE;
  }

  /** The dispatcher sent `jobId` as the probe (after `gate` said `probe`). */
  probing(platform: Platform, jobId: string): void {
    const c = this.circuit(platform);
    c.state = 'half_open';
    c.probe = jobId;
  }

  /** The platform answered: a success, or a refusal that proves it is up (429, chat gone, bad request). */
  answered(platform: Platform): Transition {
    const c = this.circuits.get(platform);
    if (!c) return undefined;
    c.failures = 0;
    c.targets.clear();
    if (c.state === 'closed') return undefined;
    c.state = 'closed';
    c.probe = undefined;
    c.cooldownMs = this.options.cooldownMs;
    return 'closed';
  }

  /** A send failed without an answer from the platform (5xx, timeout, reset, auth trouble). */
  failed(platform: Platform, jobId: string, target: string, now: number): Transition {
    const c = this.circuit(platform);
    if (c.state === 'half_open') {
      // A send that started before the circuit opened says nothing new.
      if (c.probe !== jobId) return undefined;
      c.state = 'open';
      c.probe = undefined;
      c.cooldownMs = Math.min(this.options.maxCooldownMs, c.cooldownMs * 2);
      c.probeAt = now + c.cooldownMs;
      return 'reopened';
    }
    if (c.state === 'open') return undefined;
    c.failures++;
    c.targets.add(target);
    if (c.failures < this.options.failures || c.targets.size < this.options.targets) return undefined;
    c.state = 'open';
    c.openedAt = now;
    c.cooldownMs = this.options.cooldownMs;
    c.probeAt = now + c.cooldownMs;
    c.targets.clear();
    return 'opened';
  }

  /**
   * A job run ended. When it was the probe and reported nothing (it was superseded and never
   * reached the platform), the next job may probe at once.
   */
  settled(platform: Platform, jobId: string, now: number): void {
    const c = this.circuits.get(platform);
    if (!c || c.state !== 'half_open' || c.probe !== jobId) return;
    c.state = 'open';
    c.probe = undefined;
    c.probeAt = now;
  }
}
