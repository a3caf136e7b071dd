import type { Logger } from 'pino';
import { PayloadError, describeZodError } from '../core/errors.ts';
import { isClosedStatus, type Incident, type Platform, type StatusChange } from '../core/model.ts';
import type { AdapterState } from '../adapters/adapter.ts';
import type { CircuitState } from '../delivery/breaker.ts';
import type { Tracker } from '../core/tracker.ts';
import type { KpiSampleInput } from '../kpi/model.ts';
import type { ApiKpiWindows } from '../kpi/api.ts';
import type { ManualSource } from '../sources/manual/index.ts';
import type { SourceHealth, StatusSource } from '../sources/source.ts';
import type { KeyValue } from '../storage/store.ts';
import { sameSecret } from '../core/secrets.ts';
import { WebhookAuthError } from '../sources/source.ts';
import { WebhookSource } from '../sources/webhook/index.ts';
import { ReplayGuard, WebhookReplayError } from '../sources/webhook/replay.ts';
import { HttpError, type RouteContext, type Router } from './routes.ts';
import { createMetrics, type MetricsSource } from './metrics.ts';
import { QueueFullError } from '../storage/queue.ts';
import type { ApiStatus } from '../kpi/api.ts';
import { buildOpenApiDocument } from './openapi.ts';
import {
  incidentListQuerySchema,
  toApiIncident,
  type IncidentCreated,
  type IncidentList,
  type Readiness,
  type UpdateAccepted,
  type WebhookAccepted,
} from './schemas.ts';

/** What the core routes read and call: each stage's narrow face, never the whole App. */
export interface CoreRoutesDeps {
  readonly router: Router;
  /** The server is closing: `/readyz` says so, so a load balancer stops sending. */
  shuttingDown(): boolean;
  readonly serviceName: string;
  /** `ADMIN_API_TOKEN`: the admin API is off without it. */
  readonly adminToken: string | undefined;
  readonly log: Logger;
  /** Store reachability, bounded (`/readyz`). */
  ping(timeoutMs: number): Promise<boolean>;
  /** The `webhook-replay` namespace: signatures seen within a source's replay window. */
  readonly replays: KeyValue;
  readonly readiness: {
    adapters(): Iterable<{ readonly platform: Platform; readonly leaderOnly?: boolean; state(): AdapterState }>;
    readonly sourceHealth: ReadonlyMap<string, SourceHealth>;
    isLeader(): boolean;
    fencingToken(): number | undefined;
    readonly pausedTargets: ReadonlySet<string>;
    circuit(platform: Platform): CircuitState;
  };
  readonly sources: ReadonlyMap<string, StatusSource>;
  /** ingest: a webhook's changes into the durable queue; a manual change into the pipeline (or to the leader). */
  readonly ingest: {
    accept(sourceId: string, changes: readonly StatusChange[]): Promise<void>;
    ingest(change: StatusChange): Promise<unknown>;
    recordSamples(sourceId: string, samples: readonly KpiSampleInput[]): Promise<void>;
  };
  readonly status: Pick<Tracker, 'currentComponents' | 'overallStatus' | 'openIncidents' | 'knownIncidents' | 'incident'>;
  /** The KPI windows of `/api/status`; absent without the built-in engine. */
  kpi(): { windows(ids: readonly string[] | 'all'): Promise<ApiKpiWindows> } | undefined;
  readonly manual: Pick<ManualSource, 'id' | 'open' | 'update'>;
  /** The audit log of a step published through the admin API (src/authoring/audit.ts): the API knows a token, not a person. */
  audit(key: string, action: 'opened' | 'updated' | 'resolved', changes: readonly StatusChange[]): Promise<void>;
  /** `/metrics` figures besides the webhook rejections the routes count themselves. */
  readonly metrics: Omit<MetricsSource, 'webhooksRejected'>;
}

/** A full ingest queue drains at the leader's pace: a few seconds is enough for room to appear. */
const INGEST_RETRY_AFTER_S = 5;

const requireAdmin = (app: CoreRoutesDeps, ctx: RouteContext): void => {
  const token = app.adminToken;
  if (!token) throw new HttpError(404, 'the admin API is off: set ADMIN_API_TOKEN to enable it');
  const auth = ctx.req.headers.authorization ?? '';
  const m = /^Bearer\s+(.+)$/i.exec(auth);
  if (!m || !sameSecret(m[1]!.trim(), token)) throw new HttpError(401, 'missing or invalid bearer token');
};

/** An incident key `<sourceId>:<id>`, or a manual incident's own id. */
const findIncident = (app: CoreRoutesDeps, id: string): Incident | undefined =>
  app.status.incident(id.includes(':') ? id : `${app.manual.id}:${id}`);

const jsonBody = async (ctx: RouteContext): Promise<unknown> => {
  const body = await ctx.body();
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new HttpError(400, `body is not valid JSON: ${(e as Error).message}`);
  }
};

const READYZ_STORE_TIMEOUT_MS = 1_000;

/** docs/contract.md §4 routes owned by the core. Adapters add their own (Slack events, Telegram webhook). */
export const registerCoreRoutes = (app: CoreRoutesDeps): void => {
  const r = app.router;
  let webhooksRejected = 0;

  r.add('GET', '/healthz', (ctx) => ctx.json(200, { ok: true }));

  r.add('GET', '/readyz', async (ctx) => {
    if (app.shuttingDown()) return ctx.json(503, { ready: false, stopping: true });
    // Read-only, and bounded well inside a load balancer's health-check timeout.
    const storeOk = await app.ping(READYZ_STORE_TIMEOUT_MS);
    const view = app.readiness;
    const all = [...view.adapters()];
    const adapters = Object.fromEntries(all.map((a) => [a.platform, a.state()]));
    const sources = Object.fromEntries([...view.sourceHealth.entries()].map(([id, h]) => [id, { ...h }]));
    // Adapters that only the leader runs are not expected to be connected on a follower.
    const expected = all.filter((a) => view.isLeader() || !a.leaderOnly);
    const ready = storeOk && expected.every((a) => a.state() === 'connected');
    const body: Readiness = {
      ready,
      store: storeOk ? 'ok' : 'down',
      leader: view.isLeader(),
      leaseToken: view.fencingToken() ?? null,
      adapters,
      sources,
      pausedTargets: [...view.pausedTargets],
      // A platform in an outage is paused by its circuit breaker; the bot itself is still ready.
      circuits: Object.fromEntries(all.map((a) => [a.platform, view.circuit(a.platform)])),
    };
    ctx.json(ready ? 200 : 503, body);
  });

  const metrics = createMetrics({ ...app.metrics, webhooksRejected: () => webhooksRejected });
  r.add('GET', '/metrics', async (ctx) => {
    const text = await metrics.render();
    ctx.res.writeHead(200, { 'content-type': metrics.registry.contentType });
    ctx.res.end(text);
  });

  const replays = new ReplayGuard(app.replays);
  r.add('POST', '/webhooks/:sourceId', async (ctx) => {
    const source = app.sources.get(ctx.params.sourceId!);
    if (!(source instanceof WebhookSource)) {
      webhooksRejected++;
      throw new HttpError(404, `no webhook source "${ctx.params.sourceId}"`);
    }
    let parsed;
    try {
      const body = await ctx.body();
      parsed = source.parsePush({ body, headers: ctx.req.headers, query: ctx.url.searchParams });
    } catch (e) {
      webhooksRejected++;
      if (e instanceof WebhookAuthError) throw new HttpError(401, e.message);
      if (e instanceof PayloadError) throw new HttpError(400, e.message);
      throw e;
    }
    const replay = await replays.claim(source.id, parsed.auth, source.replayMemoryMs).catch((e: unknown) => {
      if (!(e instanceof WebhookReplayError)) throw e;
      webhooksRejected++;
      throw new HttpError(409, e.message);
    });
    try {
      // Accepted once durably queued; the leader fans out after, so a sender never waits on 100k recipients.
      try {
        await app.ingest.accept(source.id, parsed.changes);
      } catch (e) {
        if (!(e instanceof QueueFullError)) throw e;
        // Not remembered as seen: the sender's retry after Retry-After must be accepted.
        return ctx.json(503, { error: `${e.message}: try again later` }, { 'retry-after': String(INGEST_RETRY_AFTER_S) });
      }
      if (parsed.samples.length) await app.ingest.recordSamples(source.id, parsed.samples);
      // The push is recorded: a 503 now would only make the sender send it twice.
      await replay
        .remember()
        .catch((e: unknown) =>
          app.log.warn(
            { err: e, source: source.id },
            'could not remember a webhook signature: a replay within the window would be accepted',
          ),
        );
      const accepted: WebhookAccepted = { accepted: true, changes: parsed.changes.length, samples: parsed.samples.length };
      ctx.json(202, accepted);
    } finally {
      replay.release();
    }
  });

  // The shape is `apiStatusSchema` (src/kpi/api.ts, docs/api.md): per component and window, with coverage.
  r.add('GET', '/api/status', async (ctx) => {
    const kpi = app.kpi();
    const components = [];
    for (const c of app.status.currentComponents()) components.push({ ...c, kpis: kpi ? await kpi.windows([c.id]) : null });
    const body: ApiStatus = {
      service: app.serviceName,
      status: app.status.overallStatus(),
      components,
      incidents: app.status.openIncidents().map(toApiIncident),
      kpis: kpi ? await kpi.windows('all') : null,
      generatedAt: new Date().toISOString(),
    };
    ctx.json(200, body);
  });

  // List and read incidents, with the admin API's bearer token (docs/api.md). Shapes: src/http/schemas.ts.
  r.add('GET', '/api/incidents', (ctx) => {
    requireAdmin(app, ctx);
    const query = incidentListQuerySchema.safeParse(Object.fromEntries(ctx.url.searchParams));
    if (!query.success) throw new HttpError(400, `query: ${describeZodError(query.error)}`);
    const { state, source, limit } = query.data;
    const matching = app.status
      .knownIncidents()
      .filter((i) => (state === 'all' ? true : state === 'open' ? !isClosedStatus(i.status) : isClosedStatus(i.status)))
      .filter((i) => source === undefined || i.sourceId === source);
    const body: IncidentList = {
      incidents: matching.slice(0, limit).map(toApiIncident),
      total: matching.length,
      generatedAt: new Date().toISOString(),
    };
    ctx.json(200, body);
  });

  r.add('GET', '/api/incidents/:id', (ctx) => {
    requireAdmin(app, ctx);
    const incident = findIncident(app, ctx.params.id!);
    if (!incident) throw new HttpError(404, `no incident "${ctx.params.id}": GET /api/incidents lists the known ones`);
    ctx.json(200, toApiIncident(incident));
  });

  // Built per request from the routes registered so far: adapters add theirs at start.
  r.add('GET', '/openapi.json', (ctx) => ctx.json(200, buildOpenApiDocument(r.list(), app.serviceName)));

  r.add('POST', '/api/incidents', async (ctx) => {
    requireAdmin(app, ctx);
    const body = await jsonBody(ctx);
    let opened;
    try {
      opened = app.manual.open(body);
    } catch (e) {
      if (e instanceof PayloadError) throw new HttpError(400, e.message);
      throw e;
    }
    for (const change of opened.changes) await app.ingest.ingest(change);
    await app.audit(`${app.manual.id}:${opened.id}`, 'opened', opened.changes);
    const created: IncidentCreated = { id: opened.id, key: `${app.manual.id}:${opened.id}` };
    ctx.json(201, created);
  });

  r.add('POST', '/api/incidents/:id/updates', async (ctx) => {
    requireAdmin(app, ctx);
    const id = ctx.params.id!;
    const existing = findIncident(app, id);
    if (!existing) throw new HttpError(404, `no incident "${id}"`);
    const body = await jsonBody(ctx);
    let changes;
    try {
      changes = app.manual.update(existing, body);
    } catch (e) {
      if (e instanceof PayloadError) throw new HttpError(400, e.message);
      throw e;
    }
    for (const change of changes) await app.ingest.ingest(change);
    await app.audit(
      existing.key,
      changes.some((c) => c.kind === 'incident' && isClosedStatus(c.incident.status)) ? 'resolved' : 'updated',
      changes,
    );
    const accepted: UpdateAccepted = { id, accepted: true };
    ctx.json(202, accepted);
  });
};
