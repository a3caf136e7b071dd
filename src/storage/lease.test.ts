import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from './store.ts';
import type { Lease } from './lease.ts';

/** The lease on each engine we can reach: SQLite always, Redis and PostgreSQL when the CI starts them. */
const engines: [string, () => string | undefined][] = [
  ['sqlite', () => `sqlite://${join(mkdtempSync(join(tmpdir(), 'sr-lease-')), 'store.sqlite')}`],
  ['redis', () => process.env.TEST_REDIS_URL],
  ['postgres', () => process.env.TEST_POSTGRES_URL],
];

for (const [engine, url] of engines) {
  const storeUrl = url();
  if (!storeUrl) {
    describe(`lease on ${engine}`, () => it(`was not run: TEST_${engine.toUpperCase()}_URL is not set`, () => {}));
    continue;
  }
  describe(`lease on ${engine}`, () => {
    let store: Store;
    let lease: Lease;
    beforeAll(async () => {
      store = await openStore(storeUrl);
      lease = store.lease(`lease-test-${process.pid}-${Date.now()}`);
    });
    afterAll(async () => store.close());

    it('is taken when free, renewed by its holder with the same token, refused to another while valid', async () => {
      const token = await lease.acquire('a', 60_000);
      expect(token).toBeGreaterThan(0);
      expect(await lease.acquire('a', 60_000)).toBe(token);
      expect(await lease.acquire('b', 60_000)).toBeUndefined();
      expect((await lease.current())?.holder).toBe('a');
      expect(await lease.holds('a', token!)).toBe(true);
      expect(await lease.holds('a', token! + 1)).toBe(false);
      expect(await lease.holds('b', token!)).toBe(false);
    });

    it('released, it goes to the next holder with a larger token; the old token holds nothing', async () => {
      const before = (await lease.current())!;
      await lease.release('b');
      expect((await lease.current())?.holder).toBe(before.holder);
      await lease.release(before.holder);
      const next = await lease.acquire('b', 60_000);
      expect(next).toBe(before.token + 1);
      expect(await lease.holds(before.holder, before.token)).toBe(false);
      expect(await lease.holds('b', next!)).toBe(true);
    });

    it('an expired lease is taken over (token grows) without a release', async () => {
      const held = (await lease.current())!;
      await lease.release(held.holder);
      const short = await lease.acquire('c', 1);
      await new Promise((r) => setTimeout(r, 20));
      expect(await lease.holds('c', short!)).toBe(false);
      const taken = await lease.acquire('d', 60_000);
      expect(taken).toBe(short! + 1);
    });
  });
}
