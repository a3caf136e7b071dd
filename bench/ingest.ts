/**
 * `npm run bench` (third part): ingest.
 * 1. Webhook → 202 with 100,000 subscriptions on SQLite: one push whose fan-out reaches all 100,000,
 *    then BENCH_INGEST_PUSHES − 1 pushes while that fan-out and delivery run (changes of components
 *    no one follows: the leader still walks every subscription for each). p50 / p99 of the sender's wait.
 * 2. Inbox drain with 50,000 other keys in the store: BENCH_DRAIN_ITEMS items drained, engine round
 *    trips counted, on SQLite and (with TEST_REDIS_URL / TEST_POSTGRES_URL) Redis and PostgreSQL.
 * Writes bench/results/ingest.json and prints Markdown rows for bench/README.md.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp } from '../test/helpers/app.ts';
import { openStore, type Engine } from '../src/storage/store.ts';
import { drain, openQueue } from '../src/storage/queue.ts';
import type { ChatAdapter } from '../src/adapters/adapter.ts';
import type { ScratchNamespace } from '../src/storage/namespaces.ts';
import { writeResult } from './results.ts';

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 100_000);
const PUSHES = Number(process.env.BENCH_INGEST_PUSHES ?? 100);
const OTHER_KEYS = 50_000;
const DRAIN_ITEMS = Number(process.env.BENCH_DRAIN_ITEMS ?? 1_000);

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))]! : NaN;
};
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

const silent: ChatAdapter = {
  platform: 'console',
  start: async () => undefined,
  stop: async () => undefined,
  state: () => 'connected',
  send: async (target) => ({ platform: 'console', chatId: target.chatId, messageId: '1' }),
};

const webhookLatency = async () => {
  const yaml = `
service: { name: Chatter, locales: [en] }
components: [{ id: messaging, name: Messaging }]
sources: [{ id: gen, type: webhook, format: generic, insecure: true }]
`;
  const t = await startTestApp(yaml, {}, { adapters: [silent], limits: { console: { globalPerSecond: 1_000_000, perChatIntervalMs: 0 } } });
  const subs = t.app.store.namespace('subscriptions');
  const now = new Date().toISOString();
  for (let i = 0; i < SUBSCRIBERS; i += 10_000)
    await subs.setMany(
      Array.from(
        { length: Math.min(10_000, SUBSCRIBERS - i) },
        (_, j) => [`console:u${i + j}`, { platform: 'console', userId: `u${i + j}`, components: ['messaging'], createdAt: now }] as const,
      ),
    );
  const post = async (body: unknown): Promise<number> => {
    const start = performance.now();
    const res = await fetch(`${t.baseUrl}/webhooks/gen`, { method: 'POST', body: JSON.stringify(body) });
    await res.arrayBuffer();
    if (res.status !== 202) throw new Error(`webhook ${res.status}`);
    return performance.now() - start;
  };
  await post({ components: [{ name: 'Warm-up', status: 'operational' }] });
  await t.app.processed(120_000);
  const broadcast = await post({ components: [{ name: 'Messaging', status: 'major_outage' }] });
  const waits: number[] = [broadcast];
  for (let i = 0; i < PUSHES - 1; i++)
    waits.push(await post({ components: [{ name: `Unwatched ${i % 5}`, status: i % 2 ? 'operational' : 'degraded_performance' }] }));
  const sentAtLastPush = t.app.delivery.stats.sent.console ?? 0;
  await t.stop();
  return {
    subscriptions: SUBSCRIBERS,
    pushes: PUSHES,
    p50Ms: round(quantile(waits, 0.5)),
    p99Ms: round(quantile(waits, 0.99)),
    maxMs: round(Math.max(...waits)),
    sentWhenLastAccepted: sentAtLastPush,
  };
};

const counted = (engine: Engine): { engine: Engine; calls: () => number } => {
  let calls = 0;
  if (engine.kind === 'redis')
    return {
      engine: {
        kind: 'redis',
        client: async () => {
          const c = await engine.client();
          return { eval: (script, options) => (calls++, c.eval(script, options)), get: (k) => c.get(k), pTTL: (k) => c.pTTL(k) };
        },
      },
      calls: () => calls,
    };
  return { engine: { kind: engine.kind, query: (sql, params) => (calls++, engine.query(sql, params)) }, calls: () => calls };
};

const inboxDrain = async (name: string, url: string) => {
  const store = await openStore(url);
  const ns: ScratchNamespace = `scratch-bench-${Date.now().toString(36)}`;
  const other = store.namespace(ns);
  for (let i = 0; i < OTHER_KEYS; i += 5_000)
    await other.setMany(Array.from({ length: 5_000 }, (_, j) => [`k${i + j}`, { i: i + j }] as const));
  const qname = `bench-${Date.now().toString(36)}`;
  const q = openQueue<{ n: number }>(store.engine(), qname, { limit: DRAIN_ITEMS + 1 });
  for (let n = 0; n < DRAIN_ITEMS; n++) await q.append({ n });
  const c = counted(store.engine());
  const start = performance.now();
  const result = await drain(openQueue<{ n: number }>(c.engine, qname), 'bench', async () => undefined);
  const ms = performance.now() - start;
  // An empty drain, as the leader runs every 200 ms: what it costs with 50,000 keys around.
  const idle = counted(store.engine());
  const idleStart = performance.now();
  await drain(openQueue<{ n: number }>(idle.engine, qname), 'bench', async () => undefined);
  const idleMs = performance.now() - idleStart;
  await other.clear();
  await q.clear();
  await store.close();
  return {
    store: name,
    otherKeys: OTHER_KEYS,
    items: result.done,
    ms: round(ms),
    roundTrips: c.calls(),
    emptyDrainMs: round(idleMs, 2),
    emptyDrainRoundTrips: idle.calls(),
  };
};

const dir = mkdtempSync(join(tmpdir(), 'sr-bench-ingest-'));
const webhook = await webhookLatency();
const drains = [await inboxDrain('sqlite', `sqlite://${join(dir, 'drain.sqlite')}`)];
if (process.env.TEST_REDIS_URL) drains.push(await inboxDrain('redis', process.env.TEST_REDIS_URL));
if (process.env.TEST_POSTGRES_URL) drains.push(await inboxDrain('postgres', process.env.TEST_POSTGRES_URL));
const result = { at: new Date().toISOString(), node: process.version, webhook, drains };
writeResult('ingest', result);
console.log(`| subscriptions | pushes | webhook → 202 p50 / p99 (max) | sent when the last push was accepted |\n|---|---|---|---|`);
console.log(
  `| ${webhook.subscriptions} | ${webhook.pushes} | ${webhook.p50Ms} / ${webhook.p99Ms} ms (${webhook.maxMs} ms) | ${webhook.sentWhenLastAccepted} |\n`,
);
console.log(`| store | other keys | items | drain | round trips | empty drain |\n|---|---|---|---|---|---|`);
for (const d of drains)
  console.log(
    `| ${d.store} | ${d.otherKeys} | ${d.items} | ${d.ms} ms | ${d.roundTrips} | ${d.emptyDrainMs} ms, ${d.emptyDrainRoundTrips} round trip(s) |`,
  );
process.exit(0);
