import type { PlatformLimits } from '../../delivery/rate-limit.ts';

/**
 * Discord's documented limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
 * We count UTF-16 code units (JS `.length`), which is never less than what Discord counts, so a
 * payload that fits here fits there.
 */
export const DISCORD_LIMITS = {
  content: 2000,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  embedTotal: 6000,
  buttonLabel: 80,
  threadName: 100,
} as const;

/** Answer an interaction within this or defer it: Discord invalidates its token after 3 s without a response (https://discord.com/developers/docs/interactions/receiving-and-responding). */
export const DEFER_AFTER_MS = 1500;

/** Autocomplete answers at most 25 choices, each name and value up to 100 characters (https://discord.com/developers/docs/interactions/application-commands#autocomplete). */
export const AUTOCOMPLETE_LIMITS = { choices: 25, name: 100, value: 100 } as const;

/**
 * 50 requests per second per bot over all routes, plus per-route buckets; interaction responses
 * are outside the global limit (https://discord.com/developers/docs/topics/rate-limits). A 429 says
 * whether it was global: `errors.ts` turns a global one into a platform-scoped wait, a bucket's
 * into a target-scoped one.
 */
export const DISCORD_PACING: PlatformLimits = { globalPerSecond: 50, perChatIntervalMs: 200 };
