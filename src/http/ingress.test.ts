import { createHmac } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { createServer, request } from 'node:http';
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startTestApp, type TestApp } from '../../test/helpers/app.ts';
import { streamPost } from '../../test/helpers/raw-http.ts';
import { NOT_RUN, readSharedText, sharedFixtureFiles, sharedFixturesPresent } from '../../test/helpers/fixtures.ts';
import { parseConfigText } from '../core/config.ts';
import { ConfigError } from '../core/errors.ts';
import { configWarnings } from '../core/config-warnings.ts';
import { HttpError, readBody } from './routes.ts';

const SECRET = 'ingress-secret-0123456789';
const YAML = `
service: { name: Chatter, locales: [en] }
sources:
  - { id: hooks, type: webhook, format: generic, secret: "${SECRET}" }
  - { id: strict, type: webhook, format: generic, secret: "${SECRET}", requireTimestamp: true }
announce:
  - { platform: console, channel: "#ops", locale: en }
`;

const hmac = (data: string, secret = SECRET) => createHmac('sha256', secret).update(data).digest('hex');
const push = (component: string, status: string) => JSON.stringify({ components: [{ name: component, status }] });
const nowS = () => Math.floor(Date.now() / 1000);

const statusOf = (t: TestApp, id: string) => t.app.tracker.currentComponents().find((c) => c.id === id)?.status;
/** Announcements printed by the console adapter, one per new post. */
const posts = (t: TestApp) => t.consoleText().split('new post').length - 1;

describe('webhook body limit over a real socket', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(YAML);
  });
  afterAll(async () => t.stop());

  it('a 2 MiB push gets a readable 413 (no EPIPE), with Content-Length or chunked, fast or slow; nothing stored; the server stays healthy', async () => {
    const big = Buffer.alloc(2 * 1_048_576, 0x20);
    for (const options of [
      {},
      { chunked: true },
      { chunkBytes: 16 * 1024, pauseMs: 2 },
      { chunked: true, chunkBytes: 16 * 1024, pauseMs: 2 },
    ]) {
      const res = await streamPost(`${t.baseUrl}/webhooks/hooks?token=${SECRET}`, big, {}, options);
      expect(res, JSON.stringify(options)).toMatchObject({ status: 413, headers: { connection: 'close' } });
      if ('status' in res) expect(JSON.parse(res.body)).toMatchObject({ error: expect.stringMatching(/over 1048576 bytes/) });
    }
    expect(t.app.tracker.currentComponents()).toEqual([]);
    expect((await fetch(`${t.baseUrl}/healthz`)).status).toBe(200);
    const ok = await fetch(`${t.baseUrl}/webhooks/hooks?token=${SECRET}`, { method: 'POST', body: push('Limits', 'major_outage') });
    expect(ok.status).toBe(202);
    await t.app.processed();
    expect(statusOf(t, 'Limits')).toBe('major_outage');
  });

  it('Expect: 100-continue with an oversize Content-Length is refused before the body is sent', async () => {
    const res = await new Promise<{ status: number; body: string; continued: boolean }>((resolve, reject) => {
      {
        let continued = false;
        const req = request(`${t.baseUrl}/webhooks/hooks?token=${SECRET}`, {
          method: 'POST',
          headers: { expect: '100-continue', 'content-length': String(5 * 1_048_576) },
        });
        req.on('continue', () => (continued = true));
        req.on('response', (r) => {
          let body = '';
          r.on('data', (c: Buffer) => (body += c.toString()));
          r.on('end', () => resolve({ status: r.statusCode ?? 0, body, continued }));
        });
        req.on('error', reject);
        req.flushHeaders();
      }
    });
    expect(res).toMatchObject({ status: 413, continued: false });
    expect(JSON.parse(res.body)).toMatchObject({ error: expect.stringMatching(/over 1048576 bytes/) });
  });
});

describe('readBody drain bounds', () => {
  const serve = async (limits: Parameters<typeof readBody>[1]) => {
    const server = createServer((req, res) => {
      readBody(req, limits).then(
        (b) => res.end(`ok ${b.length}`),
        (e: unknown) => {
          res.writeHead(e instanceof HttpError ? e.status : 500, { connection: 'close' });
          res.end(String((e as Error).message));
        },
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    return { url: `http://127.0.0.1:${port}/`, close: () => new Promise<void>((r) => server.close(() => r())) };
  };

  /** Writes `total` bytes chunked, 1 KiB per `pauseMs`, and reports how much was written when the answer came. */
  const dripUntilAnswered = (url: string, total: number, pauseMs: number) =>
    new Promise<{ status: number; writtenWhenAnswered: number }>((resolve, reject) => {
      let written = 0;
      let answered = false;
      const req = request(url, { method: 'POST' });
      req.on('response', (r) => {
        answered = true;
        resolve({ status: r.statusCode ?? 0, writtenWhenAnswered: written });
        r.resume();
      });
      req.on('error', (e) => (answered ? undefined : reject(e)));
      const step = () => {
        if (answered || req.destroyed) return;
        if (written >= total) return void req.end();
        req.write(Buffer.alloc(1024, 0x20));
        written += 1024;
        setTimeout(step, pauseMs);
      };
      step();
    });

  it('drains within the bounds, and answers 413 as soon as the byte or the time bound is passed, without holding the body', async () => {
    const bytes = await serve({ limit: 1000, drainMaxBytes: 64 * 1024, drainMaxMs: 60_000 });
    expect(await streamPost(bytes.url, Buffer.alloc(32 * 1024, 0x20), {}, { chunked: true })).toMatchObject({ status: 413 });
    const overBytes = await dripUntilAnswered(bytes.url, 16 * 1_048_576, 0);
    expect(overBytes.status).toBe(413);
    expect(overBytes.writtenWhenAnswered).toBeLessThan(16 * 1_048_576);
    await bytes.close();
    const time = await serve({ limit: 1000, drainMaxBytes: 64 * 1_048_576, drainMaxMs: 300 });
    // About 10 s of writing at 1 KiB per 25 ms: the answer comes at the time bound instead.
    const overTime = await dripUntilAnswered(time.url, 400 * 1024, 25);
    expect(overTime.status).toBe(413);
    expect(overTime.writtenWhenAnswered).toBeLessThan(400 * 1024);
    await time.close();
  });
});

describe('webhook authentication', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(YAML);
  });
  afterAll(async () => t.stop());

  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${t.baseUrl}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

  it('refuses a push without credentials, or with wrong ones, with 401 and stores nothing', async () => {
    const body = push('Unauthenticated', 'major_outage');
    for (const [path, headers] of [
      ['/webhooks/hooks', {}],
      ['/webhooks/hooks', { authorization: 'Bearer wrong-secret' }],
      ['/webhooks/hooks', { authorization: `Basic ${Buffer.from(`x:${SECRET}`).toString('base64')}` }],
      ['/webhooks/hooks?token=wrong', {}],
      ['/webhooks/hooks', { 'x-signature-256': `sha256=${hmac(body, 'wrong')}` }],
    ] as const) {
      const res = await post(path, body, headers);
      expect(res.status, `${path} ${JSON.stringify(headers)}`).toBe(401);
      expect(((await res.json()) as { error: string }).error).toEqual(expect.any(String));
    }
    await t.app.processed();
    expect(statusOf(t, 'Unauthenticated')).toBeUndefined();
    const stored = [];
    for await (const e of t.app.store.namespace('components').entries()) stored.push(e);
    expect(stored).toEqual([]);
  });

  it('accepts Authorization: Bearer, ?token= and an HMAC signature', async () => {
    expect((await post('/webhooks/hooks', push('ByBearer', 'major_outage'), { authorization: `Bearer ${SECRET}` })).status).toBe(202);
    expect((await post(`/webhooks/hooks?token=${SECRET}`, push('ByToken', 'major_outage'))).status).toBe(202);
    const body = push('ByHmac', 'major_outage');
    expect((await post('/webhooks/hooks', body, { 'x-signature-256': `sha256=${hmac(body)}` })).status).toBe(202);
    await t.app.processed();
    expect([statusOf(t, 'ByBearer'), statusOf(t, 'ByToken'), statusOf(t, 'ByHmac')]).toEqual([
      'major_outage',
      'major_outage',
      'major_outage',
    ]);
  });

  it('requireTimestamp: refuses a push without X-Signature-Timestamp (body-only HMAC, Bearer, ?token=) with 401; a signed timestamp is accepted', async () => {
    const body = push('Strict', 'major_outage');
    for (const [path, headers] of [
      ['/webhooks/strict', { 'x-signature-256': `sha256=${hmac(body)}` }],
      ['/webhooks/strict', { authorization: `Bearer ${SECRET}` }],
      [`/webhooks/strict?token=${SECRET}`, {}],
    ] as const) {
      const res = await post(path, body, headers);
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(((await res.json()) as { error: string }).error).toMatch(/requireTimestamp/);
    }
    await t.app.processed();
    expect(statusOf(t, 'Strict')).toBeUndefined();
    const ts = nowS();
    expect(
      (await post('/webhooks/strict', body, { 'x-signature-timestamp': String(ts), 'x-signature-256': `sha256=${hmac(`${ts}.${body}`)}` }))
        .status,
    ).toBe(202);
    await t.app.processed();
    expect(statusOf(t, 'Strict')).toBe('major_outage');
  });

  it('refuses the same signed request replayed within the window (409), and nothing is announced', async () => {
    const outage = push('Messaging', 'major_outage');
    const ts = nowS();
    const captured = { 'x-signature-timestamp': String(ts), 'x-signature-256': `sha256=${hmac(`${ts}.${outage}`)}` };
    expect((await post('/webhooks/hooks', outage, captured)).status).toBe(202);
    const recovered = push('Messaging', 'operational');
    const ts2 = nowS() + 1;
    expect(
      (
        await post('/webhooks/hooks', recovered, {
          'x-signature-timestamp': String(ts2),
          'x-signature-256': `sha256=${hmac(`${ts2}.${recovered}`)}`,
        })
      ).status,
    ).toBe(202);
    expect(await t.app.drained()).toBe(true);
    const before = posts(t);
    await t.app.processed();
    expect(statusOf(t, 'Messaging')).toBe('operational');

    const replay = await post('/webhooks/hooks', outage, captured);
    expect(replay.status).toBe(409);
    expect(((await replay.json()) as { error: string }).error).toMatch(/already accepted .*replay/);
    // A body-only signature is remembered too.
    const plain = push('Plain', 'degraded_performance');
    expect((await post('/webhooks/hooks', plain, { 'x-signature-256': `sha256=${hmac(plain)}` })).status).toBe(202);
    expect((await post('/webhooks/hooks', plain, { 'x-signature-256': `sha256=${hmac(plain)}` })).status).toBe(409);

    expect(await t.app.drained()).toBe(true);
    await t.app.processed();
    expect(statusOf(t, 'Messaging')).toBe('operational');
    expect(posts(t)).toBe(before + 1); // the "Plain" push, not the replay
    const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/^status_relay_webhooks_rejected_total [1-9]/m);
  });

  it('a stale timestamp is 401 and stores nothing', async () => {
    const body = push('Stale', 'major_outage');
    const ts = nowS() - 3600;
    const res = await post('/webhooks/hooks', body, {
      'x-signature-timestamp': String(ts),
      'x-signature-256': `sha256=${hmac(`${ts}.${body}`)}`,
    });
    expect(res.status).toBe(401);
    await t.app.processed();
    expect(statusOf(t, 'Stale')).toBeUndefined();
  });
});

describe('webhook sources need a secret (or insecure: true)', () => {
  const refusal = (yaml: string): string => {
    try {
      parseConfigText(yaml, {}, 'status-relay.yaml');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as Error).message;
    }
    throw new Error('expected a ConfigError');
  };

  it('refuses a webhook source without secret with one line naming the setting and the fix', () => {
    const message = refusal('sources:\n  - { id: page, type: manual }\n  - { id: alerts, type: webhook, format: alertmanager }\n');
    expect(message).toMatch(
      /^status-relay\.yaml sources\[1\]\.secret: webhook source "alerts" has no secret.*set secret: .*or write insecure: true/,
    );
    expect(message).not.toContain('\n');
    expect(refusal('sources:\n  - { id: a, type: webhook, format: generic, secret: "" }\n')).toMatch(/sources\[0\]\.secret: is empty/);
    expect(refusal('sources:\n  - { id: a, type: webhook, format: generic, insecure: true, requireTimestamp: true }\n')).toMatch(
      /sources\[0\]\.requireTimestamp: .*no secret/,
    );
    expect(refusal('sources:\n  - { id: a, type: webhook, format: generic, secret: x, insecure: true }\n')).toMatch(
      /sources\[0\]\.insecure: /,
    );
  });

  it('accepts insecure: true, with a warning; a short secret is warned about too', () => {
    const cfg = parseConfigText(
      'sources:\n  - { id: open, type: webhook, format: generic, insecure: true }\n  - { id: weak, type: webhook, format: generic, secret: abc }\n  - { id: good, type: webhook, format: generic, secret: "0123456789abcdef0123" }\n',
      {},
    );
    const warnings = configWarnings(cfg);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/sources\[0\] "open": insecure: true, so POST \/webhooks\/open accepts pushes from anyone/);
    expect(warnings[1]).toMatch(/sources\[1\] "weak": the secret is shorter than 16 characters/);
    expect(warnings.join('\n')).not.toContain('abc ');
  });

  it('an insecure source accepts a push without credentials', async () => {
    const t = await startTestApp('sources:\n  - { id: open, type: webhook, format: generic, insecure: true }\n');
    try {
      const res = await fetch(`${t.baseUrl}/webhooks/open`, { method: 'POST', body: push('Open', 'major_outage') });
      expect(res.status).toBe(202);
      await t.app.processed();
      expect(statusOf(t, 'Open')).toBe('major_outage');
    } finally {
      await t.stop();
    }
  });
});

/** A real full disk under SQLite: a small tmpfs filled to the last byte. Needs mount rights (root in CI). */
const mountTmpfs = (): string | undefined => {
  const dir = mkdtempSync(join(tmpdir(), 'sr-ingress-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
};
const unmount = (dir: string) => {
  execFileSync('umount', [dir]);
  rmSync(dir, { recursive: true, force: true });
};
/** Tried once when the file is collected, and undone at once: the suite's own mount lives only between its hooks. */
const canMountTmpfs = ((): boolean => {
  if (process.platform !== 'linux') return false;
  const probe = mountTmpfs();
  if (probe) unmount(probe);
  return probe !== undefined;
})();

const suite = canMountTmpfs ? describe : describe.skip;
suite(
  canMountTmpfs
    ? 'webhook while the store cannot write (SQLite on a full tmpfs)'
    : 'webhook while the store cannot write: was not run (no rights to mount a tmpfs here)',
  () => {
    let t: TestApp;
    let mountPoint: string;
    beforeAll(async () => {
      mountPoint = mountTmpfs()!;
      t = await startTestApp(YAML, { STORE_URL: `sqlite://${mountPoint}/store.sqlite` });
    });
    afterAll(async () => {
      await t.stop();
      unmount(mountPoint);
    });

    it("answers 503 with Retry-After, records nothing, and the sender's retry succeeds", async () => {
      const filler = join(mountPoint, 'filler');
      const fd = openSync(filler, 'w');
      try {
        for (const chunk = Buffer.alloc(4096, 1); ;) writeSync(fd, chunk);
      } catch (e) {
        expect((e as NodeJS.ErrnoException).code).toBe('ENOSPC');
      } finally {
        closeSync(fd);
      }
      const body = push('Messaging', 'major_outage');
      const ts = nowS();
      const signed = {
        'content-type': 'application/json',
        'x-signature-timestamp': String(ts),
        'x-signature-256': `sha256=${hmac(`${ts}.${body}`)}`,
      };
      const refused = await fetch(`${t.baseUrl}/webhooks/hooks`, { method: 'POST', body, headers: signed });
      expect(refused.status).toBe(503);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(((await refused.json()) as { error: string }).error).toMatch(/nothing was recorded/);
      expect(await t.app.drained()).toBe(true);
      await t.app.processed();
      expect(statusOf(t, 'Messaging')).toBeUndefined();
      expect(t.app.outbox.depth()).toBe(0);
      expect(posts(t)).toBe(0);

      unlinkSync(filler);
      // The same signed request: a refused push is not remembered as seen, so its retry is no replay.
      const retried = await fetch(`${t.baseUrl}/webhooks/hooks`, { method: 'POST', body, headers: signed });
      expect(retried.status).toBe(202);
      expect(await t.app.drained()).toBe(true);
      await t.app.processed();
      expect(statusOf(t, 'Messaging')).toBe('major_outage');
      expect(posts(t)).toBe(1);
      expect(t.consoleText()).toContain('Messaging: Major outage');
    });
  },
);

/** Real senders' payloads (../shared/fixtures) through the real route, each way a sender can authenticate. */
describe('real webhook payloads through POST /webhooks/:id with credentials', () => {
  const formats = { alertmanager: 'alertmanager', grafana: 'grafana', instatus: 'instatus', 'statuspage-webhook': 'statuspage' } as const;
  for (const [dir, format] of Object.entries(formats)) {
    if (!sharedFixturesPresent(dir)) {
      it(`${dir}: ${NOT_RUN(dir)}`, () => undefined);
      continue;
    }
    it(`${dir}: every file is accepted with Bearer, ?token= and an HMAC signature over a timestamp`, async () => {
      const t = await startTestApp(`sources:\n  - { id: src, type: webhook, format: ${format}, secret: "${SECRET}" }\n`);
      try {
        for (const file of sharedFixtureFiles(dir)) {
          const body = readSharedText(dir, file);
          const ts = nowS();
          for (const [path, headers] of [
            ['/webhooks/src', { authorization: `Bearer ${SECRET}` }],
            [`/webhooks/src?token=${SECRET}`, {}],
            ['/webhooks/src', { 'x-signature-timestamp': String(ts), 'x-signature-256': `sha256=${hmac(`${ts}.${body}`)}` }],
          ] as const) {
            const res = await fetch(`${t.baseUrl}${path}`, {
              method: 'POST',
              body,
              headers: { 'content-type': 'application/json', ...headers },
            });
            expect(res.status, `${file} ${Object.keys(headers).join(',') || 'token'}: ${await res.clone().text()}`).toBe(202);
            await res.text();
          }
        }
      } finally {
        await t.stop();
      }
    });
  }
});
