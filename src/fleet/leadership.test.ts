import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect, afterEach } from 'vitest';
import pino from 'pino';
import { Leadership } from './leadership.ts';
import { openStore, type Store } from '../storage/store.ts';
import type { Lease } from '../storage/lease.ts';
import { StaleLeaderError } from '../storage/fence.ts';
import { Outbox, jobId } from '../delivery/outbox.ts';
import type { StatusEvent, Target } from '../core/model.ts';

const log = pino({ level: 'silent' });
const waitFor = async (check: () => boolean, timeoutMs = 15_000) => {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

const event = (id: string): StatusEvent =>
  ({
    id,
    type: 'component',
    sourceId: 'gen',
    at: new Date().toISOString(),
    component: { id: 'messaging', name: 'Messaging', status: 'major_outage' },
    previous: 'operational',
  }) as unknown as StatusEvent;
const target: Target = { platform: 'console', kind: 'channel', chatId: 'ops' };

const roles = () => {
  const r = { gains: 0, losses: 0, term: undefined as AbortSignal | undefined };
  return {
    r,
    onGain: async (term: AbortSignal) => {
      r.gains++;
      r.term = term;
    },
    onLose: async () => {
      r.losses++;
    },
  };
};

const fencingSuite = (name: string, open: () => Promise<Store>) => {
  describe(`fencing on ${name}`, () => {
    const opened: Store[] = [];
    const holders: Leadership[] = [];
    afterEach(async () => {
      for (const h of holders.splice(0)) await h.stop();
      for (const s of opened.splice(0)) await s.close();
    });

    it('a forced takeover makes the old leader’s outbox commits fail, and the new one’s succeed', async () => {
      const storeA = await open();
      const storeB = await open();
      opened.push(storeA, storeB);
      // A long lease: A's own clock still says "leader" when B takes over, so only the token can refuse A.
      const options = { ttlMs: 60_000, renewMs: 20_000 };
      const a = new Leadership(storeA, log, options);
      const b = new Leadership(storeB, log, options);
      holders.push(a, b);
      const ra = roles();
      const rb = roles();
      await a.run(ra.onGain, ra.onLose);
      await b.run(rb.onGain, rb.onLose);
      expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);
      const tokenA = a.fencingToken()!;
      const outboxA = new Outbox(storeA, a.fence);
      const ev = event(`e-${Date.now()}`);
      const first = await outboxA.record(ev, [{ id: jobId(ev.id, target), target, locale: 'en', origin: 'config', priority: 0 }]);
      expect(first).toHaveLength(1);

      // The takeover: A's lease is expired in the store (as after a stall) and B takes it.
      await storeA.lease('leader').release(a.holder);
      await (b as unknown as { tick(): Promise<void> }).tick();
      await waitFor(() => rb.r.gains === 1);
      const tokenB = b.fencingToken()!;
      expect(tokenB).toBeGreaterThan(tokenA);
      expect(a.isLeader()).toBe(true);

      await expect(a.fence.assert()).rejects.toBeInstanceOf(StaleLeaderError);
      const ev2 = event(`e2-${Date.now()}`);
      await expect(
        outboxA.record(ev2, [{ id: jobId(ev2.id, target), target, locale: 'en', origin: 'config', priority: 0 }]),
      ).rejects.toThrow(`fencing token ${tokenA} is stale`);
      // A's completion of the first job is refused: no delivered marker, the job stays for the new leader.
      outboxA.complete(first[0]!);
      await outboxA.flush();
      expect(await storeA.namespace('delivered').get(first[0]!.id)).toBeUndefined();
      expect(await storeA.namespace('outbox').get(first[0]!.id)).toBeDefined();
      expect(await storeA.namespace('outbox').get(jobId(ev2.id, target))).toBeUndefined();

      const outboxB = new Outbox(storeB, b.fence);
      expect(await outboxB.load()).toBeGreaterThanOrEqual(1);
      const job = outboxB.queueOf(target).find((j) => j.id === first[0]!.id)!;
      outboxB.complete(job);
      await outboxB.flush();
      expect(await storeB.namespace('delivered').get(job.id)).toBe(1);

      // A's next try finds B holding the lease: A steps down, once.
      await (a as unknown as { tick(): Promise<void> }).tick();
      await waitFor(() => ra.r.losses === 1);
      expect(ra.r.term?.aborted).toBe(true);
      expect([ra.r.gains, rb.r.gains, rb.r.losses]).toEqual([1, 1, 0]);
      expect(a.isLeader()).toBe(false);
    }, 60_000);
  });
};

const dir = mkdtempSync(join(tmpdir(), 'sr-fence-'));
fencingSuite('sqlite', () => openStore(`sqlite://${join(dir, 'fence.sqlite')}`));
const redisUrl = process.env.TEST_REDIS_URL;
const postgresUrl = process.env.TEST_POSTGRES_URL;
if (redisUrl) fencingSuite('redis', () => openStore(redisUrl.replace(/\/\d*$/, '') + '/11'));
else describe('fencing on redis', () => it('was not run: TEST_REDIS_URL is not set (.ci/run starts redis-server and sets it)', () => {}));
if (postgresUrl) fencingSuite('postgres', () => openStore(postgresUrl));
else
  describe('fencing on postgres', () => it('was not run: TEST_POSTGRES_URL is not set (.ci/run starts PostgreSQL and sets it)', () => {}));

/** A lease whose store stops answering on demand (a stalled server), and answers again later. */
const stallingLease = () => {
  let stalled = false;
  let waiting: (() => void)[] = [];
  let token = 1;
  const answer = <T>(value: () => T): Promise<T> =>
    stalled ? new Promise<T>((r) => waiting.push(() => r(value()))) : Promise.resolve(value());
  const lease: Lease = {
    acquire: () => answer(() => token),
    release: () => answer(() => undefined),
    current: () => answer(() => undefined),
    holds: () => answer(() => true),
  };
  return {
    lease,
    stall: () => (stalled = true),
    resume: (newToken: number) => {
      stalled = false;
      token = newToken;
      const w = waiting;
      waiting = [];
      for (const f of w) f();
    },
  };
};

describe('leadership by its own clock', () => {
  it('a leader whose store stops answering stops its loops by validUntil, and leads once again after', async () => {
    const s = stallingLease();
    const store = { kind: 'redis', lease: () => s.lease } as unknown as Store;
    const l = new Leadership(store, log, { ttlMs: 600, renewMs: 100 });
    const r = roles();
    await l.run(r.onGain, r.onLose);
    expect(r.r.gains).toBe(1);
    const firstTerm = r.r.term!;
    s.stall();
    const stalledAt = Date.now();
    await waitFor(() => firstTerm.aborted);
    // By our own clock: at most ttl − renew after the last renewal, while the store still says nothing.
    expect(Date.now() - stalledAt).toBeLessThan(2_000);
    await waitFor(() => r.r.losses === 1);
    expect(l.isLeader()).toBe(false);
    await expect(l.fence.assert()).rejects.toBeInstanceOf(StaleLeaderError);
    // A long stall: many ticks time out, none may start a term.
    await new Promise((res) => setTimeout(res, 1_500));
    expect(r.r.gains).toBe(1);
    // The store answers again (every queued answer at once, as a resumed server does).
    s.resume(2);
    await waitFor(() => r.r.gains === 2);
    await new Promise((res) => setTimeout(res, 1_000));
    expect([r.r.gains, r.r.losses, l.terms]).toEqual([2, 1, 2]);
    expect(r.r.term!.aborted).toBe(false);
    await l.stop();
  });
});
