import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it, expect } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');

describe('npm start on a fresh clone (the demo)', () => {
  it('replays the outage in English and Chinese, answers /status, and stops cleanly on SIGTERM', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'sr-demo-'));
    const env: NodeJS.ProcessEnv = { ...process.env, HTTP_PORT: '0', HTTP_HOST: '127.0.0.1' };
    for (const k of Object.keys(env)) if (/^(CONFIG_FILE|STORE_URL|TELEGRAM_|SLACK_|DISCORD_)/.test(k)) delete env[k];
    const child = spawn(process.execPath, [join(ROOT, 'bin/status-relay.js'), 'start', '--fast'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    await new Promise<void>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`demo did not finish:\n${out}`)), 60_000);
      child.stdout.on('data', () => {
        if (out.includes('The demo story is over')) {
          clearTimeout(timer);
          res();
        }
      });
    });
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(0);
    // What it uses, and how to add real tokens.
    expect(out).toMatch(/sources: +page \(statuspage http:\/\/127\.0\.0\.1:\d+\/, every 1 s\)/);
    expect(out).toContain('adapters: console');
    expect(out).toMatch(/store: +sqlite:\/\/.*data\/status-relay\.sqlite/);
    expect(out).toContain('TELEGRAM_BOT_TOKEN');
    // The whole story in both languages: opened, updates, resolution.
    for (const text of ['Investigating', 'Identified', 'Monitoring', 'Resolved', '调查中', '已查明原因', '观察中', '已解决', '#announcements', '#公告'])
      expect(out, text).toContain(text);
    expect(out).toContain('$ /status');
    expect(out).toContain('所有系统运行正常');
  }, 90_000);
});
