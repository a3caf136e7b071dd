import type { PlatformLimits } from '../../delivery/rate-limit.ts';

/**
 * Telegram's documented limits, in one place. Text lengths are counted after entity parsing, in
 * UTF-16 code units (https://core.telegram.org/bots/api#sendmessage, #sendphoto).
 */
export const TELEGRAM_LIMITS = {
  /** sendMessage / editMessageText `text`. */
  message: 4096,
  /** sendPhoto / editMessageCaption `caption`. */
  caption: 1024,
  /** answerCallbackQuery `text`: the toast a button press shows (https://core.telegram.org/bots/api#answercallbackquery). */
  callbackToast: 200,
  /** InlineKeyboardButton `callback_data`, in bytes (https://core.telegram.org/bots/api#inlinekeyboardbutton). */
  callbackData: 64,
  /** setMyCommands: a command's description (https://core.telegram.org/bots/api#botcommand). */
  commandDescription: 256,
  /** Deep-link `start` payload: 1-64 characters of A-Z a-z 0-9 _ - (https://core.telegram.org/bots/features#deep-linking). */
  startPayload: 64,
} as const;

/**
 * About one message per second per chat, 30 per second in total, 20 per minute to one group
 * (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this). A 429 carries
 * `parameters.retry_after` for the chat it concerns: `errors.ts` turns it into a target-scoped wait.
 */
export const TELEGRAM_PACING: PlatformLimits = { globalPerSecond: 30, perChatIntervalMs: 1000, perGroupPerMinute: 20 };
