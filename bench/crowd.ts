/**
 * `npm run bench` (third part): a crowd of CROWD_USERS users sending `/status` within
 * CROWD_WITHIN_MS on each platform, the real SDKs against the strict emulators at the platforms'
 * real limits (not scaled). Figures: answered ÷ sent, achieved reply rate ÷ the limit that binds
 * the replies, 429 answers, reply latency from the command to the answer at the emulator.
 * Writes bench/results/crowd.json and prints a Markdown table (copied into bench/README.md).
 */
import { cpus, totalmem } from 'node:os';
import { startTestApp } from '../test/helpers/app.ts';
import { TelegramEmulator } from '../test/emulators/telegram/server.ts';
import { REAL_LIMITS } from '../test/emulators/telegram/limits.ts';
import { DiscordEmulator } from '../test/emulators/discord/index.ts';
import { DEFAULT_RULES } from '../test/emulators/discord/rate-limit.ts';
import { INITIAL_RESPONSE_MS } from '../test/emulators/discord/rest.ts';
import { ACK_DEADLINE_MS, SlackEmulator } from '../test/emulators/slack/server.ts';
import { postSlashCommand } from '../test/emulators/slack/sign.ts';
import { writeResult } from './results.ts';

const USERS = Number(process.env.CROWD_USERS ?? 1000);
const WITHIN_MS = Number(process.env.CROWD_WITHIN_MS ?? 10_000);
/** A reply later than this was given up by the bot (REPLY_USEFUL_MS) or lost: stop waiting. */
const WAIT_MS = 75_000;
const YAML =
  'service: { name: Chatter, locales: [en, de] }\ncomponents: [{ id: messaging, name: { en: Messaging, de: Nachrichten } }]\nsources: [{ id: gen, type: webhook, format: generic, insecure: true }]\n';

const quantile = (xs: readonly number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))]! : NaN;
};
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface CrowdResult {
  platform: string;
  sent: number;
  answered: number;
  answeredShare: number;
  /** What limits the replies, per second (undefined: no documented limit applies to them). */
  replyLimitPerSecond: number | undefined;
  replyLimitNote: string;
  achievedPerSecond: number;
  ratio: number | undefined;
  status429: number;
  replyLatencyMs: { p50: number; p95: number; max: number };
  /** Discord: initial responses after 3 s; Slack: acks after 3 s. */
  late?: number;
  lastReplyS: number;
}

/** Steady reply rate: from the 5th to the 95th percentile reply, so the first and last do not flatter it. */
const rateOf = (times: readonly number[]): number => {
  const s = [...times].sort((a, b) => a - b);
  const lo = Math.floor(s.length * 0.05);
  const hi = Math.max(lo + 1, Math.floor(s.length * 0.95) - 1);
  if (s.length < 3 || s[hi] === s[lo]) return NaN;
  return (hi - lo) / ((s[hi]! - s[lo]!) / 1000);
};

/** Sends the crowd's commands evenly over WITHIN_MS; `send(i)` must not wait for the answer. */
const spread = async (send: (i: number) => void): Promise<void> => {
  const start = Date.now();
  for (let i = 0; i < USERS; i++) {
    const due = start + (i * WITHIN_MS) / USERS - Date.now();
    if (due > 0) await sleep(due);
    send(i);
  }
};

const waitUntil = async (done: () => boolean, timeoutMs: number) => {
  const end = Date.now() + timeoutMs;
  while (!done() && Date.now() < end) await sleep(20);
};

const result = (
  platform: string,
  sentAt: number[],
  answeredAt: (number | undefined)[],
  limit: number | undefined,
  note: string,
  status429: number,
  late?: number,
): CrowdResult => {
  const t0 = Math.min(...sentAt);
  const got = answeredAt.map((a, i) => (a === undefined ? undefined : a - sentAt[i]!)).filter((x): x is number => x !== undefined);
  const times = answeredAt.filter((a): a is number => a !== undefined);
  const achieved = rateOf(times);
  return {
    platform,
    sent: USERS,
    answered: got.length,
    answeredShare: round(got.length / USERS, 3),
    replyLimitPerSecond: limit,
    replyLimitNote: note,
    achievedPerSecond: round(achieved, 1),
    ratio: limit ? round(achieved / limit, 3) : undefined,
    status429,
    replyLatencyMs: { p50: round(quantile(got, 0.5), 0), p95: round(quantile(got, 0.95), 0), max: round(Math.max(...got), 0) },
    ...(late !== undefined ? { late } : {}),
    lastReplyS: round((Math.max(...times) - t0) / 1000, 1),
  };
};

const benchTelegram = async (): Promise<CrowdResult> => {
  const emu = new TelegramEmulator();
  await emu.start();
  const sentAt: number[] = [];
  const answeredAt: (number | undefined)[] = Array.from({ length: USERS }, () => undefined);
  const base = 1_000_000;
  const record = emu.world.record.bind(emu.world);
  emu.world.record = (call) => {
    record(call);
    const chat = Number(call.params.chat_id) - base;
    if (call.ok && call.method === 'sendMessage' && chat >= 0 && chat < USERS) answeredAt[chat] ??= Date.now();
  };
  const users = Array.from({ length: USERS }, (_, i) => ({ id: base + i, first_name: `U${i}`, language_code: i % 2 ? 'de' : 'en' }));
  for (const u of users) emu.addUser(u);
  const t = await startTestApp(YAML, { TELEGRAM_BOT_TOKEN: emu.token, TELEGRAM_API_ROOT: emu.apiRoot });
  await spread((i) => {
    sentAt[i] = Date.now();
    emu.userSays(users[i]!, users[i]!.id, '/status');
  });
  await waitUntil(() => answeredAt.every((a) => a !== undefined), WAIT_MS);
  const status429 = emu.calls.filter((c) => c.status === 429).length;
  await t.stop();
  await emu.stop();
  return result('telegram', sentAt, answeredAt, REAL_LIMITS.globalPerSecond, 'bot-wide 30 msg/s', status429);
};

const benchDiscord = async (): Promise<CrowdResult> => {
  const emu = await new DiscordEmulator().start();
  const channel = emu.addChannel({ name: 'general' });
  const users = Array.from({ length: USERS }, (_, i) => emu.addUser({ username: `u${i}` }));
  const t = await startTestApp(YAML, {
    DISCORD_TOKEN: emu.token,
    DISCORD_APPLICATION_ID: emu.applicationId,
    DISCORD_API_URL: emu.apiUrl,
    DISCORD_GUILD_ID: emu.guildId,
  });
  const sentAt: number[] = [];
  const answeredAt: (number | undefined)[] = Array.from({ length: USERS }, () => undefined);
  const pending: Promise<unknown>[] = [];
  let late = 0;
  await spread((i) => {
    sentAt[i] = Date.now();
    pending.push(
      emu.interact({ name: 'status', userId: users[i]!, locale: i % 2 ? 'de' : 'en-US', channelId: channel }, WAIT_MS).then(
        (done) => {
          answeredAt[i] = Date.now();
          if (done.callbackAt === undefined || done.callbackAt - done.createdAt > INITIAL_RESPONSE_MS) late++;
        },
        () => late++,
      ),
    );
  });
  await Promise.all(pending);
  const status429 = emu.state.requests.filter((r) => r.status === 429).length;
  await t.stop();
  await emu.stop();
  return result(
    'discord',
    sentAt,
    answeredAt,
    undefined,
    `initial responses are not bound by the global limit (${DEFAULT_RULES.global.limit}/s); deferred follow-ups are`,
    status429,
    late,
  );
};

const benchSlack = async (): Promise<CrowdResult> => {
  const emu = await new SlackEmulator().start();
  emu.channels.set('CGENERAL', { id: 'CGENERAL', creator: 'UADMIN' });
  for (let i = 0; i < USERS; i++) emu.users.set(`U${i}`, { id: `U${i}`, locale: i % 2 ? 'de-DE' : 'en-US' });
  const secret = 'bench-signing-secret';
  const t = await startTestApp(YAML, { SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: secret, SLACK_API_URL: emu.apiUrl });
  const sentAt: number[] = [];
  const answeredAt: (number | undefined)[] = Array.from({ length: USERS }, () => undefined);
  const urls = new Map<string, number>();
  emu.on('response', () => {
    for (const r of emu.responses) {
      const i = urls.get(r.id);
      if (i !== undefined) answeredAt[i] ??= Date.now();
    }
  });
  const acks: Promise<unknown>[] = [];
  let late = 0;
  await spread((i) => {
    const response_url = emu.responseUrl();
    urls.set(response_url.slice(response_url.lastIndexOf('/') + 1), i);
    sentAt[i] = Date.now();
    acks.push(
      postSlashCommand(`${t.baseUrl}/slack/events`, secret, {
        command: '/statusrelay',
        text: 'status',
        user_id: `U${i}`,
        channel_id: 'CGENERAL',
        response_url,
      }).then(
        (res) => {
          if (res.status !== 200 || Date.now() - sentAt[i]! > ACK_DEADLINE_MS) late++;
        },
        () => late++,
      ),
    );
  });
  await Promise.all(acks);
  await waitUntil(() => answeredAt.every((a) => a !== undefined), WAIT_MS);
  const status429 = emu.calls.filter((c) => c.status === 429).length;
  await t.stop();
  await emu.stop();
  return result('slack', sentAt, answeredAt, undefined, 'response_url: no documented rate, 5 posts per URL', status429, late);
};

const main = async () => {
  const started = Date.now();
  const only = process.env.BENCH_ONLY?.split(',');
  const want = (n: string) => !only || only.includes(n) || only.includes('crowd');
  const platforms: CrowdResult[] = [];
  if (want('telegram')) platforms.push(await benchTelegram());
  if (want('discord')) platforms.push(await benchDiscord());
  if (want('slack')) platforms.push(await benchSlack());
  if (platforms.length === 0) return;
  const out = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGb: round(totalmem() / 2 ** 30, 1), node: process.version },
    users: USERS,
    withinMs: WITHIN_MS,
    durationS: round((Date.now() - started) / 1000, 1),
    platforms,
  };
  writeResult('crowd', out);
  console.log(
    [
      `Crowd: ${USERS} users × /status within ${WITHIN_MS / 1000} s per platform, real limits; run ${out.durationS} s`,
      '',
      '| platform | answered ÷ sent | reply rate | ÷ limit | 429s | reply latency p50 / p95 / max | late initial answers (> 3 s) | last reply |',
      '|---|---|---|---|---|---|---|---|',
      ...platforms.map(
        (p) =>
          `| ${p.platform} | **${p.answered} / ${p.sent} = ${p.answeredShare}** | ${p.achievedPerSecond}/s | ${p.ratio !== undefined ? `**${p.ratio}** of ${p.replyLimitPerSecond}/s` : `— (${p.replyLimitNote})`} | ${p.status429} | ${p.replyLatencyMs.p50} / ${p.replyLatencyMs.p95} / ${p.replyLatencyMs.max} ms | ${p.late ?? '—'} | ${p.lastReplyS} s |`,
      ),
    ].join('\n'),
  );
  process.exit(0);
};

await main();
