import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Keyv, { type KeyvStoreAdapter } from 'keyv';
import KeyvSqlite from '@keyv/sqlite';
import KeyvRedis from '@keyv/redis';
import KeyvPostgres from '@keyv/postgres';
import { ConfigError } from '../core/errors.ts';

/** One namespace of the store: a key-value map that can be listed. */
export interface KeyValue {
  get<T>(key: string): Promise<T | undefined>;
  getMany<T>(keys: readonly string[]): Promise<(T | undefined)[]>;
  set<T>(key: string, value: T, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<boolean>;
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

class KeyvNamespace implements KeyValue {
  constructor(private readonly keyv: Keyv) {}

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
    if (!ok) throw new Error(`store: could not write ${key}`);
  }

  async delete(key: string): Promise<boolean> {
    return this.keyv.delete(key);
  }

  async *entries<T>(): AsyncIterable<readonly [string, T]> {
    const iterate = this.keyv.iterator;
    if (!iterate) throw new Error('store: this backend cannot list keys');
    for await (const item of iterate(undefined) as AsyncIterable<[string, T]>) {
      const [key, value] = item;
      if (value !== undefined) yield [key, value] as const;
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
  const makeAdapter = (): KeyvStoreAdapter => {
    switch (kind) {
      case 'sqlite':
        // Several connections share the file; wait for locks instead of failing with SQLITE_BUSY.
        return new KeyvSqlite({ uri: `sqlite://${sqliteFile}`, busyTimeout: 15_000 }) as unknown as KeyvStoreAdapter;
      case 'redis':
        return new KeyvRedis(url) as unknown as KeyvStoreAdapter;
      case 'postgres':
        return new KeyvPostgres({ uri: url }) as unknown as KeyvStoreAdapter;
    }
  };
  const errors: Error[] = [];
  const namespace = (name: string): KeyValue => {
    let entry = namespaces.get(name);
    if (!entry) {
      const keyv = new Keyv({ store: makeAdapter(), namespace: name, useKeyPrefix: true });
      keyv.on('error', (e: Error) => errors.push(e));
      entry = { keyv, ns: new KeyvNamespace(keyv) };
      namespaces.set(name, entry);
    }
    return entry.ns;
  };
  const store: Store = {
    kind,
    location: kind === 'sqlite' ? `sqlite://${sqliteFile}` : maskUrl(url),
    namespace,
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
    await store.close();
    const why = errors[0]?.message ?? 'no answer within 10 s';
    throw new ConfigError('STORE_URL', `cannot reach ${store.location} (${why}): check the address and that the server runs`);
  }
  return store;
};
