import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { HttpError, Router, readBody, type RouteContext } from './routes.ts';
import { isStoreUnavailable } from '../core/errors.ts';

/** The one HTTP server (SPEC §4). Routes are registered by the app and the adapters. */
export class HttpServer {
  readonly router = new Router();
  private server: Server | undefined;

  constructor(private readonly log: Logger) {}

  async listen(host: string, port: number): Promise<AddressInfo> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const match = this.router.match(req.method ?? 'GET', url.pathname);
      const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
        if (res.headersSent) return;
        const body = JSON.stringify(value);
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers });
        res.end(body);
      };
      if (!match) return json(404, { error: 'not found' });
      if (match === 'method') return json(405, { error: 'method not allowed' });
      let bodyPromise: Promise<Buffer> | undefined;
      const ctx: RouteContext = {
        req,
        res,
        url,
        params: match.params,
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
          // Nothing was recorded: the sender retries later (Statuspage, Alertmanager and Grafana do on 5xx).
          if (isStoreUnavailable(e)) {
            this.log.warn({ err: e, path: url.pathname }, 'store unavailable: answered 503');
            return json(503, { error: 'the store is unavailable: retry later' }, { 'retry-after': '5' });
          }
          this.log.error({ err: e, path: url.pathname }, 'HTTP handler failed');
          json(500, { error: 'internal error' });
        });
    });
    this.server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    return this.server.address() as AddressInfo;
  }

  async close(): Promise<void> {
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
