import { TelegramError } from 'telegraf';
import { DeliveryError } from '../../core/errors.ts';

/**
 * Bot API errors → DeliveryError, by HTTP code and the server's description, which is the only
 * place the reason is given. Texts from tdlib/telegram-bot-api Client.cpp (see docs/platforms.md §5).
 * telegraf itself never retries API calls; it throws `TelegramError` with `.code`,
 * `.description` and `.parameters` (telegraf src/core/network/error.ts).
 */

// Every 403 on a send means the bot may not write there any more: blocked, deactivated user,
// kicked, not a member, deleted group, never started by the user.
const GONE_400 = /chat not found|CHANNEL_PRIVATE|PEER_ID_INVALID/i;

const codeOf = (description: string): string =>
  description
    .replace(/^[^:]*:\s*/, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '')
    .slice(0, 60) || 'unknown';

/** "message is not modified": the edit asked for what is already shown. Not an error for us. */
export const isNotModified = (e: unknown): boolean =>
  e instanceof TelegramError && e.code === 400 && /message is not modified/i.test(e.description);

/** The message to edit is a photo: its text is a caption (edit with editMessageCaption). */
export const isNoTextToEdit = (e: unknown): boolean =>
  e instanceof TelegramError && e.code === 400 && /no text in the message to edit/i.test(e.description);

export const classifyTelegramError = (e: unknown): DeliveryError => {
  if (e instanceof DeliveryError) return e;
  if (e instanceof TelegramError) {
    const { code, description, parameters } = e;
    const base = { platform: 'telegram' as const, message: `${code} ${description}`, cause: e };
    if (code === 429)
      return new DeliveryError({
        ...base,
        kind: 'rate_limited',
        code: 'too_many_requests',
        retryAfterMs: Math.max(1, parameters?.retry_after ?? 1) * 1000,
      });
    if (code === 401 || code === 404)
      return new DeliveryError({ ...base, kind: 'auth', code: code === 401 ? 'unauthorized' : 'not_found_token' });
    if (code === 400 && parameters?.migrate_to_chat_id !== undefined)
      return new DeliveryError({ ...base, kind: 'target_gone', code: 'migrated', movedToChatId: String(parameters.migrate_to_chat_id) });
    if (code === 403) return new DeliveryError({ ...base, kind: 'target_gone', code: codeOf(description) });
    if (code === 400 && GONE_400.test(description)) return new DeliveryError({ ...base, kind: 'target_gone', code: codeOf(description) });
    if (code >= 500 || code === 409 || code === 420) return new DeliveryError({ ...base, kind: 'transient', code: `http_${code}` });
    return new DeliveryError({ ...base, kind: 'permanent', code: codeOf(description) });
  }
  const err = e as { name?: string; message?: string; code?: string } | undefined;
  // node-fetch FetchError (connection refused, reset, DNS), aborts and timeouts: try again later.
  return new DeliveryError({
    platform: 'telegram',
    kind: 'transient',
    code: err?.code ?? err?.name ?? 'network',
    message: err?.message ?? String(e),
    cause: e,
  });
};
