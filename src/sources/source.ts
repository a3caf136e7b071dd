import type { Logger } from 'pino';
import type { Incident, StatusChange } from '../core/model.ts';
import type { KpiSampleInput } from '../kpi/model.ts';

export interface SourceHealth {
  state: 'pending' | 'ok' | 'error';
  lastSuccessAt?: string;
  lastError?: string;
}

export interface SourceContext {
  readonly emit: (change: StatusChange) => Promise<void>;
  readonly log: Logger;
  readonly signal: AbortSignal;
  /** Sources report how they are doing here; `/readyz` shows it. */
  readonly health: SourceHealth;
  /** KPI samples measured by the source (probes, Prometheus queries) go to the KPI engine here. */
  readonly recordSamples?: (samples: readonly KpiSampleInput[]) => Promise<void>;
  /**
   * The stories the tracker holds open for this source. A source whose list drops what closed
   * (Statuspage's summary, a feed) fetches the final state of those, so the closing update carries
   * its own words — also for stories that closed while Status Relay was down.
   */
  readonly openStories?: () => readonly Incident[];
}

/** A raw inbound webhook request, before any parsing. */
export interface WebhookRequest {
  readonly body: Buffer;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly query: URLSearchParams;
}

/** Turns the outside world into `StatusChange`s. Knows nothing of chat. */
export interface StatusSource {
  readonly id: string;
  readonly type: string;
  /** Starts polling (if the source polls); returns once started. Stops when `ctx.signal` aborts. */
  start(ctx: SourceContext): Promise<void>;
  /** Present on sources that receive pushes on `POST /webhooks/:id`. Throws `WebhookAuthError` or `PayloadError`. */
  parseWebhook?(req: WebhookRequest): StatusChange[];
}

export class WebhookAuthError extends Error {
  override readonly name = 'WebhookAuthError';
}
