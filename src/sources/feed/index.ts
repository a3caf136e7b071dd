import type { SourceConfig } from '../../core/config.ts';
import { isClosedStatus } from '../../core/model.ts';
import type { SourceContext, StatusSource } from '../source.ts';
import { ConditionalGet, pollEvery } from '../poll.ts';
import { parseFeed } from './parse.ts';

type FeedConfig = Extract<SourceConfig, { type: 'feed' }>;
const MAX_BACKOFF_MS = 30 * 60_000;

/**
 * Polls a Statuspage-style RSS/Atom history feed. A history lists past incidents too, so each poll
 * is reported as a snapshot of the open entries (the first one is the silent baseline, docs/contract.md §7),
 * and entries closed since the source started are sent first as incidents with their final text.
 */
export class FeedSource implements StatusSource {
  readonly type = 'feed';
  readonly id: string;
  private readonly http: ConditionalGet;
  private failures = 0;
  private readonly startedAt = Date.now();

  constructor(
    private readonly config: FeedConfig,
    fetchImpl: typeof fetch = fetch,
  ) {
    this.id = config.id;
    this.http = new ConditionalGet('application/atom+xml, application/rss+xml, application/xml;q=0.9, */*;q=0.5', fetchImpl);
  }

  async start(ctx: SourceContext): Promise<void> {
    pollEvery(ctx.signal, this.config.interval, () => this.pollOnce(ctx), { failures: () => this.failures, maxBackoffMs: MAX_BACKOFF_MS });
  }

  async pollOnce(ctx: SourceContext): Promise<void> {
    try {
      const fresh = await this.http.get(this.config.url, ctx.signal);
      if (fresh) {
        const now = new Date().toISOString();
        const incidents = parseFeed(fresh.text, this.id, now);
        const recentlyClosed = incidents.filter(
          (i) => isClosedStatus(i.status) && Date.parse(i.resolvedAt ?? i.startedAt) >= this.startedAt - this.config.interval,
        );
        for (const incident of recentlyClosed) await ctx.emit({ kind: 'incident', sourceId: this.id, incident, at: now });
        // Closed entries ride along: one still open for us closes with its own final text, even if it closed while we were down.
        await ctx.emit({ kind: 'snapshot', sourceId: this.id, components: [], incidents, at: now });
        fresh.remember();
      }
      this.failures = 0;
      ctx.health.state = 'ok';
      ctx.health.lastSuccessAt = new Date().toISOString();
      delete ctx.health.lastError;
    } catch (e) {
      if (ctx.signal.aborted) return;
      this.failures++;
      ctx.health.state = 'error';
      ctx.health.lastError = (e as Error).message;
      ctx.log.warn({ failures: this.failures, err: (e as Error).message }, 'feed poll failed; keeping the last known state');
    }
  }
}
