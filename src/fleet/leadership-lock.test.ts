import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../storage/store.ts';
import { Leadership } from './leadership.ts';
import { judgeHolder, newHolderId, parseHolder, processStartTicks } from './holder.ts';
import { ConfigError } from '../core/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'sr-lead-'));
const timing = { ttlMs: 1500, renewMs: 300 };
let n = 0;

const capture = () => {
  const lines: string[] = [];
  return { lines, log: pino({ level: 'info' }, { write: (s: string) => void lines.push(s) }) };
};

describe('claimExclusive on SQLite', () => {
  const open: Store[] = [];
  const leaders: Leadership[] = [];
  const children: ChildProcess[] = [];
  const fresh = async () => {
    const store = await openStore(`sqlite://${join(dir, `lock-${n++}.sqlite`)}`);
    open.push(store);
    return store;
  };
  const claim = async (store: Store) => {
    const { lines, log } = capture();
    const l = new Leadership(store, log, timing);
    leaders.push(l);
    await l.claimExclusive();
    return { l, lines };
  };
  /** A live process that is not a Status Relay: its pid stands for one the kernel handed out again. */
  const liveStranger = async (): Promise<number> => {
    const c = spawn('sleep', ['60'], { stdio: 'ignore' });
    children.push(c);
    await new Promise((r) => c.once('spawn', r));
    return c.pid!;
  };
  afterEach(async () => {
    for (const l of leaders.splice(0)) await l.stop();
    for (const c of children.splice(0)) c.kill('SIGKILL');
  });
  afterAll(async () => {
    for (const s of open) await s.close();
  });

  it('takes over at once a lock whose holder has our own pid (the previous incarnation, as PID 1 in a container)', async () => {
    const store = await fresh();
    // Written by a process with our pid that started at another time, and renewed a moment ago.
    await store.lease('leader').acquire(`${hostname()}:${process.pid}:s0000.1:dead01`, 60_000);
    const started = Date.now();
    const { l, lines } = await claim(store);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(l.isLeader()).toBe(true);
    expect(lines.join('')).toMatch(/took over a stale instance lock/);
    expect((await store.lease('leader').current())?.holder).toBe(l.holder);
  });

  it('takes over a lock whose pid now belongs to another live process (PID reuse): the start time differs', async () => {
    const store = await fresh();
    const pid = await liveStranger();
    await store.lease('leader').acquire(`${hostname()}:${pid}:s0000.1:dead02`, 60_000);
    const { l, lines } = await claim(store);
    expect(l.isLeader()).toBe(true);
    expect(lines.join('')).toMatch(/stale instance lock/);
  });

  it('takes over a lock in the format written before the start marker, when its pid is ours', async () => {
    const store = await fresh();
    await store.lease('leader').acquire(`${hostname()}:${process.pid}:old001`, 60_000);
    const { l } = await claim(store);
    expect(l.isLeader()).toBe(true);
  });

  it('still refuses a live holder on this host, with the clear message', async () => {
    const store = await fresh();
    const pid = await liveStranger();
    const boot = parseHolder(newHolderId())!.start!.split('.')[0]!;
    await store.lease('leader').acquire(`${hostname()}:${pid}:${boot}.${processStartTicks(pid)}:live01`, 60_000);
    const l = new Leadership(store, capture().log, timing);
    const err = await l.claimExclusive().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/is in use by another Status Relay instance \(.*live01\): run one instance per SQLite file/);
  });

  it('still refuses a second instance in this process', async () => {
    const store = await fresh();
    await claim(store);
    const second = new Leadership(store, capture().log, timing);
    await expect(second.claimExclusive()).rejects.toThrow(/in use by another Status Relay instance/);
  });

  it('takes over an expired lease at once, with a log line', async () => {
    const store = await fresh();
    await store.lease('leader').acquire('elsewhere:77:s1.2:exp001', 50);
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    const { l, lines } = await claim(store);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(l.isLeader()).toBe(true);
    expect(lines.join('')).toMatch(/took over an expired instance lock/);
  });

  it('a lock from another host that is not renewed is taken once it lapses; one that is renewed is refused', async () => {
    const store = await fresh();
    await store.lease('leader').acquire('elsewhere:77:s1.2:gone01', 800);
    const { l, lines } = await claim(store);
    expect(l.isLeader()).toBe(true);
    expect(lines.join('')).toMatch(/stopped renewing/);
    await l.stop();

    const other = await fresh();
    const lease = other.lease('leader');
    await lease.acquire('elsewhere:78:s1.2:live02', 800);
    const renew = setInterval(() => void lease.acquire('elsewhere:78:s1.2:live02', 800), 200);
    try {
      await expect(new Leadership(other, capture().log, timing).claimExclusive()).rejects.toThrow(
        /in use by another Status Relay instance \(elsewhere:78/,
      );
    } finally {
      clearInterval(renew);
    }
  });
});

describe('holder identity', () => {
  it('is host, pid, start marker and a random suffix', () => {
    const h = parseHolder(newHolderId());
    expect(h).toMatchObject({ host: hostname(), pid: process.pid });
    expect(h?.start).toMatch(/^[st]/);
  });
  it('judges ours alive only for this very process', () => {
    expect(judgeHolder(`${hostname()}:${process.pid}:s0.0:x`)).toBe('gone');
    expect(judgeHolder('other-host:1:s0.0:x')).toBe('unknown');
    expect(judgeHolder('garbage')).toBe('unknown');
  });
});
