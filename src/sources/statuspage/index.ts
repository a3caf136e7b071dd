import type { SourceConfig } from '../../core/config.ts';
import { PayloadError } from '../../core/errors.ts';
import type { SourceContext, StatusSource } from '../source.ts';
import { ConditionalGet, pollEvery } from '../poll.ts';
import { parseSummary } from './parse.ts';
import { fetchFinalState } from './final-state.ts';
import { isClosedStatus, type Incident, type StatusChange } from '../../core/model.ts';

type StatuspageConfig = Extract<SourceConfig, { type: 'statuspage' }>;

const MAX_BACKOFF_MS = 10 * 60_000;
/** Polls a story stays open while its final state cannot be fetched; then it closes without its last words. */
const FINAL_STATE_ATTEMPTS = 5;

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
  /** Open stories of the last summary: who may have closed, when the tracker cannot tell (`ctx.openStories` absent). */
  private lastOpen: readonly Incident[] = [];
  private readonly finalStateFailures = new Map<string, number>();

  constructor(
    private readonly config: StatuspageConfig,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    this.id = config.id;
    this.http = new ConditionalGet('application/json', fetchImpl);
  }

  async start(ctx: SourceContext): Promise<void> {
    if (this.config.interval < 10_000 && !/^https?:\/\/(localhost|127\.|\[::1\])/.test(this.config.url))
      ctx.log.warn({ intervalMs: this.config.interval }, 'polling a public status page more often than every 10 s; be kind to it');
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
      const summary = parseSummary(json, this.id);
      const { change, complete } = await this.withFinalStates(summary, ctx);
      await ctx.emit(change);
      // A story whose final state could not be fetched must be asked about again, even if the summary stays the same.
      if (complete) fresh.remember();
      this.ok(ctx);
    } catch (e) {
      if (ctx.signal.aborted) return;
      this.failures++;
      const message = (e as Error).message;
      ctx.health.state = 'error';
      ctx.health.lastError = message;
      ctx.log.warn({ failures: this.failures, err: message }, 'status page poll failed; keeping the last known state');
    }
  }

  /**
   * Adds the final state of each story that left the summary (docs/formats.md §1), so its closing
   * update reaches readers with its own words. A story whose state could not be fetched stays as
   * it was for a few polls (`complete: false`), rather than closing with the previous update's text.
   */
  private async withFinalStates(
    summary: Extract<StatusChange, { kind: 'snapshot' }>,
    ctx: SourceContext,
  ): Promise<{ change: StatusChange; complete: boolean }> {
    const present = new Set(summary.incidents.map((i) => i.key));
    const open = ctx.openStories?.() ?? this.lastOpen;
    this.lastOpen = summary.incidents.filter((i) => !isClosedStatus(i.status));
    const left = open.filter((i) => i.sourceId === this.id && !isClosedStatus(i.status) && !present.has(i.key));
    if (left.length === 0) return { change: summary, complete: true };
    const extra: Incident[] = [];
    let complete = true;
    for (const story of left) {
      const state = await fetchFinalState(this.config.url, story, this.id, this.fetchImpl, ctx.signal);
      if (state.kind === 'found') {
        this.finalStateFailures.delete(story.key);
        extra.push(state.incident);
        continue;
      }
      if (state.kind === 'gone') {
        ctx.log.info(
          { incident: story.key },
          'a story left the summary and the page no longer lists it; closing it without a final update',
        );
        continue;
      }
      const failures = (this.finalStateFailures.get(story.key) ?? 0) + 1;
      if (failures >= FINAL_STATE_ATTEMPTS) {
        this.finalStateFailures.delete(story.key);
        ctx.log.warn(
          { incident: story.key, err: state.reason },
          'could not fetch the final state of a story that left the summary; closing it without its final update',
        );
        continue;
      }
      this.finalStateFailures.set(story.key, failures);
      ctx.log.warn(
        { incident: story.key, attempt: failures, err: state.reason },
        'could not fetch the final state of a story that left the summary; asking again next poll',
      );
      extra.push(story);
      complete = false;
    }
    return { change: { ...summary, incidents: [...summary.incidents, ...extra] }, complete };
  }

  private ok(ctx: SourceContext): void {
    if (this.failures > 0) ctx.log.info('status page reachable again');
    this.failures = 0;
    ctx.health.state = 'ok';
    ctx.health.lastSuccessAt = new Date().toISOString();
    delete ctx.health.lastError;
  }
}
