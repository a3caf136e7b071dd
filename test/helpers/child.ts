import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');

export interface BotProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** Everything the process wrote to stdout so far (its log lines with CHILD_LOG set). */
  readonly stdout: () => string;
  /** Everything the child wrote to stdout so far (its pino log with CHILD_LOG set). */
  output(): string;
}

/** Starts test/e2e/crash-child.ts (a bot whose only adapter appends deliveries to OUT_FILE) and waits for READY. */
export const startBotProcess = (env: Record<string, string>): Promise<BotProcess> =>
  new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['bin/run-ts.js', 'test/e2e/crash-child.ts'], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /READY (\d+)/.exec(out);
      if (m) resolvePromise({ child, port: Number(m[1]), stdout: () => out, output: () => out });
    });
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => reject(new Error(`child exited (${code}) before ready: ${err}`)));
  });

export const exited = (child: ChildProcess): Promise<NodeJS.Signals | number | null> =>
  new Promise((r) =>
    child.exitCode !== null || child.signalCode !== null
      ? r(child.signalCode ?? child.exitCode)
      : child.once('exit', (code, signal) => r(signal ?? code)),
  );

/** Polls until `check` holds; resolves with the time it took. */
export const waitFor = async (check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<number> => {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
  return Date.now() - start;
};

export interface Delivered {
  chat: string;
  title: string;
  pid: number;
}

/** What the bot processes delivered. A SIGKILLed one may leave a torn line (killed mid-write): that send did not finish. */
export const deliveries = (file: string): Delivered[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('{') && l.endsWith('}'))
        .map((l) => JSON.parse(l) as Delivered)
    : [];
