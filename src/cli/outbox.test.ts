import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, it, expect, afterEach } from 'vitest';
import { startTestApp, type TestApp } from '../../test/helpers/app.ts';
import { ScriptedPlatform } from '../../test/helpers/scripted-platform.ts';
import { waitFor } from '../../test/helpers/child.ts';
import type { DeadLetter } from '../delivery/dead-letters.ts';
import { deadLetterTable, shortAge } from './outbox.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const run = promisify(execFile);

/** The real CLI (`node bin/status-relay.js …`) against the test app's SQLite file, from a folder without a config file. */
const cli = async (storeUrl: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> => {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, STORE_URL: storeUrl, LOG_LEVEL: 'silent' };
  try {
    const { stdout, stderr } = await run(process.execPath, [join(ROOT, 'bin/status-relay.js'), 'outbox', ...args], {
      cwd: mkdtempSync(join(tmpdir(), 'sr-cli-')),
      env,
      timeout: 60_000,
    });
    return { code: 0, out: stdout, err: stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: x.code ?? 1, out: x.stdout ?? '', err: x.stderr ?? '' };
  }
};

const YAML = `
service: { name: Chatter, locales: [en] }
sources: [{ id: gen, type: webhook, format: generic, insecure: true }]
announce:
  - { platform: console, channel: A }
  - { platform: console, channel: B }
  - { platform: console, channel: C }
`;

const push = (t: TestApp, status: string, message: string) =>
  fetch(`${t.baseUrl}/webhooks/gen`, {
    method: 'POST',
    body: JSON.stringify({ incident: { id: 'i1', name: 'Outage', status, impact: 'major', message } }),
  });

const letters = async (t: TestApp): Promise<DeadLetter[]> => {
  const out: DeadLetter[] = [];
  for await (const l of t.app.outbox.deadLetters.list()) out.push(l);
  return out;
};

describe('status-relay outbox list|retry|drop', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('formats ages and the table', () => {
    expect([shortAge(12_000), shortAge(250_000), shortAge(2 * 3_600_000 + 5 * 60_000), shortAge(3 * 86_400_000 + 4 * 3_600_000)]).toEqual([
      '12s',
      '4m10s',
      '2h05m',
      '3d4h',
    ]);
    expect(deadLetterTable([])).toBe('0 dead letters');
  });

  it(
    'lists dead letters; retry re-sends one through the running bot; drop forgets one; a stale retry is not sent over a newer state',
    { timeout: 120_000 },
    async () => {
      const platform = new ScriptedPlatform();
      platform.failures = [
        { chat: 'A', kind: 'permanent', times: 1 },
        { chat: 'B', kind: 'permanent', times: 1 },
        { chat: 'C', kind: 'permanent', times: 1 },
      ];
      t = await startTestApp(YAML, {}, { adapters: [platform], requeuePollMs: 200 });
      await push(t, 'investigating', 'one');
      await waitFor(async () => (await letters(t!)).length === 3, 15_000);
      const byChat = new Map((await letters(t)).map((l) => [l.job.target.chatId, l.job.id]));

      const list = await cli(t.storeUrl, 'list');
      expect(list.code).toBe(0);
      const lines = list.out.trim().split('\n');
      expect(lines[0]).toMatch(/^ID\s+PLATFORM\s+TARGET\s+REASON\s+AGE\s+STORY\s+LAST ERROR$/);
      expect(lines).toHaveLength(5);
      expect(lines.at(-1)).toBe('3 dead letters');
      const rowA = lines.find((l) => l.startsWith(byChat.get('A')!))!;
      expect(rowA).toMatch(/console\s+channel:A\s+permanent \(permanent\)\s+\d+s\s+incident:gen:i1\s+scripted permanent$/);

      // retry by a unique id prefix: the running leader takes it in and sends it.
      const retried = await cli(t.storeUrl, 'retry', byChat.get('A')!.slice(0, 10));
      expect(retried.code).toBe(0);
      expect(retried.out).toContain(`re-queued ${byChat.get('A')}`);
      await waitFor(() => platform.calls.some((c) => c.chat === 'A' && c.op === 'send'), 15_000);
      expect(platform.calls.filter((c) => c.chat === 'A').map((c) => c.title)).toEqual(['Chatter · Major incident · Investigating']);
      expect(await t.app.drained()).toBe(true);

      const dropped = await cli(t.storeUrl, 'drop', byChat.get('B')!);
      expect(dropped.code).toBe(0);
      expect(dropped.out).toContain(`dropped ${byChat.get('B')}`);
      expect((await letters(t)).map((l) => l.job.target.chatId)).toEqual(['C']);

      // C meanwhile shows a newer state of the story: re-sending the old one would turn its post back.
      await push(t, 'identified', 'two');
      await waitFor(() => platform.calls.some((c) => c.chat === 'C'));
      expect(await t.app.drained()).toBe(true);
      const all = await cli(t.storeUrl, 'retry', 'all');
      expect(all.out).toContain('1 dead letter re-queued');
      await waitFor(async () => (await t!.app.store.namespace('outbox-requeue').get(byChat.get('C')!)) === undefined, 15_000);
      expect(await t.app.drained()).toBe(true);
      expect(platform.calls.filter((c) => c.chat === 'C').map((c) => c.title)).toEqual(['Chatter · Major incident · Identified']);

      const unknown = await cli(t.storeUrl, 'drop', 'ffffffff');
      expect(unknown.code).toBe(1);
      expect(unknown.err).toContain('no dead letter "ffffffff"');
      expect((await cli(t.storeUrl, 'list')).out.trim()).toBe('0 dead letters');
    },
  );
});

const push2 = (t: TestApp, incident: string) =>
  fetch(`${t.baseUrl}/webhooks/gen`, {
    method: 'POST',
    body: JSON.stringify({ incident: { id: incident, name: 'Outage', status: 'investigating', impact: 'major', message: 'one' } }),
  });

/** The CLI and the bot share only the store: the same flow on every backend (Redis and PostgreSQL when the CI provides them). */
const stores: [string, string | undefined][] = [
  ['sqlite', 'sqlite'],
  ['redis', process.env.TEST_REDIS_URL],
  ['postgres', process.env.TEST_POSTGRES_URL],
];
for (const [kind, url] of stores) {
  if (!url) {
    describe(`outbox retry while stopped: ${kind}`, () => it(`was not run: TEST_${kind.toUpperCase()}_URL is not set`, () => {}));
    continue;
  }
  describe(`outbox retry while stopped: ${kind}`, () => {
    let t: TestApp | undefined;
    afterEach(async () => {
      await t?.stop();
      t = undefined;
    });

    it('a retry made while the bot is stopped is sent at its next start', { timeout: 90_000 }, async () => {
      // Shared servers keep earlier runs' data: a fresh incident id, and only its letters count.
      const incident = `i-${Date.now()}`;
      const env: Record<string, string> = kind === 'sqlite' ? {} : { STORE_URL: url };
      const platform = new ScriptedPlatform();
      platform.failures = [{ chat: 'A', kind: 'permanent', times: 1 }];
      t = await startTestApp(YAML, env, { adapters: [platform] });
      await push2(t, incident);
      const mine = async (app: TestApp) => (await letters(app)).filter((l) => l.job.story === `incident:gen:${incident}`);
      await waitFor(async () => (await mine(t!)).length === 1, 15_000);
      expect(await t.app.drained()).toBe(true);
      const [letter] = await mine(t);
      const storeUrl = t.storeUrl;
      await t.stop();
      t = undefined;

      const retried = await cli(storeUrl, 'retry', letter!.job.id);
      expect(retried.code).toBe(0);
      expect(retried.out).toContain('1 dead letter re-queued');

      const next = new ScriptedPlatform();
      t = await startTestApp(YAML, { STORE_URL: storeUrl }, { adapters: [next], requeuePollMs: 200 });
      await waitFor(() => next.calls.some((c) => c.chat === 'A'), 30_000);
      expect(await t.app.drained()).toBe(true);
      expect(next.calls.map((c) => `${c.op} ${c.chat} ${c.title}`)).toEqual(['send A Chatter · Major incident · Investigating']);
      expect(await mine(t)).toEqual([]);
    });
  });
}
