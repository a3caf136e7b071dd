/**
 * The longest a failed message waits before its next attempt. Short enough that a platform that
 * comes back is used again within a minute; the circuit breaker (breaker.ts) keeps a platform that
 * fails everywhere from being hammered at this pace.
 */
export const MAX_BACKOFF_MS = 60_000;

/** Exponential backoff with jitter (half fixed, half random): 1 s, 2 s, 4 s … capped at one minute. */
export const backoffMs = (attempt: number, random: () => number = Math.random, baseMs = 1000, capMs = MAX_BACKOFF_MS): number => {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
};
