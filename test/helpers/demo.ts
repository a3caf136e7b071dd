import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');

/**
 * `status-relay start --fast` as a newcomer runs it (fresh folder, no config, no token), until the
 * story is over; then SIGTERM. Returns everything it printed and its exit code.
 */
export const runFastDemo = async (
  timeoutMs = 60_000,
  /** Runs once the story is over, while the demo still serves HTTP. */
  beforeStop?: (out: string) => Promise<void>,
): Promise<{ out: string; code: number | null }> => {
  const cwd = mkdtempSync(join(tmpdir(), 'sr-demo-'));
  const env: NodeJS.ProcessEnv = { ...process.env, HTTP_PORT: '0', HTTP_HOST: '127.0.0.1' };
  for (const k of Object.keys(env)) if (/^(CONFIG_FILE|STORE_URL|TELEGRAM_|SLACK_|DISCORD_)/.test(k)) delete env[k];
  const child = spawn(process.execPath, [join(ROOT, 'bin/status-relay.js'), 'start', '--fast'], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  await new Promise<void>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`demo did not finish:\n${out}`)), timeoutMs);
    child.stdout.on('data', () => {
      if (out.includes('The demo story is over')) {
        clearTimeout(timer);
        res();
      }
    });
  });
  try {
    if (beforeStop) await beforeStop(out);
  } finally {
    child.kill('SIGTERM');
  }
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  return { out, code };
};
