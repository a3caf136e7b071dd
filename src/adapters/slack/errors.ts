import { DeliveryError, type DeliveryErrorKind } from '../../core/errors.ts';

/**
 * Slack answers most failures with HTTP 200 `{ok:false,error}`; @slack/web-api turns them into
 * `slack_webapi_platform_error` with `data.error` (docs/platforms.md §5, api.slack.com/methods/chat.postMessage#errors).
 */
const GONE = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'account_inactive',
  'user_not_found',
  'user_disabled',
  'cannot_dm_bot',
]);
const AUTH = new Set(['token_revoked', 'invalid_auth', 'not_authed', 'token_expired']);
const TRANSIENT = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'ratelimited_retry']);

interface SlackErrorShape {
  readonly code?: unknown;
  readonly message?: unknown;
  readonly retryAfter?: unknown;
  readonly statusCode?: unknown;
  readonly headers?: Record<string, unknown>;
  readonly data?: { readonly error?: unknown };
}

const make = (kind: DeliveryErrorKind, code: string, e: unknown, retryAfterMs?: number): DeliveryError =>
  new DeliveryError({
    platform: 'slack',
    kind,
    code,
    message: `slack: ${code}${e instanceof Error && e.message && !e.message.includes(code) ? ` (${e.message})` : ''}`,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    cause: e,
  });

const seconds = (v: unknown): number | undefined => {
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) && n >= 0 ? Math.ceil(n * 1000) : undefined;
};

/** A platform error string (`channel_not_found`…) → what delivery should do. */
export const kindOfSlackError = (error: string): DeliveryErrorKind => {
  if (error === 'ratelimited' || error === 'rate_limited') return 'rate_limited';
  if (GONE.has(error)) return 'target_gone';
  if (AUTH.has(error)) return 'auth';
  if (TRANSIENT.has(error)) return 'transient';
  return 'permanent';
};

/** Any error thrown by the WebClient → DeliveryError, never by matching message text. */
export const classifySlackError = (e: unknown): DeliveryError => {
  if (e instanceof DeliveryError) return e;
  const err = (typeof e === 'object' && e !== null ? e : {}) as SlackErrorShape;
  switch (err.code) {
    case 'slack_webapi_rate_limited_error':
      // rejectRateLimitedCalls: the client gives us Retry-After (seconds) instead of waiting itself.
      return make('rate_limited', 'ratelimited', e, seconds(err.retryAfter) ?? 1000);
    case 'slack_webapi_platform_error': {
      const code = typeof err.data?.error === 'string' ? err.data.error : 'unknown_error';
      const kind = kindOfSlackError(code);
      return make(kind, code, e, kind === 'rate_limited' ? 1000 : undefined);
    }
    case 'slack_webapi_http_error': {
      const status = typeof err.statusCode === 'number' ? err.statusCode : 0;
      if (status === 429) return make('rate_limited', 'ratelimited', e, seconds(err.headers?.['retry-after']) ?? 1000);
      if (status >= 500 || status === 408) return make('transient', `http_${status}`, e);
      if (status === 401 || status === 403) return make('auth', `http_${status}`, e);
      return make('permanent', `http_${status}`, e);
    }
    case 'slack_webapi_request_error':
      return make('transient', 'request_error', e);
    default:
      return make('transient', typeof err.code === 'string' ? err.code : 'unknown', e);
  }
};

interface AxiosErrorShape {
  readonly isAxiosError?: unknown;
  readonly code?: unknown;
  readonly response?: { readonly status?: unknown; readonly headers?: Record<string, unknown>; readonly data?: unknown };
}

/**
 * A failed post to a command's response_url. bolt 4 posts it with axios, which throws on any
 * non-2xx; the body then says why (a used-up or expired URL), a 429 carries Retry-After.
 */
export const classifyResponseUrlError = (e: unknown): DeliveryError => {
  const err = (typeof e === 'object' && e !== null ? e : {}) as AxiosErrorShape;
  const status = typeof err.response?.status === 'number' ? err.response.status : undefined;
  if (status === undefined) return make('transient', typeof err.code === 'string' ? err.code : 'request_error', e);
  if (status === 429) return make('rate_limited', 'ratelimited', e, seconds(err.response?.headers?.['retry-after']) ?? 1000);
  const body = err.response?.data as { error?: unknown } | string | undefined;
  const error =
    typeof body === 'object' && typeof body?.error === 'string'
      ? body.error
      : typeof body === 'string' && /^[a-z_]{3,40}$/.test(body)
        ? body
        : `http_${status}`;
  return make(status >= 500 ? 'transient' : 'permanent', error, e);
};
