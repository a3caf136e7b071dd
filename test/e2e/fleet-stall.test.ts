/**
 * A stalled store under a three-instance fleet: the real store server is frozen with SIGSTOP for
 * three lease times, then thawed with SIGCONT. Judged from outside: what the bot processes logged,
 * what reached the chat (their out file) and how often the status page was polled.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect, afterAll, afterEach } from 'vitest';
import { createClient } from '@redis/client';
import pg from 'pg';
import { deliveries, startBotProcess, waitFor, type BotProcess } from '../helpers/child.ts';
import { IN_FLIGHT_WINDOW } from '../../src/delivery/delivery.ts';

const TTL_MS = 2_000;
const PAUSE_MS = 3 * TTL_MS;
const POLL_MS = 1_000;
const SUBSCRIBERS = 200;

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = createNetServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

/** A static Statuspage summary that counts its polls. */
const countingPage = async (): Promise<{ url: string; hits: number[]; server: Server }> => {
  const hits: number[] = [];
  const body = JSON.stringify({
    page: { id: 'p', name: 'Upstream', url: 'http://127.0.0.1/', time_zone: 'Etc/UTC', updated_at: new Date().toISOString() },
    components: [
      { id: 'c1', name: 'API', status: 'operational', group: false, group_id: null, position: 1, updated_at: new Date().toISOString() },
    ],
    incidents: [],
    scheduled_maintenances: [],
    status: { indicator: 'none', description: 'All Systems Operational' },
  });
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/api/v2/summary.json')) hits.push(Date.now());
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`, hits, server };
};

interface StoreServer {
  readonly url: string;
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

const startRedis = async (): Promise<StoreServer> => {
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const url = `redis://127.0.0.1:${port}`;
  await waitFor(async () => {
    const c = createClient({ url });
    c.on('error', () => undefined);
    try {
      await c.connect();
      await c.ping();
      await c.quit();
      return true;
    } catch {
      return false;
    }
  }, 15_000);
  return {
    url,
    pause: () => proc.kill('SIGSTOP'),
    resume: () => proc.kill('SIGCONT'),
    stop: async () => {
      proc.kill('SIGCONT');
      proc.kill('SIGKILL');
    },
  };
};

const PG_BIN = '/usr/lib/postgresql/15/bin';
const asPostgres = (cmd: string, args: string[]): [string, string[]] =>
  process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];

/** A private PostgreSQL cluster (never the shared one): its postmaster and every backend are frozen together. */
const startPostgres = async (): Promise<StoreServer> => {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sr-pg-'));
  if (process.getuid?.() === 0) spawnSync('chown', ['postgres', dir]);
  const [initCmd, initArgs] = asPostgres(`${PG_BIN}/initdb`, ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres']);
  const init = spawnSync(initCmd, initArgs, { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  const [cmd, args] = asPostgres(`${PG_BIN}/postgres`, [
    '-D',
    join(dir, 'data'),
    '-p',
    String(port),
    '-k',
    dir,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=off',
  ]);
  const proc = spawn(cmd, args, { stdio: 'ignore' });
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  await waitFor(async () => {
    const c = new pg.Client({ connectionString: url });
    c.on('error', () => undefined);
    try {
      await c.connect();
      await c.end();
      return true;
    } catch {
      return false;
    }
  }, 30_000);
  const postmaster = Number(readFileSync(join(dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  const cluster = (): number[] => {
    const children = spawnSync('ps', ['-o', 'pid=', '--ppid', String(postmaster)], { encoding: 'utf8' })
      .stdout.split('\n')
      .map(Number)
      .filter((n) => n > 0);
    return [postmaster, ...children];
  };
  const signal = (s: NodeJS.Signals) => {
    for (const pid of cluster()) {
      try {
        process.kill(pid, s);
      } catch {
        // A backend that exited meanwhile.
      }
    }
  };
  return {
    url,
    pause: () => signal('SIGSTOP'),
    resume: () => signal('SIGCONT'),
    stop: async () => {
      signal('SIGCONT');
      process.kill(postmaster, 'SIGQUIT');
      proc.kill('SIGKILL');
    },
  };
};

const readyz = async (port: number): Promise<{ leader: boolean } | undefined> =>
  fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2_000) })
    .then((r) => r.json() as Promise<{ leader: boolean }>)
    .catch(() => undefined);

const leaders = async (fleet: BotProcess[]) => (await Promise.all(fleet.map((f) => readyz(f.port)))).filter((r) => r?.leader).length;

const stallSuite = (name: string, available: boolean, start: () => Promise<StoreServer>) => {
  describe(`a stalled ${name} under a three-instance fleet`, () => {
    if (!available) {
      it(`was not run: no ${name} server binary on this machine`, () => {});
      return;
    }
    const children: ChildProcess[] = [];
    const servers: StoreServer[] = [];
    const pages: Server[] = [];
    afterEach(async () => {
      for (const c of children.splice(0)) c.kill('SIGKILL');
      for (const s of servers.splice(0)) await s.stop();
      for (const p of pages.splice(0)) p.close();
    });
    afterAll(() => undefined);

    it(`SIGSTOP for ${PAUSE_MS / 1000} s (3 lease times), SIGCONT: one hand-over, each announcement once, one poller at the configured rate`, async () => {
      const store = await start();
      servers.push(store);
      const page = await countingPage();
      pages.push(page.server);
      const dir = mkdtempSync(join(tmpdir(), 'sr-stall-'));
      const out = join(dir, 'out.jsonl');
      const env = {
        STORE_URL: store.url,
        OUT_FILE: out,
        SUBSCRIBERS: String(SUBSCRIBERS),
        // Slow enough that the broadcast is still under way when the store freezes.
        RATE: '40',
        LEASE_TTL_MS: String(TTL_MS),
        STATUSPAGE_URL: page.url,
        POLL_INTERVAL: `${POLL_MS}ms`,
        CHILD_LOG: 'info',
      };
      const fleet: BotProcess[] = [];
      for (let i = 0; i < 3; i++) fleet.push(await startBotProcess(env));
      children.push(...fleet.map((f) => f.child));
      const count = (msg: string) =>
        fleet.reduce(
          (n, f) =>
            n +
            f
              .stdout()
              .split('\n')
              .filter((l) => l.includes(`"msg":"${msg}"`)).length,
          0,
        );
      await waitFor(async () => (await leaders(fleet)) === 1, 30_000);
      const gainsBefore = count('became the leader');

      const states = await Promise.all(fleet.map((f) => readyz(f.port)));
      const follower = fleet[states.findIndex((r) => !r?.leader)]!;
      const res = await fetch(`http://127.0.0.1:${follower.port}/webhooks/gen`, {
        method: 'POST',
        body: JSON.stringify({ incident: { id: 's1', name: 'Stalled store', status: 'investigating', impact: 'major', message: 'x' } }),
      });
      expect(res.status).toBe(202);
      const recipients = SUBSCRIBERS + 2;
      await waitFor(() => deliveries(out).length >= 40, 60_000);

      store.pause();
      await new Promise((r) => setTimeout(r, PAUSE_MS));
      store.resume();
      const resumedAt = Date.now();

      await waitFor(() => new Set(deliveries(out).map((l) => `${l.chat}|${l.title}`)).size >= recipients, 120_000);
      // Recovered: one leader, stable, then the page's poll rate over a window.
      await waitFor(async () => (await leaders(fleet)) === 1, 30_000);
      await new Promise((r) => setTimeout(r, 3 * TTL_MS));
      expect(await leaders(fleet)).toBe(1);
      const windowMs = 8_000;
      const from = Date.now();
      await new Promise((r) => setTimeout(r, windowMs));
      const polls = page.hits.filter((t) => t >= from && t < from + windowMs).length;

      const got = deliveries(out);
      const counts = new Map<string, number>();
      for (const l of got) counts.set(`${l.chat}|${l.title}`, (counts.get(`${l.chat}|${l.title}`) ?? 0) + 1);
      const duplicates = got.length - counts.size;
      const worst = Math.max(...counts.values());
      const gains = count('became the leader');
      console.log(
        `[stall ${name}] "became the leader" ${gainsBefore} before, ${gains} in all; ${got.length} sends to ${counts.size} (target, message) pairs, ${duplicates} duplicates, worst ${worst}×; ${polls} polls in ${windowMs} ms (every ${POLL_MS} ms configured); recovered ${Date.now() - resumedAt} ms after SIGCONT`,
      );
      for (const [i, f] of fleet.entries())
        for (const l of f
          .stdout()
          .split('\n')
          .filter((x) => /"msg":"(became the leader|lost leadership)"/.test(x))) {
          const j = JSON.parse(l) as { time: number; msg: string; reason?: string; token?: number };
          console.log(
            `[stall ${name}] +${j.time - resumedAt} ms instance ${i}: ${j.msg}${j.token ? ` (token ${j.token})` : ''}${j.reason ? ` — ${j.reason}` : ''}`,
          );
        }
      expect(gainsBefore).toBe(1);
      // The first election plus at most one hand-over for the one stall.
      expect(gains).toBeLessThanOrEqual(2);
      expect(counts.size).toBe(recipients);
      expect(duplicates).toBeLessThanOrEqual(IN_FLIGHT_WINDOW);
      expect(worst).toBeLessThanOrEqual(2);
      // One leader polling every second: about 8 polls in 8 s (two pollers would make 16).
      expect(polls).toBeGreaterThanOrEqual(windowMs / POLL_MS - 3);
      expect(polls).toBeLessThanOrEqual(windowMs / POLL_MS + 2);
    }, 240_000);
  });
};

const has = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
stallSuite('redis-server', has('redis-server'), startRedis);
stallSuite('PostgreSQL cluster', existsSync(`${PG_BIN}/initdb`), startPostgres);
