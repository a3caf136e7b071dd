import type { RedisEval } from './lease.ts';

/** How far a key has counted in its current window. */
export interface CounterState {
  readonly count: number;
  /** Milliseconds until the window ends and the count starts again from zero. */
  readonly resetInMs: number;
}

/**
 * A fixed-window counter on the store engine's own atomics, shared by every instance of a fleet:
 * Redis `INCR` + `PEXPIRE` in one script, SQL one upsert that starts a new window once the old
 * one expired. Read-modify-write through the key-value API would lose counts when two instances
 * count the same key at once.
 */
export interface Counter {
  /** Adds one to `key` and returns its count in the window (a new window of `windowMs` when none is running). */
  increment(key: string, windowMs: number): Promise<CounterState>;
}

const INCREMENT = `
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if n == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}`;

export const redisCounter = (name: string, connect: () => Promise<RedisEval>): Counter => ({
  async increment(key, windowMs) {
    const client = await connect();
    const [count, ttl] = (await client.eval(INCREMENT, {
      keys: [`status-relay:counter:${name}:${key}`],
      arguments: [String(windowMs)],
    })) as [number, number];
    return { count: Number(count), resetInMs: Math.max(0, Number(ttl)) };
  },
});

type Query = (sql: string, params: unknown[]) => Promise<Record<string, unknown>[]>;

/** Expired rows are swept every this many increments, so the table holds about one window of keys. */
const SWEEP_EVERY = 500;

export const sqlCounter = (name: string, query: Query, dialect: 'sqlite' | 'postgres'): Counter => {
  const p = (n: number) => (dialect === 'postgres' ? `$${n}` : '?');
  let ready: Promise<unknown> | undefined;
  let sinceSweep = 0;
  const init = () =>
    (ready ??= query(
      'CREATE TABLE IF NOT EXISTS status_relay_counter (key VARCHAR(400) PRIMARY KEY, count BIGINT NOT NULL, expires_at BIGINT NOT NULL)',
      [],
    ));
  return {
    async increment(key, windowMs) {
      await init();
      const now = Date.now();
      if (++sinceSweep >= SWEEP_EVERY) {
        sinceSweep = 0;
        await query(`DELETE FROM status_relay_counter WHERE expires_at <= ${p(1)}`, [now]);
      }
      // Every SET expression reads the row as it was before the update (SQLite and PostgreSQL alike).
      const rows = await query(
        `INSERT INTO status_relay_counter (key, count, expires_at) VALUES (${p(1)}, 1, ${p(2)})
         ON CONFLICT (key) DO UPDATE SET
           count = CASE WHEN status_relay_counter.expires_at <= ${p(3)} THEN 1 ELSE status_relay_counter.count + 1 END,
           expires_at = CASE WHEN status_relay_counter.expires_at <= ${p(3)} THEN excluded.expires_at ELSE status_relay_counter.expires_at END
         RETURNING count, expires_at`,
        dialect === 'postgres' ? [`${name}:${key}`, now + windowMs, now] : [`${name}:${key}`, now + windowMs, now, now],
      );
      const row = rows[0];
      if (!row) throw new Error(`store: the counter upsert for ${name}:${key} returned no row`);
      return { count: Number(row.count), resetInMs: Math.max(0, Number(row.expires_at) - now) };
    },
  };
};

/** The same counter in this process's memory: for a router used without a store (tests, one-off tools). */
export const memoryCounter = (clock: () => number = Date.now): Counter => {
  const windows = new Map<string, { count: number; endsAt: number }>();
  return {
    async increment(key, windowMs) {
      const now = clock();
      if (windows.size > 50_000) for (const [k, w] of windows) if (w.endsAt <= now) windows.delete(k);
      let w = windows.get(key);
      if (!w || w.endsAt <= now) windows.set(key, (w = { count: 0, endsAt: now + windowMs }));
      w.count++;
      return { count: w.count, resetInMs: w.endsAt - now };
    },
  };
};
