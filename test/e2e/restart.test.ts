import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect, afterEach } from 'vitest';
import { deliveries, exited, startBotProcess, waitFor } from '../helpers/child.ts';
import { openStore } from '../../src/storage/store.ts';

const incident = (id: string) => ({
  incident: { id, name: 'Messages delayed', status: 'investigating', impact: 'major', message: 'Looking into it.' },
});
const push = (port: number, body: unknown) =>
  fetch(`http://127.0.0.1:${port}/webhooks/gen`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  }).catch(() => undefined);

describe('restart right after a crash (SIGKILL, then a restart policy starts it again at once)', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
  });

  /** A bot that records one incident's jobs and dies with SIGKILL on its first send. */
  const crashWithPending = async (env: Record<string, string>, id: string) => {
    const first = await startBotProcess({ ...env, CRASH_ON_SEND: '1' });
    children.push(first.child);
    await push(first.port, incident(id));
    expect(await exited(first.child)).toBe('SIGKILL');
  };

  it("starts at once over the dead process's lock, says so, delivers what was pending, and still refuses a live second instance", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sr-restart-'));
    const env = { STORE_URL: `sqlite://${join(dir, 'store.sqlite')}`, OUT_FILE: join(dir, 'out.jsonl'), CHILD_LOG: 'info' };
    await crashWithPending(env, 'r-1');
    expect(deliveries(env.OUT_FILE)).toEqual([]);

    const second = await startBotProcess(env);
    children.push(second.child);
    // Stale (the pid is dead), or, on a machine slow enough that the lease ran out first, expired.
    expect(second.output()).toMatch(/took over (a stale|an expired) instance lock/);
    await waitFor(() => deliveries(env.OUT_FILE).length >= 2);
    expect(
      deliveries(env.OUT_FILE)
        .map((l) => l.chat)
        .sort(),
    ).toEqual(['#en', '#zh']);

    const refused = await startBotProcess(env).then(
      (p) => (children.push(p.child), 'started'),
      (e: Error) => e.message,
    );
    expect(refused).toMatch(/child exited \(1\)/);
    expect(refused).toMatch(/STORE_URL: .* is in use by another Status Relay instance \(.*:\d+:.*\): run one instance per SQLite file/);
  }, 60_000);

  it("starts when the dead holder's pid now belongs to another live process (PID reuse, as PID 1 in containers)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sr-reuse-'));
    const env = { STORE_URL: `sqlite://${join(dir, 'store.sqlite')}`, OUT_FILE: join(dir, 'out.jsonl'), CHILD_LOG: 'info' };
    await crashWithPending(env, 'r-2');
    // Rewrite the dead holder as the kernel would have it after handing its pid out again: this
    // test runner is alive under that pid, and it started at another time than the holder did.
    const store = await openStore(env.STORE_URL);
    const lease = store.lease('leader');
    const dead = await lease.current();
    expect(dead).toBeDefined();
    await lease.release(dead!.holder);
    expect(await lease.acquire(`${hostname()}:${process.pid}:s0000.1:reused`, 60_000)).toBeDefined();
    await store.close();

    const second = await startBotProcess(env);
    children.push(second.child);
    expect(second.output()).toMatch(/took over a stale instance lock/);
    await waitFor(() => deliveries(env.OUT_FILE).length >= 2);
    expect(deliveries(env.OUT_FILE).every((l) => l.pid === second.child.pid)).toBe(true);
  }, 60_000);
});
