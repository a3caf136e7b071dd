import { DeliveryError } from '../../core/errors.ts';
import { CONSOLE_BUSY_RETRY_MS } from './limits.ts';

/** The reader of our output is gone (`status-relay demo | head`), or the stream was closed: nothing written there arrives. */
const GONE = new Set(['EPIPE', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);

/**
 * A failed write → DeliveryError, by the Node.js error code (https://nodejs.org/api/errors.html#common-system-errors):
 * a closed reader is a target that is gone, a full non-blocking pipe (EAGAIN) asks to wait a moment
 * (the whole console, so platform scope), anything else may pass.
 */
export const classifyConsoleError = (e: unknown): DeliveryError => {
  if (e instanceof DeliveryError) return e;
  const code = typeof (e as { code?: unknown } | undefined)?.code === 'string' ? (e as { code: string }).code : 'write_failed';
  const message = e instanceof Error ? e.message : String(e);
  const base = { platform: 'console' as const, code, message, cause: e };
  if (GONE.has(code)) return new DeliveryError({ ...base, kind: 'target_gone' });
  if (code === 'EAGAIN')
    return new DeliveryError({ ...base, kind: 'rate_limited', retryAfterMs: CONSOLE_BUSY_RETRY_MS, scope: 'platform' });
  return new DeliveryError({ ...base, kind: 'transient' });
};
