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
 * hammered — until `signal` aborts. A poll that throws is reported to `onError` and tried again.
 */
export const pollEvery = (
  signal: AbortSignal,
  intervalMs: number,
  poll: () => Promise<unknown>,
  options: { failures?: () => number; maxBackoffMs?: number; onError?: (error: unknown) => void } = {},
): void => {
  const loop = async () => {
    while (!signal.aborted) {
      // A poll that throws (the store is down while its result is recorded) must not end the loop:
      // the next one tries again, and recovery needs no restart.
      await poll().catch((e: unknown) => options.onError?.(e));
      const failures = options.failures?.() ?? 0;
      const wait = failures === 0 ? intervalMs : Math.min(options.maxBackoffMs ?? 10 * 60_000, intervalMs * 2 ** failures);
      await sleep(wait, signal);
    }
  };
  void loop();
};

/**
 * A GET with ETag / If-Modified-Since: `get` returns undefined when the resource has not changed
 * (304), else its body and `remember`, to call once the body was processed — so a body that failed
 * to parse is fetched in full again next time.
 */
export class ConditionalGet {
  private etag: string | undefined;
  private lastModified: string | undefined;

  constructor(
    private readonly accept: string,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  async get(url: string, signal: AbortSignal): Promise<{ text: string; remember(): void } | undefined> {
    const headers: Record<string, string> = { accept: this.accept, 'user-agent': 'status-relay' };
    if (this.etag) headers['if-none-match'] = this.etag;
    if (this.lastModified) headers['if-modified-since'] = this.lastModified;
    const res = await this.fetchImpl(url, { headers, signal: AbortSignal.any([signal, AbortSignal.timeout(15_000)]) });
    if (res.status === 304) return undefined;
    if (!res.ok) throw new Error(`HTTP ${res.status} from ${url}`);
    const text = await res.text();
    return {
      text,
      remember: () => {
        this.etag = res.headers.get('etag') ?? undefined;
        this.lastModified = res.headers.get('last-modified') ?? undefined;
      },
    };
  }
}
