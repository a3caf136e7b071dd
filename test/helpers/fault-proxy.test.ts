import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpFaultProxy, PASS, TcpFaultProxy } from './fault-proxy.ts';

const listen = async (server: Server | HttpServer): Promise<number> => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return (server.address() as AddressInfo).port;
};

/** A line echo server that counts what it received. */
const echoServer = () => {
  const seen: string[] = [];
  const server = createServer((s) => s.on('data', (c: Buffer) => (seen.push(c.toString()), s.write(c))));
  return { server, seen };
};

const connect = (port: number): Promise<Socket> =>
  new Promise((resolve, reject) => {
    const s = createConnection({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });

/** Everything the socket receives until `length` bytes arrived, or undefined after `timeoutMs`. */
const receive = (s: Socket, length: number, timeoutMs = 5000): Promise<string | undefined> =>
  new Promise((resolve) => {
    let got = '';
    const timer = setTimeout(() => (s.off('data', onData), resolve(undefined)), timeoutMs);
    const onData = (c: Buffer) => {
      got += c.toString();
      if (got.length >= length) {
        clearTimeout(timer);
        s.off('data', onData);
        resolve(got);
      }
    };
    s.on('data', onData);
  });

const closedWith = (s: Socket): Promise<string> =>
  new Promise((resolve) => {
    let code = 'closed';
    s.on('error', (e: NodeJS.ErrnoException) => (code = e.code ?? e.message));
    s.on('close', () => resolve(code));
  });

describe('TcpFaultProxy', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  const setup = async () => {
    const echo = echoServer();
    const port = await listen(echo.server);
    const proxy = new TcpFaultProxy({ host: '127.0.0.1', port });
    await proxy.start();
    cleanup.push(
      () => new Promise<void>((r) => echo.server.close(() => r())),
      () => proxy.stop(),
    );
    const client = await connect(proxy.port);
    cleanup.push(() => void client.destroy());
    return { echo, proxy, client };
  };

  it('pass: forwards both ways', async () => {
    const { client, echo, proxy } = await setup();
    client.write('hello');
    expect(await receive(client, 5)).toBe('hello');
    expect(echo.seen.join('')).toBe('hello');
    expect(proxy.stats.connections).toBe(1);
  });

  it('delay: every chunk arrives at least N ms late, in order', async () => {
    const { client, proxy } = await setup();
    proxy.setMode({ kind: 'delay', ms: 300 });
    const started = Date.now();
    client.write('a');
    client.write('b');
    client.write('c');
    // Each direction is delayed: out and back.
    expect(await receive(client, 3)).toBe('abc');
    expect(Date.now() - started).toBeGreaterThanOrEqual(590);
  });

  it('blackhole: nothing reaches the backend until the partition heals, then the held bytes go on in order', async () => {
    const { client, echo, proxy } = await setup();
    proxy.setMode({ kind: 'blackhole' });
    client.write('one');
    client.write('two');
    expect(await receive(client, 1, 400)).toBeUndefined();
    expect(echo.seen).toEqual([]);
    proxy.setMode(PASS);
    expect(await receive(client, 6)).toBe('onetwo');
  });

  it('blackhole: new connections are accepted and get no answer', async () => {
    const { proxy } = await setup();
    proxy.setMode({ kind: 'blackhole' });
    const late = await connect(proxy.port);
    cleanup.push(() => void late.destroy());
    late.write('ping');
    expect(await receive(late, 1, 400)).toBeUndefined();
    expect(proxy.stats.connections).toBe(2);
  });

  it('reset: open connections get a RST, and so does every new one', async () => {
    const { client, proxy } = await setup();
    const closed = closedWith(client);
    proxy.setMode({ kind: 'reset' });
    expect(await closed).toBe('ECONNRESET');
    const again = createConnection({ host: '127.0.0.1', port: proxy.port });
    expect(await closedWith(again)).toBe('ECONNRESET');
    expect(proxy.stats.resets).toBe(2);
    proxy.setMode(PASS);
    const fresh = await connect(proxy.port);
    cleanup.push(() => void fresh.destroy());
    fresh.write('back');
    expect(await receive(fresh, 4)).toBe('back');
  });
});

describe('HttpFaultProxy', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  const setup = async () => {
    let hits = 0;
    const backend = createHttpServer((req, res) => {
      hits++;
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.url, body })));
    });
    const port = await listen(backend);
    const proxy = new HttpFaultProxy({ host: '127.0.0.1', port });
    await proxy.start();
    cleanup.push(
      () => {
        backend.closeAllConnections();
        return new Promise<void>((r) => backend.close(() => r()));
      },
      () => proxy.stop(),
    );
    return { proxy, hits: () => hits };
  };

  it('pass: forwards method, path and body, and logs the request', async () => {
    const { proxy, hits } = await setup();
    const res = await fetch(`${proxy.url}/bot1/sendMessage?x=1`, { method: 'POST', body: 'hi' });
    expect(await res.json()).toEqual({ path: '/bot1/sendMessage?x=1', body: 'hi' });
    expect(hits()).toBe(1);
    expect(proxy.requestsTo('/bot1/')).toMatchObject([{ method: 'POST', path: '/bot1/sendMessage?x=1', mode: 'pass' }]);
  });

  it('http-error: answers 502 (or 503) itself; the backend sees nothing', async () => {
    const { proxy, hits } = await setup();
    proxy.setMode({ kind: 'http-error', status: 502 });
    const res = await fetch(`${proxy.url}/x`, { method: 'POST', body: 'lost' });
    expect(res.status).toBe(502);
    expect(await res.text()).toContain('502 Bad Gateway');
    proxy.setMode({ kind: 'http-error', status: 503 });
    expect((await fetch(`${proxy.url}/y`)).status).toBe(503);
    expect(hits()).toBe(0);
    expect(proxy.stats.requests.map((r) => r.mode)).toEqual(['http-error', 'http-error']);
    proxy.setMode(PASS);
    expect((await fetch(`${proxy.url}/z`)).status).toBe(200);
    expect(hits()).toBe(1);
  });

  it('delay: the answer comes at least N ms later', async () => {
    const { proxy } = await setup();
    proxy.setMode({ kind: 'delay', ms: 300 });
    const started = Date.now();
    expect((await fetch(`${proxy.url}/slow`)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(295);
  });

  it('blackhole: a request is held unanswered, and goes through once the partition heals', async () => {
    const { proxy, hits } = await setup();
    proxy.setMode({ kind: 'blackhole' });
    const pending = fetch(`${proxy.url}/held`).then((r) => r.status);
    const early = await Promise.race([pending, new Promise((r) => setTimeout(() => r('no answer'), 400))]);
    expect(early).toBe('no answer');
    expect(hits()).toBe(0);
    proxy.setMode(PASS);
    expect(await pending).toBe(200);
    expect(hits()).toBe(1);
  });

  it('blackhole: a client that gives up gets nothing and the backend never sees the request', async () => {
    const { proxy, hits } = await setup();
    proxy.setMode({ kind: 'blackhole' });
    await expect(fetch(`${proxy.url}/gave-up`, { signal: AbortSignal.timeout(300) })).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 100));
    proxy.setMode(PASS);
    await new Promise((r) => setTimeout(r, 200));
    expect(hits()).toBe(0);
  });

  it('retarget: later requests go to the new backend', async () => {
    const { proxy, hits } = await setup();
    const other = createHttpServer((_req, res) => res.writeHead(200).end('other'));
    const port = await listen(other);
    cleanup.push(() => new Promise<void>((r) => other.close(() => r())));
    proxy.retarget({ host: '127.0.0.1', port });
    expect(await (await fetch(`${proxy.url}/moved`)).text()).toBe('other');
    expect(hits()).toBe(0);
  });

  it('reset: the connection is cut with no answer', async () => {
    const { proxy, hits } = await setup();
    proxy.setMode({ kind: 'reset' });
    await expect(fetch(`${proxy.url}/cut`)).rejects.toThrow();
    expect(hits()).toBe(0);
    expect(proxy.stats.resets).toBeGreaterThanOrEqual(1);
  });
});
