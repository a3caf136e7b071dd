import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { isStoreUnavailable } from '../core/errors.ts';
import { HttpError, MAX_BODY_BYTES, Router, readBody, tooLarge, type RouteContext } from './routes.ts';

/** Seconds a sender is asked to wait when the store cannot record its request (RFC 9110 §10.2.3). */
export const STORE_RETRY_AFTER_SECONDS = 5;

/** A proxy's request id is kept when it looks like one, so one id follows the request through both logs. */
const FORWARDED_ID = /^[A-Za-z0-9._:-]{8,128}$/;

const requestIdOf = (req: IncomingMessage): string => {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && FORWARDED_ID.test(given) ? given : randomUUID();
};

/** The one HTTP server (docs/contract.md §4). Routes are registered by the app and the adapters. */
export class HttpServer {
  readonly router = new Router();
  private server: Server | undefined;
  private stopping = false;

  constructor(private readonly log: Logger) {}

  /** True from the moment shutdown begins: `/readyz` answers 503 so load balancers stop sending. */
  get shuttingDown(): boolean {
    return this.stopping;
  }

  async listen(host: string, port: number): Promise<AddressInfo> {
    const handle = (req: IncomingMessage, res: ServerResponse): void => {
      const started = performance.now();
      const method = req.method ?? 'GET';
      const requestId = requestIdOf(req);
      const log = this.log.child({ reqId: requestId });
      const url = new URL(req.url ?? '/', 'http://localhost');
      const match = this.router.match(method, url.pathname);
      const route = match?.pattern ?? null;
      res.setHeader('x-request-id', requestId);
      // Keep-alive clients reconnect, and reach an instance that is not stopping.
      if (this.stopping) res.setHeader('connection', 'close');
      // One line per request; the route pattern only: paths and query strings can carry tokens (`?token=`).
      res.once('close', () => {
        log.info(
          {
            method,
            route,
            status: res.statusCode,
            ms: Math.round((performance.now() - started) * 10) / 10,
            ...(res.writableFinished ? {} : { aborted: true }),
          },
          'http request',
        );
      });
      const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
        if (res.headersSent) return;
        const body = JSON.stringify(value);
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers });
        res.end(body);
      };
      if (!match) return json(404, { error: 'not found' });
      if (!('handler' in match))
        return json(405, { error: `method not allowed: use ${match.allow.join(', ')}` }, { allow: match.allow.join(', ') });
      let bodyPromise: Promise<Buffer> | undefined;
      const ctx: RouteContext = {
        req,
        res,
        url,
        params: match.params,
        requestId,
        log,
        body: () => (bodyPromise ??= readBody(req)),
        json,
      };
      Promise.resolve()
        .then(() => match.handler(ctx))
        .catch((e: unknown) => {
          if (e instanceof HttpError) {
            if (e.status === 413) res.setHeader('connection', 'close');
            return json(e.status, { error: e.message });
          }
          // Nothing was recorded: the sender keeps its request and tries again (Alertmanager, Grafana and Statuspage retry on 5xx).
          if (isStoreUnavailable(e)) {
            log.warn({ err: e, route }, 'store unavailable: answered 503');
            return json(
              503,
              { error: 'the store is unavailable, nothing was recorded: retry later' },
              { 'retry-after': String(STORE_RETRY_AFTER_SECONDS) },
            );
          }
          log.error({ err: e, route }, 'HTTP handler failed');
          json(500, { error: 'internal error' });
        });
    };
    this.server = createServer(handle);
    // `Expect: 100-continue` (curl over 1 MiB): refuse an announced oversize body before it is sent.
    this.server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
      const declared = Number(req.headers['content-length']);
      if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
        const route = this.router.match(req.method ?? 'POST', new URL(req.url ?? '/', 'http://localhost').pathname)?.pattern ?? null;
        res.once('close', () => this.log.info({ method: req.method, route, status: 413, expect: '100-continue' }, 'http request'));
        const body = JSON.stringify({ error: tooLarge(MAX_BODY_BYTES).message });
        res.writeHead(413, {
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(body),
          connection: 'close',
        });
        res.end(body);
        return;
      }
      res.writeContinue();
      handle(req, res);
    });
    this.server.keepAliveTimeout = 5000;
    this.stopping = false;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    return this.server.address() as AddressInfo;
  }

  /** Shutdown begins: `/readyz` turns 503 at once, then requests in flight get up to 2 s to finish. */
  async close(): Promise<void> {
    this.stopping = true;
    const s = this.server;
    if (!s) return;
    this.server = undefined;
    s.closeIdleConnections();
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      setTimeout(() => {
        s.closeAllConnections();
        resolve();
      }, 2000).unref();
    });
  }
}
