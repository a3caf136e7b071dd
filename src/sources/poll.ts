/** Sleeps `ms`, or less if `signal` aborts. */
export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * The loop every polling source runs: `poll`, then wait `intervalMs` — or, after `failures()`
 * failures in a row, `intervalMs × 2^failures` up to `maxBackoffMs`, so a page that is down is not
 * hammered — until `signal` aborts.
 */
export const pollEvery = (
  signal: AbortSignal,
  intervalMs: number,
  poll: () => Promise<unknown>,
  options: { failures?: () => number; maxBackoffMs?: number } = {},
): void => {
  const loop = async () => {
    while (!signal.aborted) {
      await poll();
      const failures = options.failures?.() ?? 0;
      const wait = failures === 0 ? intervalMs : Math.min(options.maxBackoffMs ?? 10 * 60_000, intervalMs * 2 ** failures);
      await sleep(wait, signal);
    }
  };
  void loop();
};
