import { DiscordAPIError, HTTPError, RateLimitError } from 'discord.js';
import { DeliveryError, type DeliveryErrorKind, type DeliveryErrorScope } from '../../core/errors.ts';

/**
 * JSON error codes that mean the target will never accept our messages again
 * (https://discord.com/developers/docs/topics/opcodes-and-status-codes#json-json-error-codes):
 * 50007 the user closed their DMs or blocked the bot; 10003 the channel was deleted; 50001 the bot
 * lost access (kicked, channel hidden); 10013 the user no longer exists.
 */
export const GONE_CODES: ReadonlySet<number> = new Set([50007, 10003, 50001, 10013]);

/** The thread to start already exists (the message was threaded before a restart). */
export const THREAD_EXISTS = 160004;

const err = (
  kind: DeliveryErrorKind,
  code: string,
  message: string,
  cause: unknown,
  retryAfterMs?: number,
  scope: DeliveryErrorScope = 'target',
): DeliveryError =>
  new DeliveryError({ platform: 'discord', kind, code, message, cause, scope, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });

/**
 * Turns whatever discord.js threw into the one error delivery understands. Messages never carry the
 * request URL: interaction and webhook URLs contain tokens.
 */
export const classifyDiscordError = (e: unknown): DeliveryError => {
  if (e instanceof DeliveryError) return e;
  if (e instanceof RateLimitError) {
    // `rest.rejectOnRateLimit` made discord.js throw instead of sleeping; it says how long to wait.
    const wait = Math.max(e.retryAfter, e.timeToReset, 0);
    // The global limit counts every call of the bot: the whole platform waits, not one channel.
    // https://discord.com/developers/docs/topics/rate-limits#global-rate-limit
    return err(
      'rate_limited',
      e.global ? 'global' : `route:${e.route}`,
      `rate limited on ${e.method.toUpperCase()} ${e.route}`,
      e,
      Math.ceil(wait) || 1000,
      e.global ? 'platform' : 'target',
    );
  }
  if (e instanceof DiscordAPIError) {
    const code = typeof e.code === 'number' ? e.code : 0;
    if (e.status === 429) {
      const raw = e.rawError as { retry_after?: number; global?: boolean };
      return err(
        'rate_limited',
        raw.global ? 'global' : String(code),
        e.message,
        e,
        Math.ceil((raw.retry_after ?? 1) * 1000),
        raw.global ? 'platform' : 'target',
      );
    }
    if (GONE_CODES.has(code)) return err('target_gone', String(code), e.message, e);
    if (e.status === 401) return err('auth', String(code || 401), 'Discord refused the bot token (401): check DISCORD_TOKEN', e);
    if (e.status >= 500) return err('transient', String(e.status), e.message, e);
    // Other 4xx (50035 invalid form body, 50013 missing permissions, 10008 unknown message…) will
    // fail the same way again; retrying them only feeds Discord's invalid-request limit.
    return err('permanent', String(code || e.status), e.message, e);
  }
  if (e instanceof HTTPError)
    return err(
      e.status === 401 ? 'auth' : e.status >= 500 ? 'transient' : 'permanent',
      String(e.status),
      `HTTP ${e.status} ${e.message}`,
      e,
    );
  // Timeouts (AbortError), refused or reset connections: the request may not have reached Discord.
  const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return err('transient', 'network', message, e);
};

/** The Discord JSON error code of an error, when it has one. */
export const discordCode = (e: unknown): number | undefined =>
  e instanceof DiscordAPIError && typeof e.code === 'number' ? e.code : undefined;
