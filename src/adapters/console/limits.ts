import type { PlatformLimits } from '../../delivery/rate-limit.ts';

/** How the console prints: a terminal has no message length limit, only a width the frame is drawn to. */
export const CONSOLE_LIMITS = {
  /** The frame's width in columns: fits an 80-column terminal. */
  width: 78,
} as const;

/** A terminal takes what it is given; the cap only keeps a runaway loop from flooding it. */
export const CONSOLE_PACING: PlatformLimits = { globalPerSecond: 1000, perChatIntervalMs: 0 };

/** How long to wait when stdout is a full non-blocking pipe (EAGAIN): the reader catches up quickly. */
export const CONSOLE_BUSY_RETRY_MS = 100;
