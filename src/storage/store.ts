import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Keyv, { type KeyvStoreAdapter } from 'keyv';
import type KeyvSqliteType from '@keyv/sqlite';
import type KeyvRedisType from '@keyv/redis';
import type KeyvPostgresType from '@keyv/postgres';
import { ConfigError, StoreUnavailableError } from '../core/errors.ts';
import { redisLease, sqlLease, type Lease, type RedisEval } from './lease.ts';

/** One namespace of the store: a key-value map that can be listed. */
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
 * The bot's only persistence: namespaced key-value maps over keyv, so SQLite, Redis and PostgreSQL
 * behave the same (one `storeContract()` suite checks all three).
 */
export interface Store {
  readonly kind: StoreKind;
  /** A human-readable location with any password masked. */
  readonly location: string;
  namespace(name: string): KeyValue;
  /** A lease on the engine's own atomics (leader election, single-instance guard). */
  lease(name: string): Lease;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

const maskUrl = (url: string): string => url.replace(/\/\/([^:@/]*):([^@/]*)@/, '//$1:****@');

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

/** What the SQL adapters expose: a raw query function (used for batch writes and keyset paging). */
interface SqlAdapter {
  query(sql: string, ...params: unknown[]): Promise<{ key: string; value: string }[] | { rows: { key: string; value: string }[] }>;
  opts: { table: string; schema?: string };
}

const PAGE = 500;
const BATCH = 400;

class KeyvNamespace implements KeyValue {
  constructor(
    private readonly keyv: Keyv,
    private readonly name: string,
    private readonly kind: StoreKind,
  ) {}

  adapter(): unknown {
    return this.keyv.store;
  }

  private get sql(): SqlAdapter | undefined {
    return this.kind === 'redis' ? undefined : (this.keyv.store as unknown as SqlAdapter);
  }

  private table(): string {
    const a = this.sql!;
    return this.kind === 'postgres' ? `${a.opts.schema ?? 'public'}.${a.opts.table}` : a.opts.table;
  }

  private async rows(sql: string, params: unknown[]): Promise<{ key: string; value: string }[]> {
    const a = this.sql!;
    const result = this.kind === 'postgres' ? await a.query(sql, params) : await a.query(sql, ...params);
    return Array.isArray(result) ? result : result.rows;
  }

  async get<T>(key: string): Promise<T | undefined> {
    return (await this.keyv.get<T>(key)) ?? undefined;
  }

  async getMany<T>(keys: readonly string[]): Promise<(T | undefined)[]> {
    if (keys.length === 0) return [];
    const values = await this.keyv.getMany<T>([...keys]);
    return values.map((v) => v ?? undefined);
  }

  async set<T>(key: string, value: T, ttlMs?: number): Promise<void> {
    const ok = await this.keyv.set(key, value, ttlMs);
    if (!ok) throw new StoreUnavailableError('set', `could not write ${key}`);
  }

  async setMany<T>(entries: readonly (readonly [string, T])[], ttlMs?: number): Promise<void> {
    if (entries.length === 0) return;
    if (!this.sql) {
      await this.keyv.setMany(entries.map(([key, value]) => ({ key, value, ...(ttlMs ? { ttl: ttlMs } : {}) })));
      return;
    }
    const expires = ttlMs ? Date.now() + ttlMs : undefined;
    // One multi-row upsert per chunk: a single statement is one transaction, instead of one fsync per row.
    for (let i = 0; i < entries.length; i += BATCH) {
      const chunk = entries.slice(i, i + BATCH);
      const values: unknown[] = [];
      for (const [key, value] of chunk) values.push(`${this.name}:${key}`, await this.keyv.serializeData({ value, expires }));
      const marks = chunk.map((_, j) => (this.kind === 'postgres' ? `($${j * 2 + 1}, $${j * 2 + 2})` : '(?, ?)')).join(', ');
      await this.rows(`INSERT INTO ${this.table()} (key, value) VALUES ${marks} ON CONFLICT(key) DO UPDATE SET value = excluded.value`, values);
    }
  }

  async delete(key: string): Promise<boolean> {
    return this.keyv.delete(key);
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += BATCH) await this.keyv.deleteMany(keys.slice(i, i + BATCH));
  }

  async *entries<T>(): AsyncIterable<readonly [string, T]> {
    if (this.sql) {
      yield* this.sqlEntries<T>();
      return;
    }
    const iterate = this.keyv.iterator;
    if (!iterate) throw new Error('store: this backend cannot list keys');
    for await (const item of iterate(undefined) as AsyncIterable<[string, T]>) {
      const [key, value] = item;
      if (value !== undefined) yield [key, value] as const;
    }
  }

  /**
   * Keyset paging over the primary key: the adapters' own iterators page with OFFSET, which costs
   * O(n²) over 100,000 subscriptions. `ns:` ≤ key < `ns;` is exactly this namespace (';' follows ':').
   */
  private async *sqlEntries<T>(): AsyncIterable<readonly [string, T]> {
    const collate = this.kind === 'postgres' ? ' COLLATE "C"' : '';
    const p = (n: number) => (this.kind === 'postgres' ? `$${n}` : '?');
    let after = `${this.name}:`;
    const upper = `${this.name};`;
    const prefix = after.length;
    for (;;) {
      const page = await this.rows(
        `SELECT key, value FROM ${this.table()} WHERE key${collate} > ${p(1)} AND key${collate} < ${p(2)} ORDER BY key${collate} LIMIT ${PAGE}`,
        [after, upper],
      );
      const now = Date.now();
      for (const row of page) {
        const data = (await this.keyv.deserializeData(row.value)) as { value?: T; expires?: number } | undefined;
        if (!data || data.value === undefined || (typeof data.expires === 'number' && data.expires < now)) continue;
        yield [row.key.slice(prefix), data.value] as const;
      }
      if (page.length < PAGE) return;
      after = page.at(-1)!.key;
    }
  }

  async clear(): Promise<void> {
    await this.keyv.clear();
  }
}

export const openStore = async (url: string): Promise<Store> => {
  const kind = kindOf(url);
  const namespaces = new Map<string, { keyv: Keyv; ns: KeyValue }>();
  let sqliteFile: string | undefined;
  if (kind === 'sqlite') {
    sqliteFile = sqlitePath(url);
    if (sqliteFile !== ':memory:') mkdirSync(dirname(sqliteFile), { recursive: true });
  }
  // Only the driver in use is loaded: each costs memory and start-up time.
  const KeyvSqlite = kind === 'sqlite' ? ((await import('@keyv/sqlite')).default as typeof KeyvSqliteType) : undefined;
  const KeyvRedis = kind === 'redis' ? ((await import('@keyv/redis')).default as typeof KeyvRedisType) : undefined;
  const KeyvPostgres = kind === 'postgres' ? ((await import('@keyv/postgres')).default as typeof KeyvPostgresType) : undefined;
  const makeAdapter = (): KeyvStoreAdapter => {
    switch (kind) {
      case 'sqlite':
        // Several connections share the file; wait for locks instead of failing with SQLITE_BUSY.
        return new KeyvSqlite!({ uri: `sqlite://${sqliteFile}`, busyTimeout: 15_000 }) as unknown as KeyvStoreAdapter;
      case 'redis':
        return new KeyvRedis!(url) as unknown as KeyvStoreAdapter;
      case 'postgres':
        return new KeyvPostgres!({ uri: url }) as unknown as KeyvStoreAdapter;
    }
  };
  const errors: Error[] = [];
  const namespace = (name: string): KeyValue => {
    let entry = namespaces.get(name);
    if (!entry) {
      const keyv = new Keyv({ store: makeAdapter(), namespace: name, useKeyPrefix: true });
      keyv.on('error', (e: Error) => errors.push(e));
      entry = { keyv, ns: new KeyvNamespace(keyv, name, kind) };
      namespaces.set(name, entry);
    }
    return entry.ns;
  };
  const store: Store = {
    kind,
    location: kind === 'sqlite' ? `sqlite://${sqliteFile}` : maskUrl(url),
    namespace,
    lease(name: string): Lease {
      const adapter = (namespace('lease') as KeyvNamespace).adapter();
      if (kind === 'redis') return redisLease(name, () => (adapter as unknown as { getClient(): Promise<RedisEval> }).getClient());
      const sql = adapter as unknown as { query(sql: string, ...params: unknown[]): Promise<unknown> };
      const query = async (text: string, params: unknown[]): Promise<Record<string, unknown>[]> => {
        const result = kind === 'postgres' ? await sql.query(text, params) : await sql.query(text, ...params);
        return (Array.isArray(result) ? result : (result as { rows: Record<string, unknown>[] }).rows) ?? [];
      };
      return sqlLease(name, query, kind === 'postgres' ? 'postgres' : 'sqlite');
    },
    async ping() {
      try {
        const probe = namespace('health');
        await probe.set('ping', Date.now());
        return (await probe.get<number>('ping')) !== undefined;
      } catch {
        return false;
      }
    },
    async close() {
      await Promise.allSettled([...namespaces.values()].map((e) => e.keyv.disconnect()));
      namespaces.clear();
    },
  };
  // Fail fast on an unreachable store with one clear line instead of errors later.
  const ok = await Promise.race([
    store.ping(),
    new Promise<boolean>((r) => setTimeout(() => r(false), 10_000).unref()),
  ]);
  if (!ok) {
    // A client that never connected may never finish disconnecting either.
    await Promise.race([store.close(), new Promise((r) => setTimeout(r, 2000).unref())]);
    const why = errors[0]?.message ?? 'no answer within 10 s';
    throw new ConfigError('STORE_URL', `cannot reach ${store.location} (${why}): check the address and that the server runs`);
  }
  return store;
};
