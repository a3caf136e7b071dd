import type { SourceConfig } from '../../core/config.ts';
import { PayloadError } from '../../core/errors.ts';
import type { SourceContext, StatusSource } from '../source.ts';
import { ConditionalGet, pollEvery } from '../poll.ts';
import { parseSummary } from './parse.ts';

type StatuspageConfig = Extract<SourceConfig, { type: 'statuspage' }>;

const MAX_BACKOFF_MS = 10 * 60_000;

export const summaryUrl = (base: string): string => new URL('api/v2/summary.json', base.endsWith('/') ? base : `${base}/`).href;

/**
 * Polls `/api/v2/summary.json` of an Atlassian Statuspage-compatible page with conditional requests
 * (ETag / If-Modified-Since). A page that is down or answers garbage is logged, shown in `/readyz`,
 * and retried with backoff; the last good state stays.
 */
export class StatuspageSource implements StatusSource {
  readonly type = 'statuspage';
  readonly id: string;
  private readonly http: ConditionalGet;
  private failures = 0;

  constructor(
    private readonly config: StatuspageConfig,
    fetchImpl: typeof fetch = fetch,
  ) {
    this.id = config.id;
    this.http = new ConditionalGet('application/json', fetchImpl);
  }

  async start(ctx: SourceContext): Promise<void> {
    if (this.config.interval < 10_000 && !/^https?:\/\/(localhost|127\.|\[::1\])/.test(this.config.url))
      ctx.log.warn({ source: this.id, intervalMs: this.config.interval }, 'polling a public status page more often than every 10 s; be kind to it');
    pollEvery(ctx.signal, this.config.interval, () => this.pollOnce(ctx), { failures: () => this.failures, maxBackoffMs: MAX_BACKOFF_MS });
  }

  async pollOnce(ctx: SourceContext): Promise<void> {
    const url = summaryUrl(this.config.url);
    try {
      const fresh = await this.http.get(url, ctx.signal);
      if (!fresh) return this.ok(ctx);
      const text = fresh.text;
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new PayloadError(`${url} did not return JSON (starts with ${JSON.stringify(text.slice(0, 40))})`);
      }
      const change = parseSummary(json, this.id);
      await ctx.emit(change);
      fresh.remember();
      this.ok(ctx);
    } catch (e) {
      if (ctx.signal.aborted) return;
      this.failures++;
      const message = (e as Error).message;
      ctx.health.state = 'error';
      ctx.health.lastError = message;
      ctx.log.warn({ source: this.id, failures: this.failures, err: message }, 'status page poll failed; keeping the last known state');
    }
  }

  private ok(ctx: SourceContext): void {
    if (this.failures > 0) ctx.log.info({ source: this.id }, 'status page reachable again');
    this.failures = 0;
    ctx.health.state = 'ok';
    ctx.health.lastSuccessAt = new Date().toISOString();
    delete ctx.health.lastError;
  }
}
