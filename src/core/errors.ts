import type { ZodError } from 'zod';
import type { Platform } from './model.ts';

/** A setting is wrong: the message names the setting and the fix, on one line. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`${setting}: ${message}`);
  }
}

/** The first problem zod found, as one line naming the field: `incident.status: Invalid option…`. */
export const describeZodError = (e: ZodError): string => {
  const issue = e.issues[0]!;
  const path = issue.path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');
  return `${path || 'body'}: ${issue.message}`;
};

/** A status payload could not be understood. Safe to show to the HTTP caller. */
export class PayloadError extends Error {
  override readonly name = 'PayloadError';
}

export type DeliveryErrorKind = 'rate_limited' | 'target_gone' | 'transient' | 'permanent' | 'auth';
export type DeliveryErrorScope = 'target' | 'platform';

/**
 * Every adapter turns its SDK's errors into this one class, so that delivery decides what to do by
 * `kind` and never by matching message strings (grammY `GrammyError`, vercel/chat `AdapterRateLimitError`).
 */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  readonly platform: Platform;
  readonly kind: DeliveryErrorKind;
  readonly code: string;
  /** Milliseconds to wait before the next call, when the platform said so. */
  readonly retryAfterMs?: number;
  /** Whom the failure concerns: this target only, or every call to the platform (a global rate limit). */
  readonly scope: DeliveryErrorScope;
  /** The target lives on under another chat id (a group that became a supergroup): deliver there. */
  readonly movedToChatId?: string;

  constructor(init: {
    platform: Platform;
    kind: DeliveryErrorKind;
    code: string;
    message: string;
    retryAfterMs?: number;
    scope?: DeliveryErrorScope;
    movedToChatId?: string;
    cause?: unknown;
  }) {
    super(init.message, { cause: init.cause });
    this.platform = init.platform;
    this.kind = init.kind;
    this.code = init.code;
    this.scope = init.scope ?? 'target';
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
    if (init.movedToChatId !== undefined) this.movedToChatId = init.movedToChatId;
  }
}

export const isDeliveryError = (e: unknown): e is DeliveryError => e instanceof DeliveryError;

/**
 * The store did not answer in time or refused a read or write (server down, disk full, SQLITE_BUSY).
 * Never read as "absent": callers retry later, and HTTP ingress answers 503 with Retry-After.
 */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  constructor(
    readonly operation: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`store ${operation}: ${message}`, options);
  }
}

export const isStoreUnavailable = (e: unknown): e is StoreUnavailableError => e instanceof StoreUnavailableError;
