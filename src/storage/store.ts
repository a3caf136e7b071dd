import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { decodeRow, encodeRow } from './codec.ts';
import type KeyvSqliteType from '@keyv/sqlite';
import type { RedisClientType } from '@redis/client';
import type { Pool } from 'pg';
import { ConfigError, StoreUnavailableError } from '../core/errors.ts';
import { LEASE_TABLE, redisLease, redisLeaseKey, sqlLease, type Lease, type RedisEval } from './lease.ts';
import { StaleLeaderError, type Fence, type FencedWrites, type FenceTerm } from './fence.ts';
import type { NamespaceName, ScratchNamespace } from './namespaces.ts';
import { redisCounter, sqlCounter, type Counter } from './counter.ts';

/**
 * One namespace of the store: a key-value map that can be listed. Every call either answers or
 * rejects with `StoreUnavailableError` within the store's timeout; a failed read never looks like
 * an absent key.
 */
export interface KeyValue {
  get<T>(key: string): Promise<T | undefined>;
  getMany<T>(keys: readonly string[]): Promise<(T | undefined)[]>;
  set<T>(key: string, value: T, ttlMs?: number): Promise<void>;
  /** Writes many entries in as few round trips (and, on SQL stores, statements) as the backend allows. */
  setMany<T>(entries: readonly (readonly [string, T])[], ttlMs?: number): Promise<void>;
  delete(key: string): Promise<boolean>;
  deleteMany(keys: readonly string[]): Promise<void>;
  /** Every entry of the namespace, in no particular order; streamed, never all in memory at once. */
  entries<T>(): AsyncIterable<readonly [string, T]>;
  clear(): Promise<void>;
}

export type StoreKind = 'sqlite' | 'redis' | 'postgres';

/**
 * The bot's only persistence: namespaced key-value maps in keyv's row format (`ns:key`, a JSON
 * `{value, expires}`), so SQLite, Redis and PostgreSQL behave the same (one `storeContract()` suite
 * checks all three). One connection (pool) per store, shared by every namespace and the leases.
 */
export interface Store {
  readonly kind: StoreKind;
  /** A human-readable location with any password masked. */
  readonly location: string;
  /** How long one store call may take before it rejects with `StoreUnavailableError`. */
  readonly timeoutMs: number;
  /** With a fence, every write is refused (`StaleLeaderError`) once the writer's leadership term is over. */
  namespace(name: NamespaceName | ScratchNamespace, fence?: Fence): KeyValue;
  /** A lease on the engine's own atomics (leader election, single-instance guard). */
  lease(name: string): Lease;
  /** A fixed-window counter on the engine's own atomics, shared by the fleet (per-user command limit). */
  counter(name: string): Counter;
  /** The engine's own client, for primitives keyv has no word for (src/storage/queue.ts, fence.ts). */
  engine(): Engine;
  /** Read-only: true when the store answered within `timeoutMs` (or the given one). Never throws. */
  ping(timeoutMs?: number): Promise<boolean>;
  /**
   * Deletes up to `limit` rows whose TTL has passed (SQLite and PostgreSQL keep them until then;
   * Redis expires its keys natively and answers 0). Returns how many were deleted.
   */
  sweepExpired(limit?: number): Promise<number>;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** Per-call timeout; tests shorten it. */
  readonly timeoutMs?: number;
  /** Called with every error the driver reports outside a call (a dropped connection, a reconnect failure). */
  readonly onDriverError?: (error: Error) => void;
}

/** A few seconds: longer than any healthy call, short enough that a webhook gets its 503 while the sender still waits. */
export const DEFAULT_STORE_TIMEOUT_MS = 5_000;

/** A URL with its password, if any, replaced by ****. */
export const maskUrl = (url: string): string => url.replace(/\/\/([^:@/]*):([^@/]*)@/, '//$1:****@');

const kindOf = (url: string): StoreKind => {
  if (url.startsWith('sqlite://')) return 'sqlite';
  if (url.startsWith('redis://') || url.startsWith('rediss://')) return 'redis';
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return 'postgres';
  throw new ConfigError('STORE_URL', `unsupported scheme in "${maskUrl(url)}": use sqlite://, redis:// or postgres://`);
};

/** `sqlite:///abs/path` is absolute; `sqlite://./rel` and `sqlite://rel` are relative to the working directory. */
export const sqlitePath = (url: string): string => {
  const rest = url.slice('sqlite://'.length);
  if (rest === ':memory:') return rest;
  if (!rest) throw new ConfigError('STORE_URL', 'sqlite:// needs a path, such as sqlite://./data/status-relay.sqlite');
  return resolve(rest);
};

const PAGE = 500;
const BATCH = 400;
const TABLE = 'keyv';

interface Row {
  key: string;
  value: string;
}

/** Everything a namespace needs from a backend; each call is already guarded (timeout, typed error). */
interface Backend {
  get(key: string): Promise<string | undefined>;
  getMany(keys: readonly string[]): Promise<(string | undefined)[]>;
  set(entries: readonly (readonly [string, string])[], ttlMs: number | undefined): Promise<void>;
  delete(keys: readonly string[]): Promise<number>;
  /** Rows of `name:` after `after` (exclusive), in key order, at most PAGE; `cursor` for Redis SCAN. */
  page(name: string, after: string, cursor: string): Promise<{ rows: Row[]; after: string; cursor: string; done: boolean }>;
  clear(name: string): Promise<void>;
  ping(): Promise<void>;
  sweep(now: number, limit: number): Promise<number>;
  lease(name: string): Lease;
  counter(name: string): Counter;
  engine(): Engine;
  /** Writes conditioned on a leadership term atomically, where the engine can (Redis, PostgreSQL). */
  readonly fenced?: FencedWrites;
  close(): Promise<void>;
}

type Guard = <T>(operation: string, run: () => Promise<T>, timeoutMs?: number) => Promise<T>;

/** Races a store call against the timeout and turns every failure into `StoreUnavailableError`. */
const makeGuard =
  (defaultMs: number, isClosed: () => boolean): Guard =>
  (operation, run, timeoutMs = defaultMs) => {
    if (isClosed()) return Promise.reject(new StoreUnavailableError(operation, 'the store is closed'));
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(() => reject(new StoreUnavailableError(operation, `no answer within ${timeoutMs} ms`)), timeoutMs);
      timer.unref();
      let started: Promise<unknown>;
      try {
        started = run();
      } catch (e) {
        started = Promise.reject(e);
      }
      (started as Promise<never>).then(
        (v) => {
          clearTimeout(timer);
          resolvePromise(v);
        },
        (e: unknown) => {
          clearTimeout(timer);
          reject(
            e instanceof StoreUnavailableError ? e : new StoreUnavailableError(operation, (e as Error)?.message ?? String(e), { cause: e }),
          );
        },
      );
    });
  };

const encode = (value: unknown, ttlMs: number | undefined): string =>
  encodeRow({ value, ...(ttlMs ? { expires: Date.now() + ttlMs } : {}) });

const decode = <T>(raw: string | undefined | null): T | undefined => {
  if (raw === undefined || raw === null) return undefined;
  const data = decodeRow(raw) as { value?: T; expires?: number | null } | null;
  if (!data || data.value === undefined) return undefined;
  if (typeof data.expires === 'number' && data.expires < Date.now()) return undefined;
  return data.value;
};

class Namespace implements KeyValue {
  constructor(
    private readonly backend: Backend,
    private readonly name: string,
    private readonly fence?: Fence,
  ) {}

  private k(key: string): string {
    return `${this.name}:${key}`;
  }

  /**
   * With a fence, a write is refused (`StaleLeaderError`) once the term is over. Redis and
   * PostgreSQL check the term in the same atomic command as the write; elsewhere (SQLite, where a
   * second instance cannot run on the file) the term is checked first, then written.
   */
  private async writeRows(rows: readonly (readonly [string, string])[], ttlMs: number | undefined): Promise<void> {
    if (!this.fence) return this.backend.set(rows, ttlMs);
    const term = this.backend.fenced && this.fence.term?.();
    if (term) {
      if (!(await this.backend.fenced!.set(rows, ttlMs, term))) throw staleTerm(term);
      return;
    }
    await this.fence.assert();
    await this.backend.set(rows, ttlMs);
  }

  private async deleteRows(keys: readonly string[]): Promise<number> {
    if (!this.fence) return this.backend.delete(keys);
    const term = this.backend.fenced && this.fence.term?.();
    if (term) {
      const n = await this.backend.fenced!.delete(keys, term);
      if (n === undefined) throw staleTerm(term);
      return n;
    }
    await this.fence.assert();
    return this.backend.delete(keys);
  }

  async get<T>(key: string): Promise<T | undefined> {
    return decode<T>(await this.backend.get(this.k(key)));
  }

  async getMany<T>(keys: readonly string[]): Promise<(T | undefined)[]> {
    const out: (T | undefined)[] = [];
    for (let i = 0; i < keys.length; i += BATCH) {
      const raw = await this.backend.getMany(keys.slice(i, i + BATCH).map((key) => this.k(key)));
      for (const r of raw) out.push(decode<T>(r));
    }
    return out;
  }

  async set<T>(key: string, value: T, ttlMs?: number): Promise<void> {
    await this.writeRows([[this.k(key), encode(value, ttlMs)]], ttlMs);
  }

  async setMany<T>(entries: readonly (readonly [string, T])[], ttlMs?: number): Promise<void> {
    for (let i = 0; i < entries.length; i += BATCH) {
      const chunk: [string, string][] = [];
      for (const [key, value] of entries.slice(i, i + BATCH)) chunk.push([this.k(key), encode(value, ttlMs)]);
      await this.writeRows(chunk, ttlMs);
    }
  }

  async delete(key: string): Promise<boolean> {
    return (await this.deleteRows([this.k(key)])) > 0;
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += BATCH) await this.deleteRows(keys.slice(i, i + BATCH).map((key) => this.k(key)));
  }

  async *entries<T>(): AsyncIterable<readonly [string, T]> {
    const prefix = this.name.length + 1;
    let after = `${this.name}:`;
    let cursor = '0';
    for (;;) {
      const page = await this.backend.page(this.name, after, cursor);
      for (const row of page.rows) {
        const value = decode<T>(row.value);
        if (value !== undefined) yield [row.key.slice(prefix), value] as const;
      }
      if (page.done) return;
      after = page.after;
      cursor = page.cursor;
    }
  }

  async clear(): Promise<void> {
    await this.fence?.assert();
    await this.backend.clear(this.name);
  }
}

const staleTerm = (term: FenceTerm): StaleLeaderError =>
  new StaleLeaderError(term.token, `fencing token ${term.token} is stale: another instance leads (the write was refused)`);

type RowQuery = (sql: string, params: unknown[]) => Promise<Row[]>;

/** A raw SQL call on the store's own connection, for primitives keyv has no word for (src/storage/queue.ts, fence.ts). */
export type SqlQuery = (sql: string, params: unknown[]) => Promise<Record<string, unknown>[]>;
export type Engine = { readonly kind: 'redis'; client(): Promise<RedisEval> } | { readonly kind: 'postgres' | 'sqlite'; query: SqlQuery };

/**
 * SQLite and PostgreSQL share one table of keyv rows. Paging is keyset over the primary key (keyv's
 * iterators page with OFFSET, O(n²) over 100,000 subscriptions): `ns:` ≤ key < `ns;` is exactly
 * the namespace, since ';' follows ':'.
 */
const sqlBackend = (dialect: 'sqlite' | 'postgres', query: RowQuery, guard: Guard, close: () => Promise<void>): Backend => {
  const p = (n: number) => (dialect === 'postgres' ? `$${n}` : '?');
  const collate = dialect === 'postgres' ? ' COLLATE "C"' : '';
  const table = dialect === 'postgres' ? `public.${TABLE}` : TABLE;
  const inList = dialect === 'postgres' ? `= ANY(${p(1)})` : `IN (SELECT value FROM json_each(${p(1)}))`;
  const list = (keys: readonly string[]) => (dialect === 'postgres' ? [keys] : [JSON.stringify(keys)]);
  // keyv writes `{"value":…,"expires":N}` with `expires` last; a row without it never expires.
  const expiresOf =
    dialect === 'postgres'
      ? `CAST(substring(value from '"expires":([0-9]+)[}]$') AS BIGINT)`
      : `(CASE WHEN json_valid(value) THEN json_extract(value, '$.expires') END)`;
  return {
    get: (key) => guard('get', async () => (await query(`SELECT value FROM ${table} WHERE key = ${p(1)}`, [key]))[0]?.value),
    getMany: (keys) =>
      guard('getMany', async () => {
        const rows = await query(`SELECT key, value FROM ${table} WHERE key ${inList}`, list(keys));
        const byKey = new Map(rows.map((r) => [r.key, r.value]));
        return keys.map((k) => byKey.get(k));
      }),
    set: (entries) =>
      guard('set', async () => {
        // One multi-row upsert: a single statement is one transaction, instead of one fsync per row.
        const marks = entries.map((_, j) => `(${p(j * 2 + 1)}, ${p(j * 2 + 2)})`).join(', ');
        await query(
          `INSERT INTO ${table} (key, value) VALUES ${marks} ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
          entries.flat(),
        );
      }),
    delete: (keys) =>
      guard('delete', async () => (await query(`DELETE FROM ${table} WHERE key ${inList} RETURNING key`, list(keys))).length),
    page: (name, after) =>
      guard('entries', async () => {
        const rows = await query(
          `SELECT key, value FROM ${table} WHERE key${collate} > ${p(1)} AND key${collate} < ${p(2)} ORDER BY key${collate} LIMIT ${PAGE}`,
          [after, `${name};`],
        );
        return { rows, after: rows.at(-1)?.key ?? after, cursor: '0', done: rows.length < PAGE };
      }),
    clear: (name) =>
      guard('clear', async () => {
        await query(`DELETE FROM ${table} WHERE key${collate} >= ${p(1)} AND key${collate} < ${p(2)}`, [`${name}:`, `${name};`]);
      }),
    ping: () => guard('ping', async () => void (await query('SELECT 1 AS key, 1 AS value', []))),
    sweep: (now, limit) =>
      guard('sweep', async () => {
        const rows = await query(
          `DELETE FROM ${table} WHERE key IN (SELECT key FROM ${table} WHERE value LIKE '%"expires":%' AND ${expiresOf} < ${p(1)} LIMIT ${p(2)}) RETURNING key`,
          [now, limit],
        );
        return rows.length;
      }),
    lease: (name) => sqlLease(name, async (sql, params) => (await query(sql, params)) as unknown as Record<string, unknown>[], dialect),
    counter: (name) => sqlCounter(name, async (sql, params) => (await query(sql, params)) as unknown as Record<string, unknown>[], dialect),
    engine: () => ({
      kind: dialect,
      query: (sql, params) => guard('engine', async () => (await query(sql, params)) as unknown as Record<string, unknown>[]),
    }),
    ...(dialect === 'postgres' ? { fenced: postgresFencedWrites(query, guard, table) } : {}),
    close,
  };
};

/**
 * One statement: the lease row is read `FOR SHARE`, so a takeover (an UPDATE of that row) waits
 * until the write committed, and the write happens only while the row holds our term.
 * https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-ROWS
 */
const postgresFencedWrites = (query: RowQuery, guard: Guard, table: string): FencedWrites => {
  const term = (t: FenceTerm) => [t.lease, t.holder, t.token, Date.now()];
  const ours = `ours AS (SELECT 1 FROM ${LEASE_TABLE} WHERE name = $1 AND holder = $2 AND token = $3 AND expires_at > $4 FOR SHARE)`;
  const answer = (rows: Row[]) => rows[0] as unknown as { ours: string | number; n: string | number };
  return {
    set: (entries, _ttlMs, t) =>
      guard('set', async () => {
        const marks = entries.map((_, j) => `($${j * 2 + 5}::text, $${j * 2 + 6}::text)`).join(', ');
        const r = answer(
          await query(
            `WITH ${ours}, w AS (INSERT INTO ${table} (key, value) SELECT column1, column2 FROM (VALUES ${marks}) AS v WHERE EXISTS (SELECT 1 FROM ours)
               ON CONFLICT (key) DO UPDATE SET value = excluded.value RETURNING 1)
             SELECT (SELECT count(*) FROM ours) AS ours, (SELECT count(*) FROM w) AS n`,
            [...term(t), ...entries.flat()],
          ),
        );
        return Number(r.ours) > 0;
      }),
    delete: (keys, t) =>
      guard('delete', async () => {
        const r = answer(
          await query(
            `WITH ${ours}, d AS (DELETE FROM ${table} WHERE key = ANY($5) AND EXISTS (SELECT 1 FROM ours) RETURNING 1)
             SELECT (SELECT count(*) FROM ours) AS ours, (SELECT count(*) FROM d) AS n`,
            [...term(t), keys],
          ),
        );
        return Number(r.ours) > 0 ? Number(r.n) : undefined;
      }),
  };
};

// Redis: the lease key holds `holder|token` while the lease is unexpired (src/storage/lease.ts).
const FENCED_SET = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local ttl = tonumber(ARGV[2])
for i = 2, #KEYS do
  if ttl > 0 then redis.call('SET', KEYS[i], ARGV[i + 1], 'PX', ttl) else redis.call('SET', KEYS[i], ARGV[i + 1]) end
end
return #KEYS - 1`;

const FENCED_DELETE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local n = 0
for i = 2, #KEYS do n = n + redis.call('UNLINK', KEYS[i]) end
return n`;

/** A Lua script runs atomically: nothing else runs between the check of the lease and the write. https://redis.io/docs/latest/develop/interact/programmability/eval-intro/ */
const redisFencedWrites = (client: RedisClientType, guard: Guard): FencedWrites => ({
  set: (entries, ttlMs, t) =>
    guard('set', async () => {
      const keys = [redisLeaseKey(t.lease), ...entries.map(([key]) => redisKey(key))];
      const n = Number(
        await client.eval(FENCED_SET, { keys, arguments: [`${t.holder}|${t.token}`, String(ttlMs ?? 0), ...entries.map(([, v]) => v)] }),
      );
      return n >= 0;
    }),
  delete: (keys, t) =>
    guard('delete', async () => {
      const n = Number(
        await client.eval(FENCED_DELETE, { keys: [redisLeaseKey(t.lease), ...keys.map(redisKey)], arguments: [`${t.holder}|${t.token}`] }),
      );
      return n >= 0 ? n : undefined;
    }),
});

/** Glob-escapes a key prefix for SCAN MATCH. */
const globEscape = (s: string): string => s.replace(/[*?[\]\\]/g, '\\$&');

/** Redis keys as keyv 5 with @keyv/redis wrote them (`ns::ns:key`), so existing data stays readable. */
const redisKey = (key: string): string => `${key.slice(0, key.indexOf(':'))}::${key}`;

const redisBackend = (client: RedisClientType, guard: Guard, close: () => Promise<void>): Backend => ({
  get: (key) => guard('get', async () => (await client.get(redisKey(key))) ?? undefined),
  getMany: (keys) => guard('getMany', async () => (await client.mGet(keys.map(redisKey))).map((v) => v ?? undefined)),
  set: (entries, ttlMs) =>
    guard('set', async () => {
      if (entries.length === 1) {
        const [key, value] = entries[0]!;
        await client.set(redisKey(key), value, ttlMs ? { PX: ttlMs } : {});
        return;
      }
      const multi = client.multi();
      for (const [key, value] of entries) multi.set(redisKey(key), value, ttlMs ? { PX: ttlMs } : {});
      await multi.exec();
    }),
  delete: (keys) => guard('delete', () => client.unlink(keys.map(redisKey))),
  page: (name, after, cursor) =>
    guard('entries', async () => {
      const scan = await client.scan(cursor, { MATCH: `${globEscape(`${name}::${name}:`)}*`, COUNT: PAGE });
      const values = scan.keys.length ? await client.mGet(scan.keys) : [];
      const rows: Row[] = [];
      scan.keys.forEach((k, i) => {
        const v = values[i];
        if (v !== null && v !== undefined) rows.push({ key: k.slice(name.length + 2), value: v });
      });
      return { rows, after, cursor: String(scan.cursor), done: String(scan.cursor) === '0' };
    }),
  clear: (name) =>
    guard('clear', async () => {
      let cursor = '0';
      do {
        const scan = await client.scan(cursor, { MATCH: `${globEscape(`${name}::${name}:`)}*`, COUNT: 1000 });
        if (scan.keys.length) await client.unlink(scan.keys);
        cursor = String(scan.cursor);
      } while (cursor !== '0');
    }),
  ping: () => guard('ping', async () => void (await client.ping())),
  // Redis expires keys itself (`SET … PX`).
  sweep: async () => 0,
  lease: (name) => redisLease(name, async () => client as unknown as RedisEval),
  counter: (name) => redisCounter(name, async () => client as unknown as RedisEval),
  // Bounded like every other store call: a paused Redis must not hang an ingest append (503 instead).
  engine: () => {
    const raw = client as unknown as RedisEval;
    const guarded: RedisEval = {
      eval: (script, options) => guard('engine', () => raw.eval(script, options)),
      get: (key) => guard('engine', () => raw.get(key)),
      pTTL: (key) => guard('engine', () => raw.pTTL(key)),
    };
    return { kind: 'redis', client: async () => guarded };
  },
  fenced: redisFencedWrites(client, guard),
  close,
});

/** Every lease call bounded like any other store call. */
const guardedLease = (lease: Lease, guard: Guard): Lease => ({
  acquire: (holder, ttlMs) => guard('lease acquire', () => lease.acquire(holder, ttlMs)),
  release: (holder) => guard('lease release', () => lease.release(holder)),
  current: () => guard('lease read', () => lease.current()),
  holds: (holder, token) => guard('lease check', () => lease.holds(holder, token)),
});

const guardedCounter = (counter: Counter, guard: Guard): Counter => ({
  increment: (key, windowMs) => guard('counter', () => counter.increment(key, windowMs)),
});

const WAL_CHECKPOINT_PAGES = 64;
const WAL_SIZE_LIMIT_BYTES = 256 * 1024;

const openSqlite = async (
  file: string,
  guard: Guard,
  openGuard: Guard,
  timeoutMs: number,
  onError: (e: Error) => void,
): Promise<Backend> => {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const KeyvSqlite = (await import('@keyv/sqlite')).default as typeof KeyvSqliteType;
  // SQLITE_BUSY waits this long, less than the call timeout, so a held lock fails as "busy", not as a timeout.
  const adapter = new KeyvSqlite({ uri: `sqlite://${file}`, busyTimeout: Math.max(50, Math.floor(timeoutMs / 2)) });
  (adapter as unknown as { on(e: 'error', f: (err: Error) => void): void }).on('error', onError);
  const q = adapter.query as unknown as (sql: string, ...params: unknown[]) => Promise<Row[]>;
  const query: RowQuery = async (sql, params) => (await q(sql, ...params)) ?? [];
  // WAL: readers (the /readyz ping, /status) never wait for a writer, and a crash leaves no hot journal.
  // https://www.sqlite.org/wal.html
  if (file !== ':memory:') {
    await openGuard('open', () => query('PRAGMA journal_mode=WAL', []));
    // A checkpoint copies the WAL into the database file, which must grow to take it. With SQLite's
    // default (a checkpoint every 1,000 pages, 4 MB) a backlog written after a full disk can fill
    // the remaining space with WAL before the first checkpoint, and then no checkpoint can ever
    // run: checkpoint often, and truncate the WAL back afterwards.
    // https://www.sqlite.org/pragma.html#pragma_wal_autocheckpoint
    await openGuard('open', () => query(`PRAGMA wal_autocheckpoint=${WAL_CHECKPOINT_PAGES}`, []));
    await openGuard('open', () => query(`PRAGMA journal_size_limit=${WAL_SIZE_LIMIT_BYTES}`, []));
  }
  return sqlBackend('sqlite', query, guard, async () => {
    await (adapter as unknown as { disconnect(): Promise<void> }).disconnect();
  });
};

const openPostgres = async (
  url: string,
  guard: Guard,
  openGuard: Guard,
  timeoutMs: number,
  onError: (e: Error) => void,
): Promise<Backend> => {
  const pg = (await import('pg')).default;
  // Our own pool: @keyv/postgres keeps one global pool per URL, so closing one store closed the others.
  const pool: Pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
    idleTimeoutMillis: 30_000,
  });
  pool.on('error', onError);
  const query: RowQuery = async (sql, params) => (await pool.query<Row>(sql, params)).rows;
  try {
    await openGuard('open', () =>
      query(`CREATE TABLE IF NOT EXISTS public.${TABLE}(key VARCHAR(255) PRIMARY KEY, value TEXT)`, []).catch((e: { code?: string }) => {
        // Two instances creating the table at once: the loser sees a unique violation on the catalog.
        if (e.code !== '23505') throw e;
        return [];
      }),
    );
  } catch (e) {
    void pool.end().catch(() => undefined);
    throw e;
  }
  return sqlBackend('postgres', query, guard, () => pool.end());
};

const openRedis = async (url: string, guard: Guard, openGuard: Guard, timeoutMs: number, onError: (e: Error) => void): Promise<Backend> => {
  const { createClient } = await import('@redis/client');
  const client = createClient({
    url,
    // Fail a command at once while disconnected instead of queueing it to run after we gave up on it.
    disableOfflineQueue: true,
    socket: { connectTimeout: timeoutMs, reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2000) },
  }) as unknown as RedisClientType;
  client.on('error', onError);
  try {
    await openGuard('connect', () => client.connect());
  } catch (e) {
    // Otherwise it goes on reconnecting, and keeps the process alive.
    client.destroy();
    throw e;
  }
  return redisBackend(client, guard, async () => {
    if (client.isOpen) await client.close().catch(() => client.destroy());
  });
};

export const openStore = async (url: string, options: StoreOptions = {}): Promise<Store> => {
  const kind = kindOf(url);
  const timeoutMs = options.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
  let closed = false;
  const guard = makeGuard(timeoutMs, () => closed);
  let lastError: Error | undefined;
  const onError = (e: Error) => {
    lastError = e;
    options.onDriverError?.(e);
  };
  const sqliteFile = kind === 'sqlite' ? sqlitePath(url) : undefined;
  const location = kind === 'sqlite' ? `sqlite://${sqliteFile}` : maskUrl(url);
  // Fail fast on an unreachable store with one clear line instead of errors later.
  const openMs = Math.max(timeoutMs, 10_000);
  const openGuard = makeGuard(openMs, () => false);
  let backend: Backend;
  try {
    // Only the driver in use is loaded: each costs memory and start-up time.
    backend =
      kind === 'sqlite'
        ? await openSqlite(sqliteFile!, guard, openGuard, timeoutMs, onError)
        : kind === 'redis'
          ? await openRedis(url, guard, openGuard, openMs, onError)
          : await openPostgres(url, guard, openGuard, timeoutMs, onError);
    await openGuard('ping', () => backend.ping(), openMs + 1000);
  } catch (e) {
    const cause = e instanceof StoreUnavailableError ? (e.cause as Error | undefined) : (e as Error);
    const why = cause?.message ?? lastError?.message ?? (e as Error).message;
    throw new ConfigError('STORE_URL', `cannot reach ${location} (${why}): check the address and that the server runs`);
  }
  const namespaces = new Map<string, Namespace>();
  return {
    kind,
    location,
    timeoutMs,
    namespace(name: NamespaceName | ScratchNamespace, fence?: Fence): KeyValue {
      if (fence) return new Namespace(backend, name, fence);
      let ns = namespaces.get(name);
      if (!ns) namespaces.set(name, (ns = new Namespace(backend, name)));
      return ns;
    },
    lease: (name) => guardedLease(backend.lease(name), guard),
    counter: (name) => guardedCounter(backend.counter(name), guard),
    engine: () => backend.engine(),
    async ping(pingTimeoutMs?: number) {
      try {
        await guard('ping', () => backend.ping(), pingTimeoutMs);
        return true;
      } catch {
        return false;
      }
    },
    sweepExpired: (limit = 1000) => backend.sweep(Date.now(), limit),
    async close() {
      if (closed) return;
      closed = true;
      // A client that never answers may never finish disconnecting either.
      await Promise.race([backend.close().catch(() => undefined), new Promise((r) => setTimeout(r, 2000).unref())]);
    },
  };
};
