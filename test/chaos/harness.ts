/**
 * The fault-injection suite's shared parts: the real bot (`bin/status-relay.js start`) as a child
 * process, the strict Telegram emulator with thousands of users, story steps sent as signed
 * webhooks, and the judge that reads the invariants off what arrived at the emulator.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TelegramEmulator, type EmuUser } from '../emulators/telegram/server.ts';
import { HttpFaultProxy } from '../helpers/fault-proxy.ts';
import { DEMO_SCRIPT, SimulatedStatusPage } from '../../src/demo/simulated-page.ts';
import { openStore } from '../../src/storage/store.ts';
import { IN_FLIGHT_WINDOW } from '../../src/delivery/delivery.ts';

export const ROOT = resolve(import.meta.dirname, '..', '..');

/** `npm run chaos` sets CHAOS_FULL=1 (longer faults, more seeds); `npm test` runs the CI subset. */
export const FULL = process.env.CHAOS_FULL === '1';
export const SEEDS = Number(process.env.CHAOS_SEEDS ?? (FULL ? 20 : 3));
/** Platform limits ×10 on both sides (emulator and bot pacing), so a 2,000-recipient broadcast takes seconds. */
export const SPEED = 10;
export const WEBHOOK_SECRET = 'chaos-webhook-secret';
export const DUPLICATE_BOUND = IN_FLIGHT_WINDOW;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` holds; false when `timeoutMs` passed first. */
export const until = async (check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 100): Promise<boolean> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(everyMs);
  }
  return check();
};

/** A small seeded PRNG (mulberry32): the same seed replays the same kill points. */
export const prng = (seed: number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

export const freePort = (): Promise<number> =>
  new Promise((resolvePort, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolvePort(port));
    });
  });

export const workDir = (name: string): string => mkdtempSync(join(tmpdir(), `sr-chaos-${name}-`));

// ── the platform ─────────────────────────────────────────────────────────────────────────────

export interface Telegram {
  readonly emu: TelegramEmulator;
  /** Present when the bot reaches the emulator through a fault proxy. */
  readonly proxy: HttpFaultProxy | undefined;
  /** What the bot gets as TELEGRAM_API_ROOT. */
  readonly apiRoot: string;
  /** The subscribers' user ids (their private chats have the same ids). */
  readonly recipients: readonly number[];
  /** Users who only send commands. */
  readonly askers: readonly EmuUser[];
  stop(): Promise<void>;
}

export const startTelegram = async (opts: { recipients: number; askers?: number; proxy?: boolean }): Promise<Telegram> => {
  const emu = new TelegramEmulator();
  await emu.start();
  emu.limits.limits = { ...emu.limits.limits, globalPerSecond: 30 * SPEED, chatPerSecond: SPEED };
  const recipients = Array.from({ length: opts.recipients }, (_, i) => 700_000_000 + i);
  for (const id of recipients) emu.addUser({ id, first_name: `R${id}`, language_code: 'en' });
  const askers = Array.from({ length: opts.askers ?? 0 }, (_, i) => ({ id: 900_000_000 + i, first_name: `A${i}`, language_code: 'en' }));
  for (const u of askers) emu.addUser(u);
  let proxy: HttpFaultProxy | undefined;
  if (opts.proxy) {
    const url = new URL(emu.apiRoot);
    proxy = new HttpFaultProxy({ host: url.hostname, port: Number(url.port) });
    await proxy.start();
  }
  return {
    emu,
    proxy,
    apiRoot: proxy ? proxy.url : emu.apiRoot,
    recipients,
    askers,
    stop: async () => {
      await proxy?.stop();
      await emu.stop();
    },
  };
};

/** Writes the subscriptions straight into the store before the bot starts (as an earlier run would have). */
export const seedSubscribers = async (storeUrl: string, ids: readonly number[]): Promise<void> => {
  const store = await openStore(storeUrl);
  const now = new Date().toISOString();
  await store
    .namespace('subscriptions')
    .setMany(ids.map((id) => [`telegram:${id}`, { platform: 'telegram', userId: String(id), components: [], createdAt: now }] as const));
  await store.close();
};

/** Successful sends and edits at the emulator, counted incrementally (the call log grows to tens of thousands). */
export class CallCounter {
  private seen = 0;
  private count = 0;
  constructor(private readonly emu: TelegramEmulator) {}
  deliveries(): number {
    const calls = this.emu.calls;
    for (; this.seen < calls.length; this.seen++) {
      const c = calls[this.seen]!;
      if (c.ok && (c.method === 'sendMessage' || c.method === 'editMessageText')) this.count++;
    }
    return this.count;
  }
}

// ── the bot ──────────────────────────────────────────────────────────────────────────────────

export interface BotOptions {
  readonly name: string;
  readonly dir: string;
  readonly storeUrl: string;
  readonly telegram: Telegram;
  /** Extra sources (YAML flow mappings), e.g. a statuspage source. */
  readonly sources?: readonly string[];
  readonly env?: Record<string, string>;
}

export interface Bot {
  readonly name: string;
  readonly child: ChildProcess;
  readonly port: number;
  readonly baseUrl: string;
  /** Everything it printed (JSON logs and stderr). */
  output(): string;
  /** Exited without being told to (a crash, an unhandled error). */
  crashed(): boolean;
  exitInfo(): string | undefined;
  kill(signal: NodeJS.Signals): Promise<void>;
  /** SIGTERM and wait. */
  stop(): Promise<void>;
}

export const botYaml = (opts: Pick<BotOptions, 'sources'>): string => `
service: { name: Chatter, locales: [en] }
components: [{ id: messaging, name: Messaging }, { id: media, name: Media }]
sources:
  - { id: hooks, type: webhook, format: generic, secret: ${WEBHOOK_SECRET} }
${(opts.sources ?? []).map((s) => `  - ${s}\n`).join('')}
delivery: { limits: { telegram: { globalPerSecond: ${30 * SPEED}, perChatIntervalMs: ${1000 / SPEED} } } }
`;

/** Starts `status-relay start` with its own config file; resolves once it printed its banner (it serves and, if leader, works). */
export const startBot = (opts: BotOptions): Promise<Bot> => {
  mkdirSync(opts.dir, { recursive: true });
  const config = join(opts.dir, 'status-relay.yaml');
  if (!existsSync(config)) writeFileSync(config, botYaml(opts));
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env))
    if (/^(CONFIG_FILE|STORE_URL|TELEGRAM_|SLACK_|DISCORD_|HTTP_|LOG_LEVEL|ADMIN_API_TOKEN)/.test(k)) delete env[k];
  Object.assign(env, {
    CONFIG_FILE: config,
    STORE_URL: opts.storeUrl,
    TELEGRAM_BOT_TOKEN: opts.telegram.emu.token,
    TELEGRAM_API_ROOT: opts.telegram.apiRoot,
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    LOG_LEVEL: 'info',
    ...opts.env,
  });
  const child = spawn(process.execPath, [join(ROOT, 'bin/status-relay.js'), 'start'], {
    cwd: opts.dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logFile = join(opts.dir, `${opts.name}-${child.pid}.log`);
  let out = '';
  let expectedExit = false;
  let exit: string | undefined;
  const note = (c: Buffer) => {
    const s = c.toString();
    out += s;
    appendFileSync(logFile, s);
  };
  child.stdout!.on('data', note);
  child.stderr!.on('data', note);
  const exited = new Promise<void>((r) =>
    child.once('exit', (code, signal) => {
      exit = signal ?? `exit code ${code}`;
      r();
    }),
  );
  return new Promise((resolveBot, reject) => {
    const timer = setTimeout(() => reject(new Error(`${opts.name} did not start in 60 s:\n${out.slice(-3000)}`)), 60_000);
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`${opts.name} exited (${exit}) before it was up:\n${out.slice(-3000)}`));
    });
    const onData = () => {
      const m = /http:\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      const port = Number(m[1]);
      resolveBot({
        name: opts.name,
        child,
        port,
        baseUrl: `http://127.0.0.1:${port}`,
        output: () => out,
        crashed: () => exit !== undefined && !expectedExit,
        exitInfo: () => exit,
        kill: async (signal) => {
          expectedExit = true;
          if (exit === undefined) child.kill(signal);
          await exited;
        },
        stop: async () => {
          expectedExit = true;
          if (exit === undefined) child.kill('SIGTERM');
          const done = await Promise.race([exited.then(() => true), sleep(15_000).then(() => false)]);
          if (!done) {
            child.kill('SIGKILL');
            await exited;
          }
        },
      });
    };
    child.stdout!.on('data', onData);
  });
};

export const readyz = async (bot: Bot): Promise<{ status: number; leader?: boolean; store?: string } | undefined> => {
  try {
    const res = await fetch(`${bot.baseUrl}/readyz`, { signal: AbortSignal.timeout(3000) });
    return { status: res.status, ...((await res.json()) as { leader?: boolean; store?: string }) };
  } catch {
    return undefined;
  }
};

// ── the story ────────────────────────────────────────────────────────────────────────────────

export interface Story {
  readonly id: string;
  /** The incident name, which every message of the story shows. */
  readonly name: string;
  readonly steps: readonly { status: string; marker: string }[];
}

export const story = (id: string, statuses: readonly string[] = ['investigating', 'identified', 'resolved']): Story => ({
  id,
  name: `Chaos story ${id}`,
  steps: statuses.map((status, i) => ({ status, marker: `${id}-step-${i + 1}-${status}` })),
});

/**
 * Sends step `i` as a signed generic webhook until some instance answers 202 (as a status page's
 * own webhook delivery retries). `bots()` is read on every try: a killed instance is replaced.
 */
export const sendStep = async (
  s: Story,
  i: number,
  bots: () => readonly Bot[],
  timeoutMs = 120_000,
): Promise<{ tries: number; ms: number; statuses: number[] }> => {
  const step = s.steps[i]!;
  const body = JSON.stringify({
    incident: {
      id: s.id,
      name: s.name,
      status: step.status,
      impact: 'major',
      message: `Update ${step.marker}.`,
      components: ['messaging'],
    },
  });
  const started = Date.now();
  const statuses: number[] = [];
  for (let tries = 1; ; tries++) {
    const all = bots();
    const alive = all.filter((b) => b.exitInfo() === undefined);
    // Every instance is gone and none is being restarted: no one will ever accept it.
    if (all.length && !alive.length && all.every((b) => b.crashed()))
      throw new Error(`step ${step.marker}: no instance is running (${all.map((b) => `${b.name}: ${b.exitInfo()}`).join(', ')})`);
    const bot = alive[tries % Math.max(1, alive.length)];
    if (bot) {
      const status = await fetch(`${bot.baseUrl}/webhooks/hooks?token=${WEBHOOK_SECRET}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(10_000),
      })
        .then(async (r) => (await r.arrayBuffer(), r.status))
        .catch(() => 0);
      statuses.push(status);
      if (status === 202) return { tries, ms: Date.now() - started, statuses };
    }
    if (Date.now() - started > timeoutMs)
      throw new Error(`step ${step.marker} was never accepted (answers: ${statuses.slice(-10).join(', ')})`);
    await sleep(Math.min(2000, 100 * tries));
  }
};

export interface StoryVerdict {
  /** Recipients whose last message of the story does not show its latest step. */
  readonly stale: number[];
  /** Successful sends beyond the first, per (recipient, story step). */
  readonly duplicates: number;
  readonly worstRecipient: { chat: number; copies: number } | undefined;
  /** Recipients with more than one top-level post of the story. */
  readonly doubledRoots: number;
  readonly sends: number;
}

/** Judges a story from what the emulator holds: last message per recipient, and every successful sendMessage. */
export const judgeStory = (tg: Telegram, s: Story, latestMarker = s.steps.at(-1)!.marker): StoryVerdict => {
  const stale: number[] = [];
  let doubledRoots = 0;
  for (const chat of tg.recipients) {
    const mine = tg.emu.sent(chat).filter((m) => m.text.includes(s.name));
    const last = mine.at(-1);
    if (!last || !last.text.includes(latestMarker)) stale.push(chat);
    if (mine.filter((m) => m.replyTo === undefined).length > 1) doubledRoots++;
  }
  const copies = new Map<string, number>();
  let sends = 0;
  for (const c of tg.emu.calls) {
    if (!c.ok || c.method !== 'sendMessage') continue;
    const text = String(c.params.text ?? '');
    if (!text.includes(s.name)) continue;
    const step = s.steps.find((st) => text.includes(st.marker));
    const key = `${String(c.params.chat_id)}|${step?.marker ?? text}`;
    copies.set(key, (copies.get(key) ?? 0) + 1);
    sends++;
  }
  let duplicates = 0;
  let worst: { chat: number; copies: number } | undefined;
  for (const [key, n] of copies) {
    duplicates += n - 1;
    if (!worst || n > worst.copies) worst = { chat: Number(key.split('|')[0]), copies: n };
  }
  return { stale, duplicates, worstRecipient: worst && worst.copies > 1 ? worst : undefined, doubledRoots, sends };
};

/** Waits until every recipient's last message shows the latest step; resolves with how long it took (or undefined). */
export const awaitLatest = async (tg: Telegram, s: Story, timeoutMs: number, latestMarker?: string): Promise<number | undefined> => {
  const started = Date.now();
  const ok = await until(() => judgeStory(tg, s, latestMarker).stale.length === 0, timeoutMs, 250);
  return ok ? Date.now() - started : undefined;
};

/** Waits until the emulator saw no call for `quietMs` (the bot has finished, retries included). */
export const awaitQuiet = async (tg: Telegram, quietMs = 1500, timeoutMs = 30_000): Promise<void> => {
  let last = tg.emu.calls.length;
  let since = Date.now();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await sleep(200);
    const n = tg.emu.calls.length;
    if (n !== last) {
      last = n;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return;
  }
};

/** `/status` from each asker at once; resolves with the users who got no answer in `timeoutMs`, and the answer times. */
export const askStatus = async (
  tg: Telegram,
  askers: readonly EmuUser[],
  timeoutMs: number,
): Promise<{ unanswered: number[]; times: number[] }> => {
  const started = Date.now();
  const before = new Map(askers.map((u) => [u.id, tg.emu.sent(u.id).length]));
  for (const u of askers) tg.emu.userSays(u, u.id, '/status');
  const times = new Map<number, number>();
  await until(
    () => {
      for (const u of askers) if (!times.has(u.id) && tg.emu.sent(u.id).length > before.get(u.id)!) times.set(u.id, Date.now() - started);
      return times.size === askers.length;
    },
    timeoutMs,
    50,
  );
  return { unanswered: askers.filter((u) => !times.has(u.id)).map((u) => u.id), times: [...times.values()].sort((a, b) => a - b) };
};

export const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]! : 0;

// ── services ─────────────────────────────────────────────────────────────────────────────────

export const hasCommand = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

/** A redis-server of our own (we SIGSTOP it), no persistence. */
export const startRedis = async (port: number): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> => {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const up = await until(async () => {
    const r = spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' });
    return r.stdout.trim() === 'PONG';
  }, 10_000);
  await sleep(200);
  // Another worker's redis-server on the same port answers PONG too: ours must still be running.
  if (child.exitCode !== null || child.signalCode !== null) throw new Error(`redis-server on ${port} exited (port taken)`);
  if (!up) {
    child.kill('SIGKILL');
    throw new Error(`redis-server on ${port} did not start`);
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    child,
    stop: async () => {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(undefined) : child.once('exit', r)));
    },
  };
};

/** A redis-server of our own on the first of our ports that it can bind (two workers may race for one). */
export const startOwnRedis = async (): Promise<Awaited<ReturnType<typeof startRedis>>> => {
  for (let attempt = 0; ; attempt++) {
    try {
      return await startRedis(await redisPort());
    } catch (e) {
      if (attempt >= 4) throw e;
      await sleep(500 + Math.random() * 1000);
    }
  }
};

/** Our own redis ports (CHAOS_REDIS_PORTS, default the suite's range 6316–6319): the first free one. */
export const redisPort = async (): Promise<number> => {
  const ports = (process.env.CHAOS_REDIS_PORTS ?? '6316,6317,6318,6319').split(',').map(Number);
  for (const p of ports) {
    const free = await new Promise<boolean>((r) => {
      const s = createServer();
      s.once('error', () => r(false));
      s.listen(p, '127.0.0.1', () => s.close(() => r(true)));
    });
    if (free) return p;
  }
  return freePort();
};

// ── results ──────────────────────────────────────────────────────────────────────────────────

export interface ScenarioResult {
  readonly scenario: string;
  readonly fault: string;
  readonly checked: string;
  readonly passed: boolean;
  readonly figures: Record<string, string | number>;
  readonly violations: readonly string[];
  readonly ranAt?: string;
  readonly commit?: string;
  /** The machine's 1-minute load average when the scenario ended. */
  readonly load?: number;
}

const headCommit = (): string => {
  const r = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : 'unknown';
};

/** `npm run chaos` collects every scenario's result in CHAOS_RESULTS; docs/reliability.md is built from it. */
/**
 * Runs one scenario and records its result whatever happens: a scenario that cannot finish (an
 * instance crashed, a step was never accepted) is a failure with the reason, and the crashes seen.
 */
export const runScenario = async (
  meta: Omit<ScenarioResult, 'passed' | 'figures' | 'violations'>,
  bots: readonly Bot[],
  body: () => Promise<{ violations: string[]; figures: Record<string, string | number>; fault?: string }>,
): Promise<string[]> => {
  let result: { violations: string[]; figures: Record<string, string | number>; fault?: string };
  try {
    result = await body();
  } catch (e) {
    const crashed = bots.filter((b) => b.crashed());
    const why = crashed.map((b) => `${b.name} crashed (${b.exitInfo()}): ${lastWords(b)}`);
    result = { violations: [`did not finish: ${(e as Error).message.split('\n')[0]}`, ...why], figures: {} };
  }
  record({
    ...meta,
    ...(result.fault ? { fault: result.fault } : {}),
    passed: result.violations.length === 0,
    figures: result.figures,
    violations: result.violations,
  });
  return result.violations;
};

/** The last error a crashed instance printed (an uncaught exception's message). */
export const lastWords = (bot: Bot): string => {
  // Node prints the error's own line (`Error: …`, `[Error: …] {`, pg's `error: …`) at the start of a line, before the stack.
  const line = bot
    .output()
    .split('\n')
    .find((l) => /^\[?\w*(Error|error)\b[:\]]?/.test(l) && !/^\s+at /.test(l));
  return (
    line
      ?.trim()
      .replace(/\s*\{$/, '')
      .slice(0, 200) ?? 'no message'
  );
};

export const record = (r: ScenarioResult): void => {
  const file = process.env.CHAOS_RESULTS;
  const line = `[chaos] ${r.passed ? 'PASS' : 'FAIL'} ${r.scenario}: ${Object.entries(r.figures)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ')}${r.violations.length ? ` — ${r.violations.join('; ')}` : ''}`;
  console.log(line);
  if (file)
    appendFileSync(
      file,
      `${JSON.stringify({ ...r, ranAt: new Date().toISOString(), commit: headCommit(), load: Number(loadavg()[0]!.toFixed(1)) })}\n`,
    );
};

export const readResults = (file: string): ScenarioResult[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as ScenarioResult)
    : [];

// ── one broadcast under one fault ────────────────────────────────────────────────────────────

export interface FaultRun {
  /** Runs the fault; resolves when it is over, with the figures it measured. */
  (): Promise<Record<string, string | number>>;
}

export interface BroadcastOutcome {
  readonly verdict: StoryVerdict;
  /** From the end of the fault until every recipient showed the latest state. */
  readonly recoverMs: number | undefined;
  readonly figures: Record<string, string | number>;
  readonly unanswered: number;
  readonly stepAnswers: string;
}

/**
 * Step 1 of a three-step story goes out; once `faultAt` deliveries reached the platform the fault
 * starts, step 2 is sent while it lasts (the sender retries until 202, as a status page would),
 * step 3 right after it; then every recipient must show step 3, and a `/status` must be answered.
 */
export const broadcastUnderFault = async (opts: {
  tg: Telegram;
  story: Story;
  bots: () => readonly Bot[];
  faultAt: number;
  fault: FaultRun;
  recoverTimeoutMs?: number;
}): Promise<BroadcastOutcome> => {
  const { tg, story: s } = opts;
  const counter = new CallCounter(tg.emu);
  const answers: string[] = [];
  const first = await sendStep(s, 0, opts.bots);
  answers.push(`${first.tries}`);
  await until(() => counter.deliveries() >= opts.faultAt, 120_000, 20);
  const faultDone = opts.fault();
  await sleep(1000);
  const second = await sendStep(s, 1, opts.bots, 300_000);
  answers.push(`${second.tries}`);
  const figures = await faultDone;
  const faultEnd = Date.now();
  const third = await sendStep(s, 2, opts.bots, 300_000);
  answers.push(`${third.tries}`);
  const latest = await awaitLatest(tg, s, opts.recoverTimeoutMs ?? 180_000);
  const recoverMs = latest === undefined ? undefined : Date.now() - faultEnd;
  await awaitQuiet(tg);
  const asked = tg.askers.length ? await askStatus(tg, tg.askers.slice(0, 1), 30_000) : { unanswered: [] };
  return { verdict: judgeStory(tg, s), recoverMs, figures, unanswered: asked.unanswered.length, stepAnswers: answers.join('/') };
};

/** The invariants every scenario shares, as readable violations. */
export const commonViolations = (o: BroadcastOutcome, bots: readonly Bot[], duplicateBound: number): string[] => {
  const v: string[] = [];
  if (o.verdict.stale.length)
    v.push(`${o.verdict.stale.length} recipients do not show the latest state (e.g. ${o.verdict.stale.slice(0, 3).join(', ')})`);
  if (o.verdict.duplicates > duplicateBound) v.push(`${o.verdict.duplicates} duplicates > bound ${duplicateBound}`);
  const crashed = bots.filter((b) => b.crashed());
  if (crashed.length) v.push(`crashed: ${crashed.map((b) => `${b.name} (${b.exitInfo()}: ${lastWords(b)})`).join(', ')}`);
  if (o.unanswered) v.push('/status after the fault was not answered');
  return v;
};

export const commonFigures = (o: BroadcastOutcome): Record<string, string | number> => ({
  duplicates: o.verdict.duplicates,
  'all latest after fault ms': o.recoverMs ?? 'never',
  'webhook tries per step': o.stepAnswers,
  sends: o.verdict.sends,
});

// ── a polled status page ─────────────────────────────────────────────────────────────────────

/** The simulated page's story (src/demo/simulated-page.ts) as the judge sees it. */
export const pageStory = (): Story => ({
  id: 'page',
  name: 'Messages failing to send',
  steps: DEMO_SCRIPT.filter((st) => st.incident).map((st) => ({ status: st.incident!.status, marker: st.incident!.body })),
});

export interface PolledPage {
  readonly proxy: HttpFaultProxy;
  /** The statuspage source line for the bots' config. */
  readonly source: string;
  readonly intervalMs: number;
  /** Starts the outage story now (until then the page shows everything operational: the baseline). */
  begin(): Promise<number>;
  /** Summary polls, as seen at the page. */
  polls(since?: number): number[];
  stop(): Promise<void>;
}

/** The simulated Statuspage behind an HTTP proxy that counts every poll. */
export const startPolledPage = async (intervalMs = 1000): Promise<PolledPage> => {
  const calm = new SimulatedStatusPage(0.0001);
  const calmUrl = new URL(await calm.listen());
  const proxy = new HttpFaultProxy({ host: calmUrl.hostname, port: Number(calmUrl.port) });
  await proxy.start();
  let live: SimulatedStatusPage | undefined;
  return {
    proxy,
    source: `{ id: page, type: statuspage, url: "${proxy.url}/", interval: ${intervalMs}ms }`,
    intervalMs,
    begin: async () => {
      live = new SimulatedStatusPage(1);
      const u = new URL(await live.listen());
      proxy.retarget({ host: u.hostname, port: Number(u.port) });
      return Date.now();
    },
    polls: (since = 0) => proxy.requestsTo('/api/v2/summary.json', since).map((r) => r.at),
    stop: async () => {
      await proxy.stop();
      await calm.close();
      await live?.close();
    },
  };
};

/** The most polls in any window of `windowMs` (one poller at interval I makes about windowMs / I). */
export const maxPollsPerWindow = (at: readonly number[], windowMs: number): number => {
  let best = 0;
  for (let i = 0, j = 0; j < at.length; j++) {
    while (at[j]! - at[i]! >= windowMs) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
};

/** How many instances say they lead right now. */
export const leaders = async (bots: readonly Bot[]): Promise<number> =>
  (await Promise.all(bots.filter((b) => b.exitInfo() === undefined).map((b) => readyz(b)))).filter((r) => r?.leader).length;

// ── a PostgreSQL cluster of our own (we restart it) ──────────────────────────────────────────

export const PG_BIN = ['/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/15/bin', '/usr/lib/postgresql/14/bin'].find((d) =>
  existsSync(join(d, 'pg_ctl')),
);
export const canRunPostgres = (): boolean => Boolean(PG_BIN) && process.getuid?.() === 0 && hasCommand('su');

const asPostgres = (cmd: string): { ok: boolean; out: string } => {
  const r = spawnSync('su', ['postgres', '-s', '/bin/sh', '-c', cmd], { encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
};

export interface Postgres {
  readonly url: string;
  restart(): void;
  stop(): void;
  start(): void;
  destroy(): Promise<void>;
}

/** initdb + pg_ctl on its own port (CHAOS_PG_PORT, default 55440) and data directory, as user postgres. */
export const startPostgres = async (): Promise<Postgres> => {
  const port = Number(process.env.CHAOS_PG_PORT ?? 55440);
  const data = mkdtempSync(join(tmpdir(), 'sr-chaos-pg-'));
  spawnSync('chown', ['postgres:postgres', data]);
  const ctl = (args: string) => {
    const r = asPostgres(`${PG_BIN}/pg_ctl -D ${data} ${args}`);
    if (!r.ok) throw new Error(`pg_ctl ${args}: ${r.out}`);
  };
  const init = asPostgres(`${PG_BIN}/initdb -D ${data} -A trust -U postgres`);
  if (!init.ok) throw new Error(`initdb: ${init.out}`);
  const opts = `-o '-p ${port} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off' -l ${data}/log -w`;
  ctl(`${opts} start`);
  const created = asPostgres(`${PG_BIN}/psql -h 127.0.0.1 -p ${port} -U postgres -c 'CREATE DATABASE chaos'`);
  if (!created.ok) throw new Error(`createdb: ${created.out}`);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/chaos`,
    restart: () => ctl(`${opts} -m fast restart`),
    stop: () => ctl('-m fast -w stop'),
    start: () => ctl(`${opts} start`),
    destroy: async () => {
      asPostgres(`${PG_BIN}/pg_ctl -D ${data} -m immediate -w stop`);
      spawnSync('rm', ['-rf', data]);
    },
  };
};
