import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Store } from './store.ts';
import type { ScratchNamespace } from './namespaces.ts';

/** One suite for every backend: the same behaviour on SQLite, Redis and PostgreSQL. */
export const storeContract = (name: string, open: () => Promise<Store>): void => {
  describe(`store contract: ${name}`, () => {
    let store: Store;
    const ns: ScratchNamespace = `scratch-t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store.namespace(ns).clear();
      await store.namespace(`${ns}b`).clear();
      await store.close();
    });

    it('answers ping', async () => {
      expect(await store.ping()).toBe(true);
    });

    it('round-trips nested JSON values and deletes them', async () => {
      const kv = store.namespace(ns);
      const value = { a: 1, b: ['x', { c: null }], s: '消息 & <b>', t: true };
      await kv.set('k1', value);
      expect(await kv.get('k1')).toEqual(value);
      expect(await kv.delete('k1')).toBe(true);
      expect(await kv.get('k1')).toBeUndefined();
      expect(await kv.delete('k1')).toBe(false);
    });

    it('keeps namespaces apart and lists only its own entries', async () => {
      const a = store.namespace(ns);
      const b = store.namespace(`${ns}b`);
      await a.set('one', 1);
      await a.set('two', 2);
      await b.set('one', 'b1');
      const seen: Record<string, unknown> = {};
      for await (const [k, v] of a.entries()) seen[k] = v;
      expect(seen).toEqual({ one: 1, two: 2 });
      expect(await b.get('one')).toBe('b1');
      expect(await a.getMany(['one', 'missing', 'two'])).toEqual([1, undefined, 2]);
    });

    it('lists more entries than one page of the backend', async () => {
      const kv = store.namespace(`${ns}b`);
      await kv.clear();
      await Promise.all(Array.from({ length: 120 }, (_, i) => kv.set(`key:${i}`, { i })));
      const keys = new Set<string>();
      for await (const [k] of kv.entries()) keys.add(k);
      expect(keys.size).toBe(120);
      expect(keys.has('key:119')).toBe(true);
    });

    it('writes and deletes many entries at once, and lists them in pages', async () => {
      const kv = store.namespace(`${ns}b`);
      await kv.clear();
      const entries = Array.from(
        { length: 1234 },
        (_, i) => [`m:${String(i).padStart(5, '0')}`, { i, text: '消息 "quoted" \\ ok' }] as const,
      );
      await kv.setMany(entries);
      await kv.setMany([['m:00000', { i: -1, text: 'overwritten' }]]);
      expect(await kv.get('m:00000')).toEqual({ i: -1, text: 'overwritten' });
      expect(await kv.get('m:01233')).toEqual({ i: 1233, text: '消息 "quoted" \\ ok' });
      let n = 0;
      for await (const [k, v] of kv.entries<{ i: number }>()) {
        expect(k.startsWith('m:')).toBe(true);
        expect(typeof v.i).toBe('number');
        n++;
      }
      expect(n).toBe(1234);
      await kv.deleteMany(entries.slice(0, 1000).map(([k]) => k));
      n = 0;
      for await (const _ of kv.entries()) n++;
      expect(n).toBe(234);
      // A namespace whose name is a prefix of another does not see the other's keys.
      expect(await store.namespace(ns).get('m:01233')).toBeUndefined();
    });

    it('expires entries after their TTL', async () => {
      const kv = store.namespace(ns);
      await kv.set('short', 'x', 50);
      await new Promise((r) => setTimeout(r, 120));
      expect(await kv.get('short')).toBeUndefined();
    });

    it('grants a lease to one holder at a time, with a fencing token that grows on each change of holder', async () => {
      const lease = store.lease(`${ns}-leader`);
      const a = await lease.acquire('host:1:a', 400);
      expect(a).toBeGreaterThan(0);
      expect(await lease.acquire('host:2:b', 400)).toBeUndefined();
      expect(await lease.acquire('host:1:a', 400)).toBe(a);
      expect(await lease.current()).toMatchObject({ holder: 'host:1:a', token: a });
      await new Promise((r) => setTimeout(r, 500));
      const b = await lease.acquire('host:2:b', 400);
      expect(b).toBe(a! + 1);
      await lease.release('host:1:a');
      expect((await lease.current())?.holder).toBe('host:2:b');
      await lease.release('host:2:b');
      const c = await lease.acquire('host:1:a', 400);
      expect(c).toBeGreaterThan(b!);
      await lease.release('host:1:a');
    });

    it('grants a contended lease to exactly one of many at once', async () => {
      const lease = store.lease(`${ns}-race`);
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => lease.acquire(`h:${i}`, 5000)));
      expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    });

    it('survives a reopen: what was written is still there', async () => {
      const kv = store.namespace(ns);
      await kv.set('durable', { n: 42 });
      await store.close();
      store = await open();
      expect(await store.namespace(ns).get('durable')).toEqual({ n: 42 });
    });
  });
};
