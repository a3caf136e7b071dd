import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { apiStatusSchema, kpiWindowSchema } from '../kpi/api.ts';
import { incidentUpdateSchema as incidentUpdateRequestSchema, newIncidentSchema } from '../sources/manual/index.ts';
import { alertGroupSchema } from '../sources/webhook/alertmanager.ts';
import { genericSchema } from '../sources/webhook/generic.ts';
import { grafanaSchema } from '../sources/webhook/grafana.ts';
import { instatusWebhookSchema, statuspageWebhookSchema } from '../sources/webhook/schemas.ts';
import { MAX_BODY_BYTES } from './routes.ts';
import {
  apiIncidentSchema,
  errorSchema,
  healthSchema,
  incidentCreatedSchema,
  incidentListQuerySchema,
  incidentListSchema,
  openApiDocumentSchema,
  readinessSchema,
  slackChallengeSchema,
  telegramAcceptedSchema,
  telegramUpdateSchema,
  updateAcceptedSchema,
  webhookAcceptedSchema,
} from './schemas.ts';

/**
 * `GET /openapi.json` (docs/api.md): an OpenAPI 3.1 document generated from the zod schemas that validate
 * each boundary, so the document cannot drift from what the code accepts and answers. Request bodies
 * are converted as zod *input* (defaults make fields optional), answers as *output*. The route list
 * is the router's own: a route registered without an entry in `ROUTE_DOCS` fails openapi.test.ts.
 */

type JsonSchema = Record<string, unknown>;

/** What the server accepts: converted with `io: 'input'`. */
const REQUEST_SCHEMAS = {
  NewIncident: newIncidentSchema,
  IncidentUpdateRequest: incidentUpdateRequestSchema,
  StatuspageWebhook: statuspageWebhookSchema,
  InstatusWebhook: instatusWebhookSchema,
  AlertmanagerWebhook: alertGroupSchema,
  GrafanaWebhook: grafanaSchema,
  GenericWebhook: genericSchema,
  TelegramUpdate: telegramUpdateSchema,
} satisfies Record<string, z.ZodType>;

/** What the server answers: converted with `io: 'output'`. */
const RESPONSE_SCHEMAS = {
  Error: errorSchema,
  Health: healthSchema,
  Readiness: readinessSchema,
  WebhookAccepted: webhookAcceptedSchema,
  ApiStatus: apiStatusSchema,
  KpiWindow: kpiWindowSchema,
  Incident: apiIncidentSchema,
  IncidentList: incidentListSchema,
  IncidentCreated: incidentCreatedSchema,
  UpdateAccepted: updateAcceptedSchema,
  SlackChallenge: slackChallengeSchema,
  TelegramAccepted: telegramAcceptedSchema,
  OpenApiDocument: openApiDocumentSchema,
} satisfies Record<string, z.ZodType>;

type RequestSchemaName = keyof typeof REQUEST_SCHEMAS;
type ResponseSchemaName = keyof typeof RESPONSE_SCHEMAS;

const schemaRef = (name: RequestSchemaName | ResponseSchemaName): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

/**
 * One registry per direction: schemas registered under a name become `$ref`s to
 * `#/components/schemas/<name>` wherever another schema uses them (KpiWindow inside ApiStatus).
 */
const convert = (schemas: Record<string, z.ZodType>, io: 'input' | 'output'): Record<string, JsonSchema> => {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const { schemas: converted } = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    io,
    cycles: 'throw',
    uri: (id) => `#/components/schemas/${id}`,
  });
  const out: Record<string, JsonSchema> = {};
  for (const [id, json] of Object.entries(converted)) {
    // A Schema Object inherits the document's dialect (jsonSchemaDialect); a fragment-only $id is not a valid 2020-12 $id.
    const { $schema: _dialect, $id: _id, ...rest } = json as JsonSchema;
    out[id] = rest;
  }
  return out;
};

let componentSchemas: Record<string, JsonSchema> | undefined;
const allComponentSchemas = (): Record<string, JsonSchema> =>
  (componentSchemas ??= { ...convert(REQUEST_SCHEMAS, 'input'), ...convert(RESPONSE_SCHEMAS, 'output') });

interface ResponseDoc {
  readonly description: string;
  /** A JSON body of this schema; `text` for a text/plain body; absent for no body. */
  readonly body?: ResponseSchemaName | 'text' | 'any-json' | 'html' | 'atom' | 'rss' | 'svg';
  readonly headers?: Record<string, { readonly description: string; readonly schema: JsonSchema }>;
}

interface ParameterDoc {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header';
  readonly description: string;
  readonly required: boolean;
  readonly schema: JsonSchema;
}

interface OperationDoc {
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  readonly security?: readonly SecurityRequirement[];
  readonly parameters?: readonly ParameterDoc[];
  readonly requestBody?: { readonly description: string; readonly content: Record<string, JsonSchema> };
  readonly responses: Record<string, ResponseDoc>;
}

const retryAfter = { 'Retry-After': { description: 'Seconds to wait before sending again.', schema: { type: 'integer', minimum: 1 } } };

const RESPONSES = {
  badRequest: {
    description: 'The request is malformed: the error names the field and what is expected. Nothing was stored.',
    body: 'Error',
  },
  unauthorized: { description: 'Missing or wrong credentials. Nothing was stored.', body: 'Error' },
  tooLarge: {
    description: `The body is over ${MAX_BODY_BYTES} bytes (1 MiB). Nothing was stored; the connection is closed.`,
    body: 'Error',
  },
  storeDown: {
    description: 'The store is unavailable: nothing was recorded; retry after Retry-After seconds.',
    body: 'Error',
    headers: retryAfter,
  },
  adminOff: { description: 'The admin API is off (ADMIN_API_TOKEN unset).', body: 'Error' },
} satisfies Record<string, ResponseDoc>;

/** A path parameter's schema, converted like the bodies. */
const pathParameter = (name: string, description: string): ParameterDoc => ({
  name,
  in: 'path',
  description,
  required: true,
  schema: z.toJSONSchema(z.string().min(1), { target: 'draft-2020-12' }) as JsonSchema,
});

/** An object schema's fields as query parameters (zod input: defaulted fields are optional). */
const queryParameters = (schema: z.ZodObject): ParameterDoc[] => {
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' }) as {
    properties?: Record<string, JsonSchema>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, { description, ...property }]) => ({
    name,
    in: 'query',
    description: typeof description === 'string' ? description : name,
    required: json.required?.includes(name) ?? false,
    schema: property,
  }));
};

type SecurityRequirement = Readonly<Record<string, readonly string[]>>;
const ADMIN_SECURITY: SecurityRequirement[] = [{ adminToken: [] }];
/** Any one of these; `{}` is a source with `insecure: true`. */
const WEBHOOK_SECURITY: SecurityRequirement[] = [
  { webhookSignature: [] },
  { grafanaSignature: [] },
  { webhookBearer: [] },
  { webhookQueryToken: [] },
  {},
];

const LANG_PARAMETER: ParameterDoc = {
  name: 'lang',
  in: 'query',
  description: 'One of service.locales; otherwise the `lang` cookie, then Accept-Language, decide (docs/status-page.md).',
  required: false,
  schema: { type: 'string' },
};
const NOT_MODIFIED: ResponseDoc = { description: 'Not modified: the If-None-Match ETag is current.' };

/** The public status page (docs/status-page.md): HTML, feeds, badges, and a Statuspage-compatible API. */
const page = (operationId: string, summary: string, body: 'html' | 'atom' | 'rss', description: string): OperationDoc => ({
  operationId,
  summary,
  description,
  tags: ['status page'],
  parameters: [LANG_PARAMETER],
  responses: { 200: { description: 'The page in the negotiated language (Content-Language).', body }, 304: NOT_MODIFIED },
});
const statuspageApi = (operationId: string, summary: string): OperationDoc => ({
  operationId,
  summary,
  description:
    "The shape of Atlassian Statuspage's public API v2 of the same path (https://developer.statuspage.io/), so Statuspage readers can follow this service.",
  tags: ['status page'],
  responses: { 200: { description: 'Statuspage v2 JSON.', body: 'any-json' }, 304: NOT_MODIFIED },
});

const WEB_DOCS: Readonly<Record<string, OperationDoc>> = {
  'GET /': page(
    'getStatusPage',
    'The public status page',
    'html',
    'Overall state, open incidents, advice, components with 90-day uptime and KPIs, maintenance.',
  ),
  'GET /incidents/:id': {
    ...page('getIncidentPage', 'One incident from first post to resolution', 'html', 'The story of one incident or maintenance.'),
    parameters: [pathParameter('id', 'The incident key `<sourceId>:<id>`.'), LANG_PARAMETER],
    responses: {
      200: { description: 'The incident page.', body: 'html' },
      304: NOT_MODIFIED,
      404: { description: 'No such incident (an HTML page saying so).', body: 'html' },
    },
  },
  'GET /history': {
    ...page('getHistoryPage', 'Incident history', 'html', 'Every known story, newest first, ten a page.'),
    parameters: [
      { name: 'page', in: 'query', description: 'Page number, from 1.', required: false, schema: { type: 'integer', minimum: 1 } },
      LANG_PARAMETER,
    ],
  },
  'GET /feed.atom': page('getAtomFeed', 'Incident history as Atom', 'atom', 'Atom 1.0 (RFC 4287), one entry per story.'),
  'GET /feed.rss': page('getRssFeed', 'Incident history as RSS', 'rss', 'RSS 2.0, one item per story.'),
  'GET /api/v2/summary.json': statuspageApi('getStatuspageSummary', 'Statuspage summary'),
  'GET /api/v2/status.json': statuspageApi('getStatuspageStatus', 'Statuspage status indicator'),
  'GET /api/v2/components.json': statuspageApi('getStatuspageComponents', 'Statuspage components'),
  'GET /api/v2/incidents.json': statuspageApi('getStatuspageIncidents', 'Statuspage incidents (the 50 most recent)'),
  'GET /api/v2/incidents/unresolved.json': statuspageApi('getStatuspageUnresolved', 'Statuspage unresolved incidents'),
  'GET /api/v2/scheduled-maintenances.json': statuspageApi('getStatuspageMaintenances', 'Statuspage scheduled maintenances'),
  'GET /badge/:component.svg': {
    operationId: 'getBadge',
    summary: 'SVG status badge of a component',
    tags: ['status page'],
    parameters: [
      pathParameter('component', 'A component id (GET /api/v2/components.json).'),
      {
        name: 'metric',
        in: 'query',
        description: '`uptime` for the uptime badge; absent for the status.',
        required: false,
        schema: { enum: ['uptime'] },
      },
      { name: 'window', in: 'query', description: 'The uptime window.', required: false, schema: { enum: ['24h', '7d', '30d', '90d'] } },
      LANG_PARAMETER,
    ],
    responses: {
      200: { description: 'The badge.', body: 'svg' },
      304: NOT_MODIFIED,
      400: { description: 'An unknown metric or window.', body: 'Error' },
      404: { description: 'No such component.', body: 'Error' },
    },
  },
};

/** Every route the server can register, keyed `METHOD pattern` as the router holds it. HEAD is derived from GET. */
export const ROUTE_DOCS: Readonly<Record<string, OperationDoc>> = {
  ...WEB_DOCS,
  'GET /healthz': {
    operationId: 'getHealthz',
    summary: 'Liveness',
    tags: ['health'],
    responses: { 200: { description: 'The process is up.', body: 'Health' } },
  },
  'GET /readyz': {
    operationId: 'getReadyz',
    summary: 'Readiness',
    description:
      'The store is reachable and the adapters this instance runs are connected. 503 also as soon as shutdown begins, so load balancers stop sending.',
    tags: ['health'],
    responses: {
      200: { description: 'Ready.', body: 'Readiness' },
      503: { description: 'Not ready (store down, an adapter not connected) or stopping.', body: 'Readiness' },
    },
  },
  'GET /metrics': {
    operationId: 'getMetrics',
    summary: 'Prometheus metrics',
    description: 'Prometheus text exposition format (docs/operations.md lists the series).',
    tags: ['health'],
    responses: { 200: { description: 'The metrics.', body: 'text' } },
  },
  'GET /openapi.json': {
    operationId: 'getOpenApi',
    summary: 'This document',
    tags: ['meta'],
    responses: { 200: { description: 'OpenAPI 3.1 of every route this server serves.', body: 'OpenApiDocument' } },
  },
  'GET /api/status': {
    operationId: 'getStatus',
    summary: 'Current status, open incidents and KPIs',
    description: 'Public and read-only (docs/api.md). Served from memory: it answers while the store does not.',
    tags: ['status'],
    responses: { 200: { description: 'The current status.', body: 'ApiStatus' } },
  },
  'GET /api/incidents': {
    operationId: 'listIncidents',
    summary: 'List incidents and maintenances',
    description: 'Open stories and those closed in the last 30 days, newest first.',
    tags: ['incidents'],
    security: ADMIN_SECURITY,
    parameters: queryParameters(incidentListQuerySchema),
    responses: {
      200: { description: 'The incidents.', body: 'IncidentList' },
      400: { description: 'A query parameter is unknown or out of range.', body: 'Error' },
      401: RESPONSES.unauthorized,
      404: RESPONSES.adminOff,
    },
  },
  'GET /api/incidents/:id': {
    operationId: 'getIncident',
    summary: 'Read one incident or maintenance',
    tags: ['incidents'],
    security: ADMIN_SECURITY,
    parameters: [pathParameter('id', 'The incident key `<sourceId>:<id>`, or the id alone for an incident of the manual source.')],
    responses: {
      200: { description: 'The incident with every update.', body: 'Incident' },
      401: RESPONSES.unauthorized,
      404: { description: 'No incident with this id (or the admin API is off).', body: 'Error' },
    },
  },
  'POST /api/incidents': {
    operationId: 'createIncident',
    summary: 'Open a manual incident or maintenance',
    tags: ['incidents'],
    security: ADMIN_SECURITY,
    requestBody: { description: 'The incident.', content: { 'application/json': schemaRef('NewIncident') } },
    responses: {
      201: { description: 'Opened and announced.', body: 'IncidentCreated' },
      400: RESPONSES.badRequest,
      401: RESPONSES.unauthorized,
      404: RESPONSES.adminOff,
      413: RESPONSES.tooLarge,
      503: RESPONSES.storeDown,
    },
  },
  'POST /api/incidents/:id/updates': {
    operationId: 'updateIncident',
    summary: 'Post an update to an incident',
    description: 'A status of resolved or completed closes it and sets its components operational.',
    tags: ['incidents'],
    security: ADMIN_SECURITY,
    parameters: [pathParameter('id', 'The id `POST /api/incidents` answered, or any incident key `<sourceId>:<id>`.')],
    requestBody: { description: 'The update.', content: { 'application/json': schemaRef('IncidentUpdateRequest') } },
    responses: {
      202: { description: 'Accepted and announced.', body: 'UpdateAccepted' },
      400: RESPONSES.badRequest,
      401: RESPONSES.unauthorized,
      404: { description: 'No incident with this id (or the admin API is off).', body: 'Error' },
      413: RESPONSES.tooLarge,
      503: RESPONSES.storeDown,
    },
  },
  'GET /admin': {
    operationId: 'getAdmin',
    summary: 'The web incident composer',
    description:
      "HTML for people (docs/authoring.md): the login form, or with the `sr_admin` session cookie the composer, its preview, the incident list and the audit log. `?incident=<key>` shows that incident's audit log; `?lang=` the language.",
    tags: ['admin'],
    security: [{ adminSession: [] }, {}],
    responses: {
      200: { description: 'The login form or the composer.', body: 'html' },
      404: { description: 'The composer is off (ADMIN_API_TOKEN unset).', body: 'html' },
    },
  },
  'POST /admin': {
    operationId: 'postAdmin',
    summary: "The composer's forms",
    description:
      'Form-encoded, field `action`: `login` (with `token` = ADMIN_API_TOKEN; sets the HttpOnly, SameSite=Strict session cookie), and, with the session cookie and its `csrf` token, `logout`, `new-incident`, `new-maintenance`, `edit`, `resolve`, `preview`, `publish`, `discard`.',
    tags: ['admin'],
    security: [{ adminSession: [] }, {}],
    requestBody: { description: 'An HTML form.', content: { 'application/x-www-form-urlencoded': { type: 'object' } } },
    responses: {
      200: { description: 'The composer with the preview.', body: 'html' },
      303: { description: 'Done: see the composer (login, logout, publish, new, edit).' },
      400: { description: 'The draft is not valid yet: the page says which field.', body: 'html' },
      401: { description: 'Wrong token, or no session: the login form.', body: 'html' },
      403: { description: "The CSRF token is missing or not this session's: nothing was changed.", body: 'html' },
      404: { description: 'The composer is off (ADMIN_API_TOKEN unset), or the incident is not open.', body: 'html' },
      413: RESPONSES.tooLarge,
    },
  },
  'POST /webhooks/:sourceId': {
    operationId: 'pushWebhook',
    summary: 'Status ingest from a webhook source',
    description:
      "The body's format is the source's `format` in the config: statuspage, instatus, alertmanager, grafana or generic (docs/formats.md). " +
      'Authenticate with the source secret: `X-Signature-256` (HMAC), `X-Grafana-Alerting-Signature` (grafana sources), `Authorization: Bearer` or `?token=`; ' +
      'a source with `insecure: true` needs none, one with `requireTimestamp: true` only takes HMAC over `<timestamp>.<raw body>`. ' +
      'Refused requests store nothing.',
    tags: ['webhooks'],
    security: WEBHOOK_SECURITY,
    parameters: [
      pathParameter('sourceId', 'The `id` of a `type: webhook` source in the config.'),
      {
        name: 'X-Signature-Timestamp',
        in: 'header',
        description: 'Unix seconds. With it the HMAC covers `<timestamp>.<raw body>` and a timestamp outside the replay window is refused.',
        required: false,
        schema: { type: 'string', pattern: '^\\d{1,12}$' },
      },
    ],
    requestBody: {
      description: 'A push in the source format.',
      content: {
        'application/json': {
          anyOf: (['StatuspageWebhook', 'InstatusWebhook', 'AlertmanagerWebhook', 'GrafanaWebhook', 'GenericWebhook'] as const).map(
            schemaRef,
          ),
        },
      },
    },
    responses: {
      202: { description: 'Durably queued; the announcements follow.', body: 'WebhookAccepted' },
      400: RESPONSES.badRequest,
      401: { description: 'Missing or wrong signature, bearer or token; a stale timestamp. Nothing was stored.', body: 'Error' },
      404: { description: 'No webhook source with this id.', body: 'Error' },
      409: { description: 'This signed request was already accepted (a replay). Nothing was stored.', body: 'Error' },
      413: RESPONSES.tooLarge,
      503: {
        description: 'The ingest queue is full or the store is unavailable: retry after Retry-After seconds.',
        body: 'Error',
        headers: retryAfter,
      },
    },
  },
  'POST /slack/events': {
    operationId: 'slackEvents',
    summary: 'Slack commands, events and interactivity',
    description: 'Slack HTTP mode only (SLACK_SIGNING_SECRET set, no SLACK_APP_TOKEN). Slack posts here; answered by @slack/bolt.',
    tags: ['platforms'],
    security: [{ slackSignature: [] }],
    requestBody: {
      description: "Slack's payloads: events as JSON, commands and interactivity form-encoded.",
      content: { 'application/json': { type: 'object' }, 'application/x-www-form-urlencoded': { type: 'object' } },
    },
    responses: {
      200: { description: 'Acknowledged; the URL verification handshake answers its challenge.', body: 'any-json' },
      400: { description: 'A body bolt cannot parse.' },
      401: { description: 'Missing, wrong or stale Slack signature.' },
      413: RESPONSES.tooLarge,
    },
  },
  'POST /telegram/webhook': {
    operationId: 'telegramWebhook',
    summary: 'Telegram updates in webhook mode',
    description: 'Only with TELEGRAM_WEBHOOK_URL set; the bot registers this URL with setWebhook.',
    tags: ['platforms'],
    security: [{ telegramSecret: [] }],
    requestBody: { description: 'A Telegram Update.', content: { 'application/json': schemaRef('TelegramUpdate') } },
    responses: {
      200: { description: 'Handled.', body: 'TelegramAccepted' },
      400: { description: 'The body is not a Telegram update.', body: 'Error' },
      401: { description: 'Missing or wrong X-Telegram-Bot-Api-Secret-Token.', body: 'Error' },
      413: RESPONSES.tooLarge,
      503: { description: 'The Telegram adapter is not connected yet; Telegram retries.', body: 'Error' },
    },
  },
};

const SECURITY_SCHEMES = {
  adminSession: {
    type: 'apiKey',
    in: 'cookie',
    name: 'sr_admin',
    description: 'The `/admin` session, set by a login with ADMIN_API_TOKEN.',
  },
  adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_API_TOKEN. When it is unset the admin API is off and answers 404.' },
  webhookSignature: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Signature-256',
    description:
      '`sha256=<hex HMAC-SHA256 of the raw body>` keyed with the source `secret`; with X-Signature-Timestamp, of `<timestamp>.<raw body>`.',
  },
  grafanaSignature: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Grafana-Alerting-Signature',
    description: "Grafana's HMAC (grafana sources): hex HMAC-SHA256 of the body, or of `<timestamp>:<body>` with X-Signature-Timestamp.",
  },
  webhookBearer: {
    type: 'http',
    scheme: 'bearer',
    description: 'The source `secret`, for senders that cannot sign (Alertmanager, Grafana, Statuspage).',
  },
  webhookQueryToken: {
    type: 'apiKey',
    in: 'query',
    name: 'token',
    description: 'The source `secret` in the URL, for senders that can set only a URL.',
  },
  slackSignature: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Slack-Signature',
    description: '`v0=<hex HMAC-SHA256 of "v0:<X-Slack-Request-Timestamp>:<raw body>">` keyed with SLACK_SIGNING_SECRET.',
  },
  telegramSecret: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Telegram-Bot-Api-Secret-Token',
    description: 'TELEGRAM_WEBHOOK_SECRET (or the secret derived from the bot token) given to setWebhook.',
  },
};

/** `/webhooks/:sourceId` → `/webhooks/{sourceId}`. */
export const openApiPath = (pattern: string): string => pattern.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

const mediaFor = (body: ResponseDoc['body']): Record<string, { schema: JsonSchema }> | undefined => {
  if (body === undefined) return undefined;
  if (body === 'text') return { 'text/plain': { schema: { type: 'string' } } };
  if (body === 'any-json') return { 'application/json': { schema: {} } };
  if (body === 'html') return { 'text/html': { schema: { type: 'string' } } };
  if (body === 'atom') return { 'application/atom+xml': { schema: { type: 'string' } } };
  if (body === 'rss') return { 'application/rss+xml': { schema: { type: 'string' } } };
  if (body === 'svg') return { 'image/svg+xml': { schema: { type: 'string' } } };
  return { 'application/json': { schema: schemaRef(body) } };
};

const operation = (doc: OperationDoc, head: boolean): Record<string, unknown> => {
  const responses: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(doc.responses)) {
    const content = head ? undefined : mediaFor(r.body);
    responses[status] = { description: r.description, ...(r.headers ? { headers: r.headers } : {}), ...(content ? { content } : {}) };
  }
  return {
    operationId: head ? `${doc.operationId}Head` : doc.operationId,
    summary: head ? `${doc.summary} (headers only)` : doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    tags: [...doc.tags],
    ...(doc.security ? { security: doc.security } : {}),
    ...(doc.parameters ? { parameters: doc.parameters } : {}),
    ...(doc.requestBody && !head
      ? {
          requestBody: {
            description: doc.requestBody.description,
            required: true,
            content: Object.fromEntries(Object.entries(doc.requestBody.content).map(([type, schema]) => [type, { schema }])),
          },
        }
      : {}),
    responses,
  };
};

const routeKey = (r: { readonly method: string; readonly pattern: string }): string => `${r.method.toUpperCase()} ${r.pattern}`;

/** Registered routes that `ROUTE_DOCS` does not describe: must be none (openapi.test.ts). */
export const undocumentedRoutes = (routes: readonly { readonly method: string; readonly pattern: string }[]): string[] =>
  routes.map(routeKey).filter((k) => !(k in ROUTE_DOCS));

let version: string | undefined;
/** The package version, from the nearest package.json named status-relay above this file (src/ or a compiled dist/). */
const packageVersion = (): string => {
  if (version !== undefined) return version;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'status-relay' && typeof pkg.version === 'string') return (version = pkg.version);
    } catch {
      // No package.json here: look one level up.
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json of status-relay not found above src/http/openapi.ts');
    dir = up;
  }
};

export type OpenApiDocument = z.infer<typeof openApiDocumentSchema>;

/** The document for the routes this server has registered (Slack and Telegram add theirs only when enabled). */
export const buildOpenApiDocument = (
  routes: readonly { readonly method: string; readonly pattern: string }[],
  serviceName: string,
): OpenApiDocument => {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const doc = ROUTE_DOCS[routeKey(r)];
    if (!doc) continue;
    const item = (paths[openApiPath(r.pattern)] ??= {});
    const method = r.method.toLowerCase();
    item[method] = operation(doc, false);
    if (method === 'get') item.head = operation(doc, true);
  }
  return {
    openapi: '3.1.1',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: `${serviceName} — Status Relay`,
      version: packageVersion(),
      description:
        'The HTTP API of Status Relay (docs/api.md). Every answer is JSON except /metrics. A method a path does not list answers 405 with an `Allow` header; ' +
        "an unknown path answers 404. Every answer carries `X-Request-Id` (a proxy's own is kept when it looks like one).",
      license: { name: 'MIT', identifier: 'MIT' },
    },
    paths,
    components: {
      schemas: allComponentSchemas(),
      securitySchemes: SECURITY_SCHEMES,
      responses: {
        MethodNotAllowed: {
          description: 'The path exists, not for this method.',
          headers: { Allow: { description: 'The methods the path takes.', schema: { type: 'string' } } },
          content: { 'application/json': { schema: schemaRef('Error') } },
        },
        NotFound: { description: 'No route at this path.', content: { 'application/json': { schema: schemaRef('Error') } } },
      },
    },
    tags: [
      { name: 'health', description: 'Probes and metrics for operators and load balancers.' },
      { name: 'status', description: 'Public status.' },
      { name: 'incidents', description: 'The admin API (bearer ADMIN_API_TOKEN).' },
      { name: 'webhooks', description: 'Status ingest from monitoring and status pages.' },
      { name: 'platforms', description: 'Where chat platforms deliver to the bot.' },
      { name: 'admin', description: 'The web incident composer (HTML, session cookie).' },
      { name: 'meta', description: 'This document.' },
    ],
  };
};
