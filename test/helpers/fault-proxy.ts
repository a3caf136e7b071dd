import {
  createServer as createHttpServer,
  request as httpRequest,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
} from 'node:http';
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * What the proxy does with traffic, switchable at run time:
 * - `pass`: forward.
 * - `delay`: forward every chunk (TCP) or request (HTTP) `ms` late, in order.
 * - `blackhole`: accept and hold everything, answer nothing — a partition. Held bytes (TCP) and
 *   requests (HTTP) go on when the mode changes, as TCP retransmission would deliver them after a
 *   healed partition; a client that gave up in between has closed its socket and gets nothing.
 * - `reset`: destroy every open connection (TCP RST) and every new one at once.
 * - `http-error` (HTTP backends only): answer each request with `status` without forwarding it,
 *   like a load balancer whose upstream is down.
 */
export type FaultMode =
  | { readonly kind: 'pass' }
  | { readonly kind: 'delay'; readonly ms: number }
  | { readonly kind: 'blackhole' }
  | { readonly kind: 'reset' }
  | { readonly kind: 'http-error'; readonly status: number; readonly body?: string };

export const PASS: FaultMode = { kind: 'pass' };

export interface ProxyRequest {
  readonly at: number;
  readonly method: string;
  readonly path: string;
  /** The mode that met the request. */
  readonly mode: FaultMode['kind'];
}

export interface FaultProxyStats {
  /** Connections accepted. */
  connections: number;
  /** Connections the proxy destroyed (reset mode). */
  resets: number;
  /** HTTP requests seen, in arrival order (HTTP proxies only). */
  readonly requests: ProxyRequest[];
}

interface Backend {
  readonly host: string;
  readonly port: number;
}

/** Shared by both flavours: a mode, listeners waiting for a change, and the counters. */
abstract class ProxyBase {
  protected current: FaultMode = PASS;
  protected readonly waiters = new Set<() => void>();
  readonly stats: FaultProxyStats = { connections: 0, resets: 0, requests: [] };
  port = 0;

  constructor(protected backend: Backend) {}

  /** Points new connections (TCP) or requests (HTTP) at another backend; open TCP connections stay where they are. */
  retarget(backend: Backend): void {
    this.backend = backend;
  }

  get mode(): FaultMode {
    return this.current;
  }

  setMode(mode: FaultMode): void {
    this.current = mode;
    this.onModeChange();
    for (const wake of [...this.waiters]) wake();
  }

  /** Resolves at the next mode change. */
  protected changed(): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.waiters.delete(wake);
        resolve();
      };
      this.waiters.add(wake);
    });
  }

  /** `host:port` clients connect to instead of the backend. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  protected abstract onModeChange(): void;
  abstract start(port?: number): Promise<number>;
  abstract stop(): Promise<void>;
}

/**
 * A byte-level TCP proxy (redis-server, PostgreSQL): one backend connection per client
 * connection, chunks forwarded in order in both directions.
 */
export class TcpFaultProxy extends ProxyBase {
  private server: Server | undefined;
  private readonly pairs = new Set<{ client: Socket; upstream: Socket; flush: () => void }>();

  async start(port = 0): Promise<number> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this.port;
  }

  private accept(client: Socket): void {
    this.stats.connections++;
    if (this.current.kind === 'reset') {
      this.stats.resets++;
      client.resetAndDestroy();
      return;
    }
    client.setNoDelay(true);
    const upstream = createConnection({ host: this.backend.host, port: this.backend.port });
    upstream.setNoDelay(true);
    // Chunks wait here while the mode holds them back; `due` keeps delayed chunks in order.
    const held: { to: Socket; chunk: Buffer; due: number }[] = [];
    let timer: NodeJS.Timeout | undefined;
    const flush = () => {
      clearTimeout(timer);
      timer = undefined;
      if (this.current.kind === 'blackhole') return;
      const now = Date.now();
      while (held.length && held[0]!.due <= now) {
        const { to, chunk } = held.shift()!;
        if (!to.destroyed) to.write(chunk);
      }
      if (held.length) timer = setTimeout(flush, held[0]!.due - now);
    };
    const forward = (to: Socket) => (chunk: Buffer) => {
      const mode = this.current;
      if (mode.kind === 'pass' && held.length === 0) {
        to.write(chunk);
        return;
      }
      const last = held.at(-1)?.due ?? 0;
      held.push({ to, chunk, due: Math.max(last, Date.now() + (mode.kind === 'delay' ? mode.ms : 0)) });
      if (mode.kind !== 'blackhole' && !timer) flush();
    };
    client.on('data', forward(upstream));
    upstream.on('data', forward(client));
    const pair = { client, upstream, flush };
    this.pairs.add(pair);
    const close = () => {
      clearTimeout(timer);
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', close);
    upstream.on('close', close);
    client.on('error', close);
    upstream.on('error', close);
  }

  protected onModeChange(): void {
    if (this.current.kind === 'reset') {
      for (const { client, upstream } of [...this.pairs]) {
        this.stats.resets++;
        if (!client.destroyed) client.resetAndDestroy();
        upstream.destroy();
      }
      return;
    }
    for (const { flush } of this.pairs) flush();
  }

  /** Open client connections. */
  openConnections(): number {
    return this.pairs.size;
  }

  async stop(): Promise<void> {
    for (const { client, upstream } of [...this.pairs]) {
      client.destroy();
      upstream.destroy();
    }
    for (const wake of [...this.waiters]) wake();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/**
 * An HTTP/1.1 proxy (a platform emulator, a status page): each request is judged by the mode when
 * it arrives, so `http-error` answers 502/503 per request without forwarding it, and the request
 * log shows what the bot asked for during an outage.
 */
export class HttpFaultProxy extends ProxyBase {
  private server: HttpServer | undefined;
  private readonly sockets = new Set<Socket>();

  async start(port = 0): Promise<number> {
    this.server = createHttpServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 60_000;
    this.server.on('connection', (socket: Socket) => {
      this.stats.connections++;
      if (this.current.kind === 'reset') {
        this.stats.resets++;
        socket.resetAndDestroy();
        return;
      }
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this.port;
  }

  /** `http://127.0.0.1:PORT`, the base URL to give the bot instead of the backend's. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Requests whose path starts with `prefix`, optionally since `since` (ms epoch). */
  requestsTo(prefix: string, since = 0): ProxyRequest[] {
    return this.stats.requests.filter((r) => r.path.startsWith(prefix) && r.at >= since);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = req.url ?? '/';
    this.stats.requests.push({ at: Date.now(), method: req.method ?? 'GET', path, mode: this.current.kind });
    const body = await readBody(req).catch(() => undefined);
    if (body === undefined) return;
    for (;;) {
      const mode = this.current;
      if (req.socket.destroyed) return;
      if (mode.kind === 'blackhole') {
        await this.changed();
        continue;
      }
      if (mode.kind === 'reset') {
        this.stats.resets++;
        req.socket.resetAndDestroy();
        return;
      }
      if (mode.kind === 'http-error') {
        const text =
          mode.body ??
          `<html><head><title>${mode.status} ${statusText(mode.status)}</title></head><body><center><h1>${mode.status} ${statusText(mode.status)}</h1></center></body></html>\n`;
        res.writeHead(mode.status, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(text) });
        res.end(text);
        return;
      }
      if (mode.kind === 'delay') {
        const changed = this.changed();
        const slept = await Promise.race([sleep(mode.ms).then(() => true), changed.then(() => false)]);
        // A mode change during the delay judges the request again by the new mode.
        if (!slept) continue;
      }
      return this.forward(req, res, body);
    }
  }

  private forward(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    const headers = { ...req.headers, host: `${this.backend.host}:${this.backend.port}` };
    const upstream = httpRequest({ host: this.backend.host, port: this.backend.port, method: req.method, path: req.url, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    // The client went away (it timed out, or was killed): the backend need not answer it either.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    upstream.end(body);
  }

  protected onModeChange(): void {
    if (this.current.kind !== 'reset') return;
    for (const socket of [...this.sockets]) {
      this.stats.resets++;
      socket.resetAndDestroy();
    }
  }

  async stop(): Promise<void> {
    for (const wake of [...this.waiters]) wake();
    for (const socket of [...this.sockets]) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const readBody = async (req: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
};

const statusText = (status: number): string =>
  ({ 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Temporarily Unavailable', 504: 'Gateway Time-out' })[status] ??
  'Error';

/** Runs `mode` for `ms`, then returns to `pass`; resolves with the moment the fault ended. */
export const faultFor = async (proxy: TcpFaultProxy | HttpFaultProxy, mode: FaultMode, ms: number): Promise<number> => {
  proxy.setMode(mode);
  await sleep(ms);
  proxy.setMode(PASS);
  return Date.now();
};
