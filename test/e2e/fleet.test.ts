import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect, afterEach } from 'vitest';
import { createClient } from '@redis/client';
import pg from 'pg';
import { startTestApp } from '../helpers/app.ts';
import { deliveries, startBotProcess, waitFor } from '../helpers/child.ts';
import { IN_FLIGHT_WINDOW } from '../../src/delivery/delivery.ts';

const readyz = async (port: number): Promise<{ leader: boolean } | undefined> =>
  fetch(`http://127.0.0.1:${port}/readyz`)
    .then((r) => r.json() as Promise<{ leader: boolean }>)
    .catch(() => undefined);

const post = (port: number, body: unknown) =>
  fetch(`http://127.0.0.1:${port}/webhooks/gen`, { method: 'POST', body: JSON.stringify(body) });

const fleetSuite = (name: string, baseUrl: string | undefined, fresh: (url: string, slot: number) => Promise<string>) => {
  describe(`fleet on ${name}`, () => {
    if (!baseUrl) {
      it(`was not run: TEST_${name.toUpperCase()}_URL is not set (.ci/run starts ${name} and sets it)`, () => {});
      return;
    }
    const children: ChildProcess[] = [];
    afterEach(() => {
      for (const c of children.splice(0)) c.kill('SIGKILL');
    });

    it('three instances, one incident lifecycle: each target gets each announcement exactly once', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sr-fleet-'));
      const env = {
        STORE_URL: await fresh(baseUrl, 1),
        OUT_FILE: join(dir, 'out.jsonl'),
        SUBSCRIBERS: '50',
        RATE: '500',
        LEASE_TTL_MS: '3000',
      };
      const fleet = await Promise.all([startBotProcess(env), startBotProcess(env), startBotProcess(env)]);
      children.push(...fleet.map((f) => f.child));
      await waitFor(async () => (await Promise.all(fleet.map((f) => readyz(f.port)))).filter((r) => r?.leader).length === 1, 30_000);
      // Each step arrives at a different instance (a load balancer in front of the fleet).
      for (const [i, status] of ['investigating', 'identified', 'resolved'].entries()) {
        expect(
          (await post(fleet[i]!.port, { incident: { id: 'f1', name: 'Fleet outage', status, impact: 'major', message: status } })).status,
        ).toBe(202);
        // 50 subscribers and 2 channels (#en, #zh) per step.
        await waitFor(() => deliveries(env.OUT_FILE).length >= 52 * (i + 1), 30_000);
      }
      await new Promise((r) => setTimeout(r, 500));
      const got = deliveries(env.OUT_FILE);
      const counts = new Map<string, number>();
      for (const l of got) counts.set(`${l.chat}|${l.title}`, (counts.get(`${l.chat}|${l.title}`) ?? 0) + 1);
      expect(counts.size).toBe(52 * 3);
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
      expect(new Set(got.map((l) => l.pid)).size).toBe(1);
    }, 90_000);

    it('the leader killed with SIGKILL mid-broadcast: another finishes within 15 s, nothing lost', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sr-failover-'));
      const env = { STORE_URL: await fresh(baseUrl, 2), OUT_FILE: join(dir, 'out.jsonl'), SUBSCRIBERS: '1000', RATE: '150' };
      const fleet = await Promise.all([startBotProcess(env), startBotProcess(env), startBotProcess(env)]);
      children.push(...fleet.map((f) => f.child));
      await waitFor(async () => (await Promise.all(fleet.map((f) => readyz(f.port)))).some((r) => r?.leader), 30_000);
      const states = await Promise.all(fleet.map((f) => readyz(f.port)));
      const leader = fleet[states.findIndex((r) => r?.leader)]!;
      const others = fleet.filter((f) => f !== leader);
      expect(
        (
          await post(others[0]!.port, {
            incident: { id: 'f2', name: 'Big outage', status: 'investigating', impact: 'major', message: 'x' },
          })
        ).status,
      ).toBe(202);
      await waitFor(() => deliveries(env.OUT_FILE).length >= 200, 30_000);
      leader.child.kill('SIGKILL');
      const killedAt = Date.now();
      const deliveredAtKill = deliveries(env.OUT_FILE).length;
      const takeover = await waitFor(() => deliveries(env.OUT_FILE).some((l) => l.pid !== leader.child.pid), 20_000);
      expect(takeover).toBeLessThan(15_000);
      await waitFor(
        () =>
          new Set(
            deliveries(env.OUT_FILE)
              .filter((l) => l.chat.startsWith('user-'))
              .map((l) => l.chat),
          ).size >= 1000,
        60_000,
      );
      const got = deliveries(env.OUT_FILE).filter((l) => l.chat.startsWith('user-'));
      const distinct = new Set(got.map((l) => l.chat));
      expect(distinct.size).toBe(1000);
      expect(got.length - distinct.size).toBeLessThanOrEqual(IN_FLIGHT_WINDOW);
      console.log(
        `[fleet ${name}] failover: first send by the new leader ${takeover} ms after SIGKILL (killed at ${new Date(killedAt).toISOString()}); ${deliveredAtKill} sent before; ${got.length - distinct.size} duplicates`,
      );
    }, 120_000);
  });
};

fleetSuite('redis', process.env.TEST_REDIS_URL, async (url, slot) => {
  const target = `${url.replace(/\/\d*$/, '')}/${slot + 4}`;
  const client = createClient({ url: target });
  await client.connect();
  await client.flushDb();
  await client.quit();
  return target;
});

fleetSuite('postgres', process.env.TEST_POSTGRES_URL, async (url, slot) => {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const db = `status_relay_fleet_${slot}`;
  await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${db}`);
  await admin.end();
  return url.replace(/\/[^/]*$/, `/${db}`);
});

describe('SQLite stays single-instance', () => {
  it('refuses a second instance on the same file with a clear message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sr-single-'));
    const env = { STORE_URL: `sqlite://${join(dir, 'one.sqlite')}` };
    const yaml = 'service: { name: Chatter }\nannounce: [{ platform: console, channel: ops }]';
    const first = await startTestApp(yaml, env);
    await expect(startTestApp(yaml, env)).rejects.toThrow(
      /^STORE_URL: sqlite:\/\/.*one\.sqlite is in use by another Status Relay instance \(.+\): run one instance per SQLite file, or use Redis or PostgreSQL/,
    );
    await first.stop();
    // Once the first stopped (and handed the lease back), a new one starts.
    const again = await startTestApp(yaml, env);
    await again.stop();
  });
});
