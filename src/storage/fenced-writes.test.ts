import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from './store.ts';
import { StaleLeaderError, type Fence, type FenceTerm } from './fence.ts';
import type { ScratchNamespace } from './namespaces.ts';

/** A fence whose own-clock part always passes, so only the store can refuse; `assert` counts the fallback path. */
const fenceFor = (term: () => FenceTerm) => {
  let asserted = 0;
  const fence: Fence = {
    assert: async () => void asserted++,
    term,
  };
  return { fence, asserted: () => asserted };
};

const suite = (kind: string, open: () => Promise<Store>, atomic: boolean) =>
  describe(`fenced writes on ${kind}`, () => {
    let store: Store;
    const lease = `fence-test-${Date.now().toString(36)}`;
    const ns: ScratchNamespace = `scratch-fenced-${Date.now().toString(36)}`;
    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store.namespace(ns).clear();
      await store.close();
    });

    it(
      atomic
        ? 'are checked against the lease in the same command as the write: a stale term writes and deletes nothing'
        : 'fall back to the fence check before the write',
      async () => {
        const l = store.lease(lease);
        const tokenA = (await l.acquire('A', 60_000))!;
        const a = fenceFor(() => ({ lease, holder: 'A', token: tokenA }));
        const kvA = store.namespace(ns, a.fence);
        await kvA.set('x', 'from A');
        await kvA.setMany([
          ['y', 1],
          ['z', 2],
        ]);
        expect(await store.namespace(ns).get('x')).toBe('from A');
        if (!atomic) {
          expect(a.asserted()).toBe(2);
          return;
        }
        expect(a.asserted()).toBe(0);

        // B takes over: A's own clock still says "leader", only the store can refuse A.
        await l.release('A');
        const tokenB = (await l.acquire('B', 60_000))!;
        expect(tokenB).toBeGreaterThan(tokenA);
        await expect(kvA.set('x', 'late A')).rejects.toBeInstanceOf(StaleLeaderError);
        await expect(kvA.setMany([['y', 9]])).rejects.toThrow(`fencing token ${tokenA} is stale`);
        await expect(kvA.delete('z')).rejects.toBeInstanceOf(StaleLeaderError);
        await expect(kvA.deleteMany(['y', 'z'])).rejects.toBeInstanceOf(StaleLeaderError);
        expect(await store.namespace(ns).getMany(['x', 'y', 'z'])).toEqual(['from A', 1, 2]);

        const kvB = store.namespace(ns, fenceFor(() => ({ lease, holder: 'B', token: tokenB })).fence);
        await kvB.set('x', 'from B');
        expect(await kvB.delete('z')).toBe(true);
        expect(await kvB.delete('z')).toBe(false);
        expect(await store.namespace(ns).getMany(['x', 'z'])).toEqual(['from B', undefined]);

        // B's lease ends in the store (released, as it would expire): its writes are refused too.
        await l.release('B');
        await expect(kvB.set('x', 'lapsed B')).rejects.toBeInstanceOf(StaleLeaderError);
        expect(await store.namespace(ns).get('x')).toBe('from B');
      },
    );
  });

suite('sqlite', () => openStore(`sqlite://${join(mkdtempSync(join(tmpdir(), 'sr-fenced-')), 'store.sqlite')}`), false);
const redisUrl = process.env.TEST_REDIS_URL;
const postgresUrl = process.env.TEST_POSTGRES_URL;
if (redisUrl) suite('redis', () => openStore(redisUrl), true);
else
  describe('fenced writes on redis', () =>
    it('was not run: TEST_REDIS_URL is not set (.ci/run starts redis-server and sets it)', () => {}));
if (postgresUrl) suite('postgres', () => openStore(postgresUrl), true);
else
  describe('fenced writes on postgres', () =>
    it('was not run: TEST_POSTGRES_URL is not set (.ci/run starts PostgreSQL and sets it)', () => {}));
