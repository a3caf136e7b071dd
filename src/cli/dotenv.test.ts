import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadDotEnv } from './dotenv.ts';

const CLI = resolve(import.meta.dirname, '../../bin/status-relay.js');

/** The real CLI in `cwd`, with an environment free of the developer's own settings. */
const run = (cwd: string, args: string[], env: Record<string, string> = {}) => {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !/^(CONFIG_FILE|STORE_URL|HTTP_|LOG_LEVEL|DEFAULT_LOCALE|ADMIN_API_TOKEN|TELEGRAM_|SLACK_|DISCORD_)/.test(k),
    ),
  );
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, output: () => out, done };
};

const freePort = () =>
  new Promise<number>((r) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => r(port));
    });
  });

const dirWithEnv = (text: string): string => {
  const dir = mkdtempSync(join(tmpdir(), 'sr-dotenv-'));
  writeFileSync(join(dir, '.env'), text);
  return dir;
};

const children: { child: { kill(signal: NodeJS.Signals): boolean } }[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.child.kill('SIGKILL');
});

describe('.env in the working directory', () => {
  it('fills unset variables only: the real environment wins', () => {
    const dir = dirWithEnv('DEFAULT_LOCALE=de\nHTTP_PORT=9999\n# a comment\nADMIN_API_TOKEN="s3cret token"\n');
    const env: NodeJS.ProcessEnv = { HTTP_PORT: '7000' };
    expect(loadDotEnv(dir, env)).toBe(join(dir, '.env'));
    expect(env).toEqual({ HTTP_PORT: '7000', DEFAULT_LOCALE: 'de', ADMIN_API_TOKEN: 's3cret token' });
    expect(loadDotEnv(mkdtempSync(join(tmpdir(), 'sr-noenv-')), env)).toBeUndefined();
  });

  it('check-config reads it, says which file it read, masks the token, and the real environment wins', async () => {
    const dir = dirWithEnv('DEFAULT_LOCALE=de\nHTTP_PORT=9999\nADMIN_API_TOKEN=from-dot-env-123\n');
    const a = run(dir, ['check-config']);
    expect(await a.done).toBe(0);
    const out = a.output();
    expect(out).toContain('"DEFAULT_LOCALE": "de"');
    expect(out).toContain('"HTTP_PORT": 9999');
    expect(out).toContain('"ADMIN_API_TOKEN": "********"');
    expect(out).not.toContain('from-dot-env-123');
    expect(out).toContain(`read ${join(dir, '.env')}`);

    const b = run(dir, ['check-config'], { DEFAULT_LOCALE: 'fr' });
    expect(await b.done).toBe(0);
    expect(b.output()).toContain('"DEFAULT_LOCALE": "fr"');
    expect(b.output()).toContain('"HTTP_PORT": 9999');
  });

  it('check-config says when there is no .env', async () => {
    const a = run(mkdtempSync(join(tmpdir(), 'sr-noenv-')), ['check-config']);
    expect(await a.done).toBe(0);
    expect(a.output()).toContain('no .env in the working directory');
  });

  it('start listens on the HTTP_PORT of .env', async () => {
    const port = await freePort();
    const dir = dirWithEnv(`HTTP_HOST=127.0.0.1\nHTTP_PORT=${port}\nLOG_LEVEL=warn\nSTORE_URL=sqlite://./state.sqlite\n`);
    const bot = run(dir, ['start', '--fast']);
    children.push(bot);
    const deadline = Date.now() + 60_000;
    let status = 0;
    while (Date.now() < deadline && status !== 200) {
      status = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.status,
        () => 0,
      );
      if (status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(status, bot.output()).toBe(200);
  }, 90_000);

  it('the incident CLI takes ADMIN_API_TOKEN from .env', async () => {
    const port = await freePort();
    const dir = dirWithEnv(`ADMIN_API_TOKEN=abc\nHTTP_PORT=${port}\n`);
    const a = run(dir, ['incident', 'open', 'Test']);
    await a.done;
    // Nothing listens on that port: the CLI got past the token check and tried the bot there.
    expect(a.output()).not.toContain('ADMIN_API_TOKEN: is not set');
    expect(a.output()).toContain(`cannot reach http://127.0.0.1:${port}`);
  });
});
