import { connect } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import pino from 'pino';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { App } from '../app.ts';
import { parseConfigText, parseEnv, type AppConfig } from '../core/config.ts';
import { waitFor } from '../../test/helpers/child.ts';

const SECRET = 'conventions-secret-0123456789';
const YAML = `
service: { name: Chatter, locales: [en] }
sources:
  - { id: hooks, type: webhook, format: generic, secret: "${SECRET}" }
announce:
  - { platform: console, channel: "#ops" }
`;

interface Started {
  app: App;
  baseUrl: string;
  port: number;
  /** Every log line the app wrote, parsed. */
  logs: () => Record<string, unknown>[];
}

/** A real App whose pino logger writes into memory, so the access log can be read. */
const start = async (): Promise<Started> => {
  const dir = mkdtempSync(join(tmpdir(), 'sr-http-'));
  const env = { HTTP_HOST: '127.0.0.1', HTTP_PORT: '0', LOG_LEVEL: 'info', STORE_URL: `sqlite://${join(dir, 'store.sqlite')}` };
  const config: AppConfig = { ...parseConfigText(YAML, env, 'test'), env: parseEnv(env), demo: false };
  const sink = new PassThrough();
  let text = '';
  sink.on('data', (c: Buffer) => (text += c.toString('utf8')));
  const app = new App(config, { consoleOut: new PassThrough(), logger: pino({ level: 'info' }, sink) });
  await app.init();
  const { port } = await app.listen();
  await app.start();
  return {
    app,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    logs: () =>
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
};

const accessLines = (s: Started) => s.logs().filter((l) => l.msg === 'http request');

describe('HTTP conventions', () => {
  let s: Started;
  beforeAll(async () => {
    s = await start();
  });
  afterAll(async () => s.app.stop());

  it('answers HEAD on GET routes with the headers and no body', async () => {
    for (const path of ['/healthz', '/readyz', '/api/status', '/metrics']) {
      const get = await fetch(`${s.baseUrl}${path}`);
      const head = await fetch(`${s.baseUrl}${path}`, { method: 'HEAD' });
      expect(head.status, path).toBe(get.status);
      expect(head.headers.get('content-type')).toBe(get.headers.get('content-type'));
      expect(await head.text()).toBe('');
      await get.text();
    }
  });

  it('a 405 says in Allow which methods the route takes', async () => {
    const res = await fetch(`${s.baseUrl}/webhooks/hooks`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    const put = await fetch(`${s.baseUrl}/healthz`, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, HEAD');
    expect(((await put.json()) as { error: string }).error).toMatch(/use GET, HEAD/);
  });

  it('logs one line per request with method, route pattern, status and ms, never the path or query; with a request id also sent back', async () => {
    const before = accessLines(s).length;
    const res = await fetch(`${s.baseUrl}/webhooks/hooks?token=${SECRET}`, {
      method: 'POST',
      body: '{"components":[{"name":"Messaging","status":"major_outage"}]}',
      headers: { 'x-request-id': 'lb-request-0001' },
    });
    expect(res.status).toBe(202);
    expect(res.headers.get('x-request-id')).toBe('lb-request-0001');
    const own = await fetch(`${s.baseUrl}/nope/secret-looking-path?token=abc`);
    expect(own.status).toBe(404);
    const ownId = own.headers.get('x-request-id')!;
    expect(ownId).toMatch(/^[0-9a-f-]{36}$/);
    // A forwarded id that is not plausibly one (a log-injection attempt) is replaced.
    const odd = await fetch(`${s.baseUrl}/healthz`, { headers: { 'x-request-id': 'x' } });
    expect(odd.headers.get('x-request-id')).not.toBe('x');
    await waitFor(() => accessLines(s).length >= before + 3);
    const lines = accessLines(s).slice(before);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({
      level: 30,
      reqId: 'lb-request-0001',
      method: 'POST',
      route: '/webhooks/:sourceId',
      status: 202,
      ms: expect.any(Number),
    });
    expect(lines[1]).toMatchObject({ reqId: ownId, method: 'GET', route: null, status: 404 });
    const all = JSON.stringify(s.logs());
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain('secret-looking-path');
    expect(all).not.toContain('token=');
  });
});

describe('/readyz during shutdown', () => {
  it('answers 503 as soon as shutdown begins, on a connection that is still open', async () => {
    const s = await start();
    expect((await fetch(`${s.baseUrl}/readyz`)).status).toBe(200);
    // A load balancer's keep-alive connection, busy with a request when the stop begins.
    const socket = connect({ port: s.port, host: '127.0.0.1' });
    let received = '';
    socket.on('data', (d: Buffer) => (received += d.toString()));
    const body = '{"components":[{"name":"Messaging","status":"degraded_performance"}]}';
    // Expect: 100-continue makes the server say when it has taken the request up (the connection is then busy, not idle).
    socket.write(
      `POST /webhooks/hooks?token=${SECRET} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`,
    );
    await waitFor(() => received.includes('100 Continue'));
    socket.write(body.slice(0, 10));
    const stopped = s.app.stop();
    expect(s.app.http.shuttingDown).toBe(true);
    socket.write(`${body.slice(10)}GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n`);
    const finals = () => received.split(/(?=HTTP\/1\.1 )/).filter((r) => !r.startsWith('HTTP/1.1 100'));
    await waitFor(() => finals().length >= 2 && finals()[1]!.includes('}'));
    const [first, second] = finals();
    expect(first).toMatch(/^HTTP\/1\.1 202/);
    expect(second).toMatch(/^HTTP\/1\.1 503/);
    expect(second).toMatch(/connection: close/i);
    expect(second).toContain('"stopping":true');
    socket.destroy();
    await stopped;
  });
});
