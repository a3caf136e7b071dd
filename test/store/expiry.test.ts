import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import pino from 'pino';
import sqlite3 from 'sqlite3';
import { createClient } from '@redis/client';
import { describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/storage/store.ts';
import { ExpirySweeper } from '../../src/storage/sweeper.ts';
import { waitFor } from '../helpers/child.ts';
import type { ScratchNamespace } from '../../src/storage/namespaces.ts';

const silent = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Counts rows of a namespace straight from the database, past keyv's hiding of expired ones. */
type RawCount = (ns: string) => Promise<number>;

const sqliteRaw =
  (file: string): RawCount =>
  async (ns) => {
    const db = new sqlite3.Database(file);
    try {
      return await new Promise<number>((resolve, reject) =>
        db.get<{ n: number }>('SELECT COUNT(*) AS n FROM keyv WHERE key >= ? AND key < ?', [`${ns}:`, `${ns};`], (e, row) =>
          e ? reject(e) : resolve(row!.n),
        ),
      );
    } finally {
      await new Promise((r) => db.close(r));
    }
  };

const postgresRaw =
  (url: string): RawCount =>
  async (ns) => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      const r = await c.query<{ n: string }>(`SELECT COUNT(*) AS n FROM public.keyv WHERE key COLLATE "C" >= $1 AND key COLLATE "C" < $2`, [
        `${ns}:`,
        `${ns};`,
      ]);
      return Number(r.rows[0]!.n);
    } finally {
      await c.end();
    }
  };

const sweepSuite = (name: string, open: () => Promise<Store>, raw: RawCount) => {
  describe(`expired rows are deleted on ${name}`, () => {
    it('the sweep deletes rows past their TTL (and only those), bounded per run', async () => {
      const store = await open();
      const ns: ScratchNamespace = `scratch-exp${Date.now().toString(36)}${Math.random().toString(36).slice(2, 5)}`;
      try {
        const kv = store.namespace(ns);
        await kv.setMany(
          Array.from({ length: 10 }, (_, i) => [`short:${i}`, { i }] as const),
          50,
        );
        await kv.set('long', 'stays', 3_600_000);
        await kv.set('forever', 'stays');
        // A nested "expires" inside a value that never expires must not fool the sweep.
        await kv.set('tricky', { expires: 1, note: '"expires":1}' });
        await sleep(150);
        expect(await kv.get('short:0')).toBeUndefined();
        // Hidden on read, but still on disk: this is what grew without bound.
        expect(await raw(ns)).toBe(13);

        // The sweep covers every namespace (other tests' expired rows may share the database), so
        // the bound is checked on its count, and the outcome on this namespace's rows.
        const sweeper = new ExpirySweeper(store, silent, { intervalMs: 60_000, maxPerRun: 7, batch: 3 });
        expect(await sweeper.runOnce()).toBe(7);
        expect(await raw(ns)).toBeGreaterThanOrEqual(6);
        for (let i = 0; i < 50 && (await sweeper.runOnce()) > 0; i++);
        expect(await raw(ns)).toBe(3);
        expect(await kv.get('long')).toBe('stays');
        expect(await kv.get('forever')).toBe('stays');
        expect(await kv.get('tricky')).toEqual({ expires: 1, note: '"expires":1}' });
      } finally {
        await store.namespace(ns).clear();
        await store.close();
      }
    });
  });
};

const dir = mkdtempSync(join(tmpdir(), 'sr-expiry-'));
const sqliteFile = join(dir, 'sweep.sqlite');
sweepSuite('SQLite', () => openStore(`sqlite://${sqliteFile}`), sqliteRaw(sqliteFile));

const postgresUrl = process.env.TEST_POSTGRES_URL;
if (postgresUrl) sweepSuite('PostgreSQL', () => openStore(postgresUrl), postgresRaw(postgresUrl));
else
  describe('expired rows are deleted on PostgreSQL', () =>
    it('was not run: TEST_POSTGRES_URL is not set (.ci/run starts PostgreSQL and sets it)', () => {}));

const redisUrl = process.env.TEST_REDIS_URL;
describe('expiry on Redis', () => {
  if (!redisUrl) {
    it('was not run: TEST_REDIS_URL is not set (.ci/run starts redis-server and sets it)', () => {});
    return;
  }
  it('uses native TTLs: the key itself carries the expiry, and Redis removes it', async () => {
    const store = await openStore(redisUrl);
    const ns: ScratchNamespace = `scratch-exp${Date.now().toString(36)}`;
    const client = createClient({ url: redisUrl });
    await client.connect();
    try {
      await store.namespace(ns).set('one', 1, 60_000);
      await store.namespace(ns).setMany([['two', 2]], 60_000);
      await store.namespace(ns).set('brief', 3, 100);
      expect(await client.pTTL(`${ns}::${ns}:one`)).toBeGreaterThan(50_000);
      expect(await client.pTTL(`${ns}::${ns}:two`)).toBeGreaterThan(50_000);
      await waitFor(async () => (await client.exists(`${ns}::${ns}:brief`)) === 0, 10_000);
      expect(await store.sweepExpired()).toBe(0);
    } finally {
      await store.namespace(ns).clear();
      await store.close();
      client.destroy();
    }
  });
});
