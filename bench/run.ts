/**
 * `npm run bench`: Status Relay against the platform emulators of test/emulators, their limits
 * scaled by BENCH_FACTOR so that a run stays under two minutes, and the pipeline's own ceiling with
 * limits lifted. Figures are ratios (achieved ÷ emulated limit) and medians, not wall-clock asserts.
 * Writes bench/results/latest.json and prints a Markdown table (copied into bench/README.md).
 */
import { mkdtempSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { spawn } from 'node:child_process';
import { openStore } from '../src/storage/store.ts';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../test/helpers/app.ts';
import { TelegramEmulator } from '../test/emulators/telegram/server.ts';
import { SlackEmulator } from '../test/emulators/slack/server.ts';
import { DiscordEmulator } from '../test/emulators/discord/index.ts';
import { DEFAULT_RULES } from '../test/emulators/discord/rate-limit.ts';
import type { ChatAdapter, PostedRef } from '../src/adapters/adapter.ts';
import type { Platform, Target } from '../src/core/model.ts';
import { writeResult } from './results.ts';

const FACTOR = Number(process.env.BENCH_FACTOR ?? 4);
const RECIPIENTS = Number(process.env.BENCH_RECIPIENTS ?? 1500);
const PROBES = Number(process.env.BENCH_PROBES ?? 25);
const CEILING_SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 100_000);

interface Timeline {
  sends: number[];
  status429: number;
}

/** Timestamps every successful send the emulator answers, and counts its 429s. */
const watch = (server: Server, isSend: (req: IncomingMessage) => boolean): Timeline => {
  const t: Timeline = { sends: [], status429: 0 };
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!isSend(req)) return;
    res.on('finish', () => {
      if (res.statusCode === 429) t.status429++;
      else if (res.statusCode < 300) t.sends.push(performance.now());
    });
  });
  return t;
};

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))]! : NaN;
};
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

let peakRss = 0;
let peakHeap = 0;
const rssTimer = setInterval(() => {
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
}, 25);
const resetPeak = () => (peakRss = process.memoryUsage().rss);

const push = (t: TestApp, body: unknown) =>
  fetch(`${t.baseUrl}/webhooks/gen`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
    async (r) => {
      if (r.status !== 202) throw new Error(`webhook ${r.status}: ${await r.text()}`);
    },
  );

const waitUntil = async (check: () => boolean, timeoutMs: number) => {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('bench: timed out');
    await new Promise((r) => setTimeout(r, 2));
  }
};

/** Ingest → first send: one incident at a time to a single channel, measured at the emulator. */
const probeLatency = async (t: TestApp, timeline: Timeline, spacingMs: number): Promise<number[]> => {
  const out: number[] = [];
  // Probe 0 warms up connections and code paths and is not counted.
  for (let i = 0; i <= PROBES; i++) {
    const before = timeline.sends.length;
    const start = performance.now();
    await push(t, { incident: { id: `probe-${i}`, name: `Probe ${i}`, status: 'investigating', impact: 'major', message: 'probe' } });
    await waitUntil(() => timeline.sends.length > before, 10_000);
    if (i > 0) out.push(timeline.sends[before]! - start);
    await new Promise((r) => setTimeout(r, spacingMs));
  }
  return out;
};

interface PlatformResult {
  platform: Platform;
  recipients: number;
  emulatedLimitPerSecond: number;
  achievedPerSecond: number;
  ratio: number;
  status429: number;
  status429Share: number;
  ingestToFirstSendMs: { p50: number; p99: number };
  timeToLastDeliveryS: number;
  peakRssMb: number;
}

const broadcast = async (
  platform: Platform,
  t: TestApp,
  timeline: Timeline,
  limit: number,
  recipients: number,
  latencies: number[],
): Promise<PlatformResult> => {
  resetPeak();
  const before = timeline.sends.length;
  const before429 = timeline.status429;
  const start = performance.now();
  await push(t, {
    incident: { id: 'broadcast', name: 'Messaging outage', status: 'investigating', impact: 'critical', message: 'Messages fail to send.' },
  });
  await waitUntil(() => timeline.sends.length - before >= recipients, 300_000);
  const sends = timeline.sends.slice(before);
  const last = sends[recipients - 1]!;
  // Steady state: from the 5th to the 95th percentile send, so a first burst does not flatter the figure.
  const lo = Math.floor(recipients * 0.05);
  const hi = Math.floor(recipients * 0.95);
  const achieved = (hi - lo) / ((sends[hi]! - sends[lo]!) / 1000);
  const n429 = timeline.status429 - before429;
  return {
    platform,
    recipients,
    emulatedLimitPerSecond: limit,
    achievedPerSecond: round(achieved, 1),
    ratio: round(achieved / limit, 3),
    status429: n429,
    status429Share: round(n429 / recipients, 4),
    ingestToFirstSendMs: { p50: round(quantile(latencies, 0.5), 1), p99: round(quantile(latencies, 0.99), 1) },
    timeToLastDeliveryS: round((last - start) / 1000, 2),
    peakRssMb: round(peakRss / 2 ** 20, 0),
  };
};

/** The bot is told the (scaled) limits through its config, as an operator would (`delivery.limits`). */
const YAML = (
  platform: Platform,
  probeChat: string,
  limits: { globalPerSecond: number; perChatIntervalMs: number; perGroupPerMinute?: number },
) => `
service: { name: Chatter, locales: [en] }
sources: [{ id: gen, type: webhook, format: generic, insecure: true }]
announce: [{ platform: ${platform}, channel: "${probeChat}" }]
delivery: { limits: { ${platform}: ${JSON.stringify(limits)} } }
`;

const seedAnnouncements = async (t: TestApp, platform: Platform, chats: readonly string[]) => {
  const now = new Date().toISOString();
  await t.app.store
    .namespace('announce')
    .setMany(
      chats.map((c) => [`${platform}:${c}`, { platform, chatId: c, components: [], minSeverity: 'minor', createdAt: now }] as const),
    );
};

const benchTelegram = async (): Promise<PlatformResult> => {
  const limit = 30 * FACTOR;
  const emu = new TelegramEmulator(undefined, {
    limits: { globalPerSecond: limit, chatPerSecond: FACTOR, groupPerMinute: 20 * FACTOR, chatBurst: 3 },
  });
  await emu.start();
  const timeline = watch((emu as unknown as { server: Server }).server, (r) => /\/sendMessage$/.test(r.url ?? ''));
  const probeChat = -1009000000001;
  emu.addChannel(probeChat, 'Probe channel');
  const t = await startTestApp(
    YAML('telegram', String(probeChat), { globalPerSecond: limit, perChatIntervalMs: 1000 / FACTOR, perGroupPerMinute: 20 * FACTOR }),
    { TELEGRAM_BOT_TOKEN: emu.token, TELEGRAM_API_ROOT: emu.apiRoot },
  );
  try {
    const latencies = await probeLatency(t, timeline, 1000 / FACTOR + 50);
    const users = Array.from({ length: RECIPIENTS - 1 }, (_, i) => 700_000_000 + i);
    for (const id of users) emu.addUser({ id, first_name: `User ${id}`, language_code: 'en' });
    const now = new Date().toISOString();
    await t.app.store
      .namespace('subscriptions')
      .setMany(
        users.map((id) => [`telegram:${id}`, { platform: 'telegram', userId: String(id), components: [], createdAt: now }] as const),
      );
    return await broadcast('telegram', t, timeline, limit, RECIPIENTS, latencies);
  } finally {
    await t.stop();
    await emu.stop();
  }
};

const benchSlack = async (): Promise<PlatformResult> => {
  const limit = 20 * FACTOR;
  const emu = await new SlackEmulator().start();
  emu.workspacePerSecond = limit;
  emu.postIntervalMs = 1000 / FACTOR;
  const timeline = watch((emu as unknown as { server: Server }).server, (r) => /chat\.postMessage$/.test(r.url ?? ''));
  const chats = Array.from({ length: RECIPIENTS }, (_, i) => `C${String(i).padStart(9, '0')}`);
  for (const id of chats) emu.channels.set(id, { id, member: true });
  const t = await startTestApp(YAML('slack', chats[0]!, { globalPerSecond: limit, perChatIntervalMs: 1000 / FACTOR }), {
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_SIGNING_SECRET: 'bench-secret',
    SLACK_API_URL: emu.apiUrl,
  });
  try {
    const latencies = await probeLatency(t, timeline, 1000 / FACTOR + 50);
    await seedAnnouncements(t, 'slack', chats.slice(1));
    return await broadcast('slack', t, timeline, limit, RECIPIENTS, latencies);
  } finally {
    await t.stop();
    await emu.stop();
  }
};

const benchDiscord = async (): Promise<PlatformResult> => {
  const limit = 50 * FACTOR;
  const rules = {
    ...DEFAULT_RULES,
    global: { limit, windowMs: 1000 },
    routes: Object.fromEntries(Object.entries(DEFAULT_RULES.routes).map(([k, v]) => [k, { ...v, limit: v.limit * FACTOR }])),
  };
  const emu = await new DiscordEmulator({ rules }).start();
  const timeline = watch(
    (emu as unknown as { server: Server }).server,
    (r) => r.method === 'POST' && /\/channels\/\d+\/messages$/.test(r.url ?? ''),
  );
  const chats = Array.from({ length: RECIPIENTS }, () => emu.addChannel({ threads: true }));
  const t = await startTestApp(YAML('discord', chats[0]!, { globalPerSecond: limit, perChatIntervalMs: 1000 / FACTOR }), {
    DISCORD_TOKEN: emu.token,
    DISCORD_APPLICATION_ID: emu.applicationId,
    DISCORD_API_URL: emu.apiUrl,
    DISCORD_GUILD_ID: emu.guildId,
  });
  try {
    await waitUntil(() => t.app.adapters.get('discord')?.state() === 'connected', 20_000);
    const latencies = await probeLatency(t, timeline, 1000 / FACTOR + 50);
    await seedAnnouncements(t, 'discord', chats.slice(1));
    return await broadcast('discord', t, timeline, limit, RECIPIENTS, latencies);
  } finally {
    await t.stop();
    await emu.stop();
  }
};

/** A platform with no limit and no I/O: what the pipeline itself can do (store, fan-out, outbox, delivery). */
class NullPlatform implements ChatAdapter {
  readonly platform = 'console' as const;
  sent = 0;
  firstAt = 0;
  lastAt = 0;
  async start() {}
  async stop() {}
  state() {
    return 'connected' as const;
  }
  async send(target: Target): Promise<PostedRef> {
    const now = performance.now();
    if (this.sent++ === 0) this.firstAt = now;
    this.lastAt = now;
    return { platform: 'console', chatId: target.chatId, messageId: String(this.sent) };
  }
}

/**
 * Runs in its own process (`bench/run.ts ceiling <store> <n>`), so its peak RSS is the bot's alone:
 * the subscriptions were written by the parent beforehand, as users would have over months.
 */
const ceilingChild = async (storeUrl: string, n: number) => {
  const platform = new NullPlatform();
  const t = await startTestApp(
    'service: { name: Chatter, locales: [en] }\nsources: [{ id: gen, type: webhook, format: generic, insecure: true }]',
    { STORE_URL: storeUrl },
    { adapters: [platform], limits: { console: { globalPerSecond: 1e9, perChatIntervalMs: 0 } } },
  );
  resetPeak();
  const start = performance.now();
  await push(t, { incident: { id: 'ceiling', name: 'Outage', status: 'investigating', impact: 'critical', message: 'x' } });
  await waitUntil(() => platform.sent >= n, 600_000);
  const result = {
    subscriptions: n,
    messagesPerSecond: round((n - 1) / ((platform.lastAt - platform.firstAt) / 1000), 0),
    ingestToFirstSendMs: round(platform.firstAt - start, 1),
    timeToLastDeliveryS: round((platform.lastAt - start) / 1000, 2),
    peakRssMb: round(peakRss / 2 ** 20, 0),
    peakHeapUsedMb: round(peakHeap / 2 ** 20, 0),
  };
  await t.stop();
  process.stdout.write(`CEILING ${JSON.stringify(result)}\n`);
  process.exit(0);
};

const benchCeiling = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sr-bench-'));
  const storeUrl = `sqlite://${join(dir, 'ceiling.sqlite')}`;
  const store = await openStore(storeUrl);
  const now = new Date().toISOString();
  const subs = store.namespace('subscriptions');
  for (let i = 0; i < CEILING_SUBSCRIBERS; i += 10_000)
    await subs.setMany(
      Array.from(
        { length: Math.min(10_000, CEILING_SUBSCRIBERS - i) },
        (_, j) => [`console:u${i + j}`, { platform: 'console', userId: `u${i + j}`, components: [], createdAt: now }] as const,
      ),
    );
  await store.close();
  const child = spawn(
    process.execPath,
    [
      join(import.meta.dirname, '..', 'bin', 'run-ts.js'),
      join(import.meta.dirname, 'run.ts'),
      'ceiling',
      storeUrl,
      String(CEILING_SUBSCRIBERS),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  await new Promise((r) => child.on('exit', r));
  const m = /CEILING (.*)/.exec(out);
  if (!m) throw new Error(`ceiling run failed: ${out}`);
  return JSON.parse(m[1]!) as {
    subscriptions: number;
    messagesPerSecond: number;
    ingestToFirstSendMs: number;
    timeToLastDeliveryS: number;
    peakRssMb: number;
  };
};

const main = async () => {
  const started = Date.now();
  const only = process.env.BENCH_ONLY?.split(',');
  const want = (n: string) => !only || only.includes(n);
  const platforms: PlatformResult[] = [];
  if (want('telegram')) platforms.push(await benchTelegram());
  if (want('slack')) platforms.push(await benchSlack());
  if (want('discord')) platforms.push(await benchDiscord());
  const ceiling = want('ceiling') ? await benchCeiling() : undefined;
  clearInterval(rssTimer);
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGb: round(totalmem() / 2 ** 30, 1), node: process.version },
    factor: FACTOR,
    durationS: round((Date.now() - started) / 1000, 1),
    platforms,
    ceiling,
  };
  writeResult(only ? 'partial' : 'latest', result);
  const rows = platforms.map(
    (p) =>
      `| ${p.platform} | ${p.recipients} | ${p.emulatedLimitPerSecond}/s | ${p.achievedPerSecond}/s | **${p.ratio}** | ${p.status429} (${round(p.status429Share * 100, 2)}%) | ${p.ingestToFirstSendMs.p50} / ${p.ingestToFirstSendMs.p99} ms | ${p.timeToLastDeliveryS} s | ${p.peakRssMb} MB |`,
  );
  console.log(
    [
      `Machine: ${result.machine.cpus} × ${result.machine.cpuModel}, ${result.machine.memoryGb} GiB, Node ${result.machine.node}; limits ×${FACTOR}; run ${result.durationS} s`,
      '',
      '| platform | recipients | emulated limit | achieved | ratio | 429s | ingest → first send p50 / p99 | last delivery | peak RSS |',
      '|---|---|---|---|---|---|---|---|---|',
      ...rows,
      ...(ceiling
        ? [
            '',
            `Pipeline ceiling (limits lifted, ${ceiling.subscriptions} subscriptions on SQLite): **${ceiling.messagesPerSecond} messages/s**, first send ${ceiling.ingestToFirstSendMs} ms after ingest, last after ${ceiling.timeToLastDeliveryS} s, peak RSS ${ceiling.peakRssMb} MB.`,
          ]
        : []),
    ].join('\n'),
  );
  process.exit(0);
};

if (process.argv[2] === 'ceiling') await ceilingChild(process.argv[3]!, Number(process.argv[4]));
else await main();
