/**
 * What `status-relay doctor` asks of each platform: is the token accepted, is the platform
 * reachable. Each adapter's `index.ts` exports its `check<Platform>(config, timeoutMs)`; the
 * registry lists them, so doctor knows no platform by name.
 */

/** One line of `status-relay doctor`: what was checked, how it went, and what to do when it failed. */
export interface SetupCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  /** What to change, when `ok` is false. */
  readonly fix?: string;
}

export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** `promise`, or a TimeoutError after `ms`: an SDK call without its own deadline must not hang doctor. */
export const within = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`no answer from ${what} within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
};

/** The problem line for a platform (or store) that did not answer. */
export const unreachable = (e: unknown, what: string, setting: string): Pick<SetupCheck, 'detail' | 'fix'> => ({
  detail: `cannot reach ${what} (${(e as Error).message ?? String(e)})`,
  fix: `check the network from this machine${setting ? ` and ${setting}` : ''}`,
});
