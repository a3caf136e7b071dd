import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');

describe('the --fast demo shows KPIs, advice and a digest through the console adapter', () => {
  it('prints numbers in announcements and /status, advice, the probed API going down and up, and one digest per channel', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'sr-demo-kpi-'));
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
    expect(await new Promise<number | null>((r) => child.on('exit', (c) => r(c)))).toBe(0);
    // KPIs in the outage announcements, in both languages: the story's "p95 1.8 s, error rate 4.1 %".
    expect(out).toMatch(/Uptime \(24 h\): [\d.]+%/);
    expect(out).toMatch(/Response time p50 \/ p95: [\d.]+ (ms|sec) \/ 1\.[89]\d* sec/);
    expect(out).toMatch(/Error rate: [1-4]\.\d+%/);
    expect(out).toMatch(/可用率（24 小时）: [\d.]+%/);
    // Advice from config and the catalogue; none on the resolution.
    expect(out).toContain('Check your own internet connection');
    expect(out).toContain('API clients: retry with exponential back-off');
    // The probe saw the simulated API fail and recover.
    expect(out).toContain('Public API changed from Operational to Major outage');
    expect(out).toContain('Public API changed from Major outage to Operational');
    // One digest in each channel.
    expect(out.match(/Chatter · Summary/g)).toHaveLength(1);
    expect(out.match(/Chatter · 摘要/g)).toHaveLength(1);
    expect(out).toMatch(/All components: uptime [\d.]+%/);
    // /status carries the numbers too.
    expect(out.slice(out.indexOf('$ /status'))).toMatch(/Error rate: [\d.]+%/);
  }, 90_000);
});
