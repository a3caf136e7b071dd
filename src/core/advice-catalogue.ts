import type { Cause, ComponentStatus, Severity } from './model.ts';

/**
 * Built-in advice, used alongside the config's `advice` rules. Every key is a localized string under
 * `advice.*`. An entry applies when all of its conditions hold; the most specific ones come first.
 */
export interface CatalogueEntry {
  readonly cause?: Cause;
  /** Applies from this severity up. */
  readonly minSeverity?: Severity;
  /** Applies when one of the affected components has one of these statuses. */
  readonly statuses?: readonly ComponentStatus[];
  /** Applies when one affected component's id or name matches (any language's usual words). */
  readonly component?: RegExp;
  readonly say: readonly string[];
}

export const ADVICE_CATALOGUE: readonly CatalogueEntry[] = [
  // By cause.
  { cause: 'security_incident', say: ['watch_phishing', 'reset_password', 'follow_status_page'] },
  { cause: 'network_congestion', say: ['check_connectivity', 'retry_later'] },
  { cause: 'external_provider', say: ['provider_issue', 'follow_status_page'] },
  { cause: 'technical_fault', say: ['retry_later', 'follow_status_page'] },
  { cause: 'maintenance', say: ['plan_around_maintenance'] },
  // By component.
  { component: /messag|chat|inbox|消息|メッセージ/i, minSeverity: 'major', say: ['messages_queued'] },
  { component: /call|voice|video|meet|通话|通話/i, say: ['calls_fallback'] },
  { component: /media|upload|photo|file|图片|媒体/i, say: ['uploads_retry'] },
  { component: /login|sign.?in|auth|sso|登录|ログイン/i, say: ['stay_signed_in'] },
  { component: /\bapi\b|webhook/i, say: ['api_backoff'] },
  // By state and severity.
  { statuses: ['degraded_performance'], say: ['expect_slowness'] },
  { minSeverity: 'major', say: ['use_alternative_channel', 'follow_status_page'] },
];

/** Keys that only make sense while something is broken now ("retry later" during planned work would mislead). */
export const FAULT_ONLY_ADVICE: ReadonlySet<string> = new Set([
  'check_connectivity',
  'retry_later',
  'messages_queued',
  'calls_fallback',
  'uploads_retry',
  'expect_slowness',
  'api_backoff',
  'stay_signed_in',
  'provider_issue',
]);

/** Keys that only make sense around maintenance. */
export const MAINTENANCE_ONLY_ADVICE: ReadonlySet<string> = new Set(['plan_around_maintenance']);

/** At most this many pieces of advice per message: more would not be read. */
export const MAX_ADVICE = 4;
