import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it, expect } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');
const SECRET = 'cli-webhook-secret-0123456789';

/** Runs `status-relay <args>` in a fresh folder with only this config; resolves on exit or once `until` is printed (then SIGTERM). */
const run = (yaml: string, args: string[], until?: RegExp): Promise<{ out: string; err: string; code: number | null }> => {
  const dir = mkdtempSync(join(tmpdir(), 'sr-cli-'));
  writeFileSync(join(dir, 'status-relay.yaml'), yaml);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CONFIG_FILE: join(dir, 'status-relay.yaml'),
    STORE_URL: `sqlite://${join(dir, 'store.sqlite')}`,
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    LOG_LEVEL: 'warn',
    HOOK_SECRET: SECRET,
  };
  for (const k of Object.keys(env)) if (/^(TELEGRAM_|SLACK_|DISCORD_)/.test(k)) delete env[k];
  const child = spawn(process.execPath, [join(ROOT, 'bin/status-relay.js'), ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
    if (until?.test(out)) child.kill('SIGTERM');
  });
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((r) => child.on('exit', (code) => r({ out, err, code })));
};

const OPEN = `
sources:
  - { id: hooks, type: webhook, format: generic, secret: "\${HOOK_SECRET}" }
  - { id: open, type: webhook, format: generic, insecure: true }
announce:
  - { platform: console, channel: "#ops" }
`;

describe('status-relay and webhook sources without a secret', () => {
  it('start and check-config refuse a webhook source without secret, with one line naming the setting and the fix', async () => {
    const yaml = 'sources:\n  - { id: alerts, type: webhook, format: alertmanager }\n';
    for (const args of [['start'], ['check-config']]) {
      const { err, code } = await run(yaml, args);
      expect(code).toBe(1);
      expect(err.trim().split('\n')).toHaveLength(1);
      expect(err).toMatch(
        /^status-relay: .*status-relay\.yaml sources\[0\]\.secret: webhook source "alerts" has no secret.*insecure: true/,
      );
    }
  }, 120_000);

  it('check-config accepts insecure: true and warns about it, without printing the other secret', async () => {
    const { out, code } = await run(OPEN, ['check-config']);
    expect(code).toBe(0);
    expect(out).toMatch(/^warning: sources\[1\] "open": insecure: true, so POST \/webhooks\/open accepts pushes from anyone/m);
    expect(out).not.toContain(SECRET);
    expect(out).toMatch(/status-relay\.yaml: OK/);
  }, 60_000);

  it('the start banner warns about an insecure source', async () => {
    const { out } = await run(OPEN, ['start'], /warning: .*\n/);
    expect(out).toMatch(/^Status Relay — /m);
    expect(out).toMatch(/^ {2}warning: {2}sources\[1\] "open": insecure: true/m);
    expect(out).not.toContain(SECRET);
  }, 60_000);
});
