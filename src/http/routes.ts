import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';

export const MAX_BODY_BYTES = 1_048_576;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface RouteContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly params: Readonly<Record<string, string>>;
  /** Also sent back as `X-Request-Id` and on every log line of this request. */
  readonly requestId: string;
  /** The server's logger bound to this request's id. */
  readonly log: Logger;
  /** The raw body, refused with 413 past 1 MiB (docs/contract.md §7). */
  body(): Promise<Buffer>;
  json(status: number, value: unknown, headers?: Record<string, string>): void;
}

export type RouteHandler = (ctx: RouteContext) => Promise<void> | void;

/** What adapters and the core register on the one HTTP server. */
export interface HttpRoutes {
  add(method: string, pattern: string, handler: RouteHandler): void;
}

/**
 * How much of a refused body is still read (and thrown away) before the 413 is sent. A sender writes
 * its whole body before it reads the answer (Go's net/http, which Alertmanager and Grafana use): a
 * server that answers and closes while the sender still writes leaves it with EPIPE instead of the
 * 413, and it retries for ever. Past these bounds the connection is closed anyway.
 */
export const DRAIN_MAX_BYTES = 8 * 1_048_576;
export const DRAIN_MAX_MS = 5_000;

export interface BodyLimits {
  readonly limit: number;
  readonly drainMaxBytes: number;
  readonly drainMaxMs: number;
}

const DEFAULT_LIMITS: BodyLimits = { limit: MAX_BODY_BYTES, drainMaxBytes: DRAIN_MAX_BYTES, drainMaxMs: DRAIN_MAX_MS };

export const tooLarge = (limit: number): HttpError => new HttpError(413, `body is over ${limit} bytes: send at most ${limit} bytes`);

/**
 * Reads the raw body, refusing it with 413 past `limit`. A refused body is drained (read and
 * dropped, never held) to its end, within the drain bounds, before the promise rejects, so the
 * sender has finished writing when the 413 arrives.
 */
export const readBody = (req: IncomingMessage, limits: Partial<BodyLimits> = {}): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const { limit, drainMaxBytes, drainMaxMs } = { ...DEFAULT_LIMITS, ...limits };
    const declared = Number(req.headers['content-length']);
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    let settled = false;
    let drainTimer: NodeJS.Timeout | undefined;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(drainTimer);
      fn();
    };
    const refuse = () => {
      refused = true;
      chunks.length = 0;
      // Past the bounds the answer goes now; the server then closes the connection (HttpServer).
      if (size > drainMaxBytes || (Number.isFinite(declared) && declared > drainMaxBytes)) settle(() => reject(tooLarge(limit)));
      else drainTimer = setTimeout(() => settle(() => reject(tooLarge(limit))), drainMaxMs);
    };
    if (Number.isFinite(declared) && declared > limit) refuse();
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (!refused && size > limit) refuse();
      if (refused) {
        if (size > drainMaxBytes) settle(() => reject(tooLarge(limit)));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => settle(() => (refused ? reject(tooLarge(limit)) : resolve(Buffer.concat(chunks)))));
    req.on('error', (e) => settle(() => reject(e)));
    req.on('close', () =>
      settle(() => reject(refused ? tooLarge(limit) : new HttpError(400, 'the request was cut off before its body ended'))),
    );
  });

interface Route {
  method: string;
  pattern: string;
  parts: string[];
  handler: RouteHandler;
}

export interface RouteMatch {
  readonly handler: RouteHandler;
  readonly params: Record<string, string>;
  /** The registered pattern (`/webhooks/:sourceId`): what logs and metrics show, never the raw path. */
  readonly pattern: string;
}

/** The path exists, not for this method: answer 405 with these in `Allow` (RFC 9110 §15.5.6). */
export interface MethodMismatch {
  readonly allow: readonly string[];
  readonly pattern: string;
}

export class Router implements HttpRoutes {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: RouteHandler): void {
    this.routes.push({ method: method.toUpperCase(), pattern, parts: pattern.split('/').filter(Boolean), handler });
  }

  /** Every registered route, in registration order: what `/openapi.json` must document (src/http/openapi.test.ts). */
  list(): { readonly method: string; readonly pattern: string }[] {
    return this.routes.map((r) => ({ method: r.method, pattern: r.pattern }));
  }

  /** HEAD is served by the GET route (RFC 9110 §9.3.2); Node's response then sends the headers only. */
  match(method: string, pathname: string): RouteMatch | MethodMismatch | undefined {
    const parts = pathname.split('/').filter(Boolean);
    const allow = new Set<string>();
    let mismatchPattern: string | undefined;
    let fallback: RouteMatch | undefined;
    for (const r of this.routes) {
      if (r.parts.length !== parts.length) continue;
      const params: Record<string, string> = {};
      const ok = r.parts.every((p, i) => {
        if (p.startsWith(':')) {
          // `:component.svg`: a parameter with a fixed suffix (the badge route).
          const dot = p.indexOf('.');
          const suffix = dot === -1 ? '' : p.slice(dot);
          const raw = parts[i]!;
          if (suffix && (!raw.endsWith(suffix) || raw.length === suffix.length)) return false;
          try {
            params[p.slice(1, dot === -1 ? undefined : dot)] = decodeURIComponent(suffix ? raw.slice(0, -suffix.length) : raw);
          } catch {
            return false;
          }
          return true;
        }
        return p === parts[i];
      });
      if (!ok) continue;
      if (r.method === method) return { handler: r.handler, params, pattern: r.pattern };
      if (method === 'HEAD' && r.method === 'GET') fallback ??= { handler: r.handler, params, pattern: r.pattern };
      allow.add(r.method);
      if (r.method === 'GET') allow.add('HEAD');
      mismatchPattern ??= r.pattern;
    }
    if (fallback) return fallback;
    return mismatchPattern === undefined ? undefined : { allow: [...allow], pattern: mismatchPattern };
  }
}
