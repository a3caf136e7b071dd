import { createHash } from 'node:crypto';

/**
 * Discord's REST rate limits (https://discord.com/developers/docs/topics/rate-limits): per-route
 * buckets counted per top-level resource (channel, guild, webhook), a global limit per bot, and the
 * `X-RateLimit-*` headers that let clients pace themselves before they ever get a 429.
 */
export interface BucketRule {
  readonly limit: number;
  readonly windowMs: number;
}

export interface RateLimitRules {
  /** Keyed by "METHOD /route/with/:id"; the default applies to any other route. */
  readonly routes: Record<string, BucketRule>;
  readonly default: BucketRule;
  readonly global: BucketRule;
}

export const DEFAULT_RULES: RateLimitRules = {
  routes: {
    'POST /channels/:id/messages': { limit: 5, windowMs: 5000 },
    'PATCH /channels/:id/messages/:id': { limit: 5, windowMs: 5000 },
    'POST /users/@me/channels': { limit: 10, windowMs: 10_000 },
  },
  default: { limit: 50, windowMs: 1000 },
  global: { limit: 50, windowMs: 1000 },
};

interface Window {
  count: number;
  resetAt: number;
}

export interface Verdict {
  readonly headers: Record<string, string>;
  /** Set when the request must be answered with 429. */
  readonly limited?: { retryAfterS: number; global: boolean };
}

const MAJOR = /^\/(?:channels|guilds)\/(\d+)|^\/webhooks\/(\d+\/[^/]+)/;

export const routeOf = (path: string): string =>
  path.replace(/\/\d{5,}/g, '/:id').replace(/\/webhooks\/:id\/[^/]+/, '/webhooks/:id/:token');

export class RateLimits {
  private readonly buckets = new Map<string, Window>();
  private global: Window = { count: 0, resetAt: 0 };
  /** Forced 429s queued by tests: the next request to the route gets one. */
  private readonly forced: { route: string; retryAfterS: number; global: boolean }[] = [];

  constructor(
    public rules: RateLimitRules = DEFAULT_RULES,
    private readonly clock: () => number = Date.now,
  ) {}

  force(route: string, retryAfterS: number, global = false): void {
    this.forced.push({ route, retryAfterS, global });
  }

  /** Counts one request; interaction callbacks are not bound by the global limit. */
  check(method: string, path: string): Verdict {
    const now = this.clock();
    const route = routeOf(path);
    const key = `${method} ${route}`;
    const forcedAt = this.forced.findIndex((f) => f.route === key);
    if (forcedAt >= 0) {
      const f = this.forced.splice(forcedAt, 1)[0]!;
      return { headers: this.limitedHeaders(f.retryAfterS, f.global), limited: { retryAfterS: f.retryAfterS, global: f.global } };
    }
    const isInteraction = path.startsWith('/interactions/');
    if (!isInteraction) {
      if (now >= this.global.resetAt) this.global = { count: 0, resetAt: now + this.rules.global.windowMs };
      if (this.global.count >= this.rules.global.limit) {
        const retryAfterS = (this.global.resetAt - now) / 1000;
        return { headers: this.limitedHeaders(retryAfterS, true), limited: { retryAfterS, global: true } };
      }
      this.global.count++;
    }
    const rule = this.rules.routes[key] ?? this.rules.default;
    const major = MAJOR.exec(path)?.slice(1).find(Boolean) ?? 'global';
    const hash = createHash('sha1').update(key).digest('hex').slice(0, 16);
    const bucketKey = `${hash}:${major}`;
    let w = this.buckets.get(bucketKey);
    if (!w || now >= w.resetAt) {
      w = { count: 0, resetAt: now + rule.windowMs };
      this.buckets.set(bucketKey, w);
    }
    const resetAfterS = (w.resetAt - now) / 1000;
    const base = {
      'X-RateLimit-Limit': String(rule.limit),
      'X-RateLimit-Reset': (w.resetAt / 1000).toFixed(3),
      'X-RateLimit-Reset-After': resetAfterS.toFixed(3),
      'X-RateLimit-Bucket': hash,
    };
    if (w.count >= rule.limit) {
      return {
        headers: { ...base, 'X-RateLimit-Remaining': '0', ...this.limitedHeaders(resetAfterS, false) },
        limited: { retryAfterS: resetAfterS, global: false },
      };
    }
    w.count++;
    return { headers: { ...base, 'X-RateLimit-Remaining': String(rule.limit - w.count) } };
  }

  private limitedHeaders(retryAfterS: number, global: boolean): Record<string, string> {
    return {
      'Retry-After': String(Math.max(1, Math.ceil(retryAfterS))),
      'X-RateLimit-Scope': global ? 'global' : 'user',
      ...(global ? { 'X-RateLimit-Global': 'true' } : {}),
    };
  }
}
