import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sqlite3 from 'sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/child.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import type { AdapterState, ChatAdapter, PostedRef, SendOptions } from '../../src/adapters/adapter.ts';
import type { Target } from '../../src/core/model.ts';
import type { MessageModel } from '../../src/i18n/message.ts';
import type { NamespaceName } from '../../src/storage/namespaces.ts';

const TIMEOUT_MS = 1000;
const yaml = `
service: { name: Chatter, locales: [en] }
sources: [{ id: gen, type: webhook, format: generic, insecure: true }]
announce:
  - { platform: console, channel: "#ops", locale: en }
`;

/** A platform that can be held away, so jobs are recorded before the fault and delivered during it. */
const recordingPlatform = () => {
  const sent: { chat: string; reply: boolean }[] = [];
  let state: AdapterState = 'down';
  let n = 0;
  const adapter: ChatAdapter = {
    platform: 'console',
    start: async () => undefined,
    stop: async () => undefined,
    state: () => state,
    async send(target: Target, _m: MessageModel, o?: SendOptions): Promise<PostedRef> {
      sent.push({ chat: target.chatId, reply: Boolean(o?.replyTo) });
      return { platform: 'console', chatId: target.chatId, messageId: `m${++n}` };
    },
  };
  return { adapter, sent, setState: (s: AdapterState) => void (state = s) };
};

const incident = (id: string) => ({
  incident: { id, name: `Outage ${id}`, status: 'investigating', impact: 'major', message: 'Looking.' },
});

const countRows = async (t: TestApp, ns: NamespaceName): Promise<number> => {
  let n = 0;
  for await (const _ of t.app.store.namespace(ns).entries()) void n++;
  return n;
};

/**
 * One story for every write fault: a job recorded before it is delivered while writes fail, so the
 * completion flush fails and must retry; a webhook meanwhile gets 503; after the fault all recovers.
 */
const survivesWriteFault = async (storeUrl: string, fault: { start(): Promise<void>; end(): Promise<void> }) => {
  const platform = recordingPlatform();
  const t = await startTestApp(
    yaml,
    { STORE_URL: storeUrl },
    { adapters: [platform.adapter], storeTimeoutMs: TIMEOUT_MS, limits: { console: { globalPerSecond: 1000, perChatIntervalMs: 0 } } },
  );
  try {
    const post = (body: unknown) =>
      fetch(`${t.baseUrl}/webhooks/gen`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    expect((await post(incident('a'))).status).toBe(202);
    // 202 means recorded in the ingest queue; fan-out into the outbox follows.
    expect(await t.app.processed()).toBe(true);
    expect(await countRows(t, 'outbox')).toBe(1);

    await fault.start();
    platform.setState('connected');
    t.app.delivery.poke();
    await waitFor(() => platform.sent.length === 1);
    // The delivered marker cannot be written: it stays owed (retried), and the process lives on.
    await new Promise((r) => setTimeout(r, TIMEOUT_MS * 3));
    expect(t.app.outbox.unflushed()).toBe(1);
    const refused = await post(incident('b'));
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);

    await fault.end();
    await waitFor(async () => t.app.outbox.unflushed() === 0 && (await countRows(t, 'outbox')) === 0, 30_000);
    expect(await countRows(t, 'delivered')).toBe(1);
    // And new work goes through again.
    await waitFor(async () => (await post(incident('b'))).status === 202, 30_000);
    await waitFor(() => platform.sent.length === 2, 30_000);
    expect(platform.sent).toEqual([
      { chat: '#ops', reply: false },
      { chat: '#ops', reply: false },
    ]);
  } finally {
    await fault.end().catch(() => undefined);
    await t.stop();
  }
};

const mountPoint = mkdtempSync(join(tmpdir(), 'sr-tmpfs-'));
const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountPoint]).status === 0;

describe('SQLite on a full disk (a real 2 MB tmpfs)', () => {
  if (!mounted) {
    it('was not run: mounting a tmpfs is not permitted here (needs root)', () => {});
    return;
  }
  afterAll(() => {
    spawnSync('umount', [mountPoint]);
  });

  it('survives writes failing with SQLITE_FULL: no crash, flushes retry, recovery once space is freed', async () => {
    const filler = join(mountPoint, 'filler');
    await survivesWriteFault(`sqlite://${join(mountPoint, 'store.sqlite')}`, {
      async start() {
        const fd = openSync(filler, 'w');
        const chunk = Buffer.alloc(16 * 1024, 1);
        try {
          for (;;) writeSync(fd, chunk);
        } catch (e) {
          expect((e as NodeJS.ErrnoException).code).toBe('ENOSPC');
        } finally {
          closeSync(fd);
        }
      },
      async end() {
        rmSync(filler, { force: true });
      },
    });
  }, 120_000);
});

describe('SQLite with another connection holding the write lock (SQLITE_BUSY)', () => {
  let holder: sqlite3.Database | undefined;
  const run = (db: sqlite3.Database, sql: string) =>
    new Promise<void>((resolve, reject) => db.run(sql, (e) => (e ? reject(e) : resolve())));
  afterEach(async () => {
    if (holder) await new Promise((r) => holder!.close(r));
    holder = undefined;
  });

  it('survives writes failing as busy: no crash, flushes retry, recovery once the lock is released', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sr-busy-')), 'store.sqlite');
    await survivesWriteFault(`sqlite://${file}`, {
      async start() {
        holder = new sqlite3.Database(file);
        await run(holder, 'BEGIN IMMEDIATE');
      },
      async end() {
        if (holder) await run(holder, 'ROLLBACK').catch(() => undefined);
      },
    });
  }, 120_000);
});

describe('SQLite write-ahead log', () => {
  it('stays small under a steady stream of writes, so a backlog cannot fill a small disk with WAL before a checkpoint', async () => {
    const { openStore } = await import('../../src/storage/store.ts');
    const { statSync } = await import('node:fs');
    const file = join(mkdtempSync(join(tmpdir(), 'sr-wal-')), 'store.sqlite');
    const store = await openStore(`sqlite://${file}`);
    try {
      const kv = store.namespace('outbox');
      let largestWal = 0;
      for (let i = 0; i < 400; i++) {
        await kv.set(`job-${i}`, { payload: 'x'.repeat(4000), i });
        largestWal = Math.max(largestWal, statSync(`${file}-wal`).size);
      }
      // 400 rows of 4 kB: 1.6 MB written; SQLite's default would let the WAL reach 4 MB first.
      expect(statSync(file).size).toBeGreaterThan(1_000_000);
      expect(largestWal).toBeLessThan(600 * 1024);
    } finally {
      await store.close();
    }
  });
});
