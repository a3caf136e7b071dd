import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { startTestApp, type TestApp } from '../../test/helpers/app.ts';
import { NOT_RUN, readSharedJson, sharedFixtureFiles, sharedFixturesPresent } from '../../test/helpers/fixtures.ts';
import { waitFor } from '../../test/helpers/child.ts';
import { hasCommand, startOwnRedis, type OwnRedis } from '../../test/helpers/services.ts';
import { SlackEmulator } from '../../test/emulators/slack/server.ts';
import { signSlack } from '../../test/emulators/slack/sign.ts';
import { TelegramEmulator } from '../../test/emulators/telegram/server.ts';
import { alertGroupSchema } from '../sources/webhook/alertmanager.ts';
import { grafanaSchema } from '../sources/webhook/grafana.ts';
import { instatusWebhookSchema, statuspageWebhookSchema } from '../sources/webhook/schemas.ts';
import { openApiPath, ROUTE_DOCS, undocumentedRoutes, type OpenApiDocument } from './openapi.ts';
import { MAX_BODY_BYTES } from './routes.ts';

// ajv-formats is CommonJS: its plugin is the module's `default`.
const { default: addFormats } = addFormatsModule;

const ADMIN = 'openapi-admin-token';
const HOOK_SECRET = 'openapi-hook-secret-0123';
const SLACK_SECRET = 'openapi-slack-signing-secret';
const TELEGRAM_SECRET = 'openapi_telegram-secret-42';
const YAML = `
service: { name: Chatter, locales: [en] }
components:
  - { id: messaging, name: { en: Messaging } }
sources:
  - { id: page, type: webhook, format: statuspage, secret: "${HOOK_SECRET}" }
  - { id: ins, type: webhook, format: instatus, secret: "${HOOK_SECRET}" }
  - { id: am, type: webhook, format: alertmanager, secret: "${HOOK_SECRET}" }
  - { id: graf, type: webhook, format: grafana, secret: "${HOOK_SECRET}" }
  - { id: gen, type: webhook, format: generic, insecure: true }
  - { id: ops, type: manual }
`;

const own = (dir: string, file: string): string =>
  readFileSync(join(import.meta.dirname, '..', '..', 'test', 'fixtures', dir, file), 'utf8');
const hmac = (body: string | Buffer) => createHmac('sha256', HOOK_SECRET).update(body).digest('hex');
const statuspageBody = JSON.stringify({
  page: { id: 'p', status_indicator: 'minor', status_description: 'x' },
  component_update: {
    old_status: 'operational',
    new_status: 'degraded_performance',
    created_at: '2026-03-02T09:00:00.000Z',
    id: 'cu',
    component_id: 'c1',
  },
  component: { status: 'degraded_performance', name: 'Messaging', id: 'c1', updated_at: '2026-03-02T09:00:00.000Z' },
});
const TOO_LARGE = Buffer.alloc(MAX_BODY_BYTES + 1, 0x20);

type Doc = OpenApiDocument & {
  paths: Record<
    string,
    Record<
      string,
      {
        responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
        requestBody?: { content: Record<string, { schema: unknown }> };
      }
    >
  >;
  components: { schemas: Record<string, unknown> };
};

/**
 * Strict 2020-12 validators for the document's schemas: each component is added under its own URI
 * (a `#/components/…` pointer means the document root, which a bare JSON Schema validator has not).
 */
const schemaValidators = (doc: Doc) => {
  const base = 'https://status-relay.invalid/components/schemas/';
  const rebase = <T>(schema: T): T => JSON.parse(JSON.stringify(schema).replaceAll('"#/components/schemas/', `"${base}`)) as T;
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  for (const [name, schema] of Object.entries(doc.components.schemas))
    ajv.addSchema({ ...rebase(schema as object), $id: `${base}${name}` });
  const cache = new Map<string, ValidateFunction>();
  return (schema: unknown): ValidateFunction => {
    const key = JSON.stringify(schema);
    let fn = cache.get(key);
    if (!fn) cache.set(key, (fn = ajv.compile(rebase(schema as object))));
    return fn;
  };
};

describe('GET /openapi.json', () => {
  let slack: SlackEmulator;
  let telegram: TelegramEmulator;
  let t: TestApp;
  /** The same server with ADMIN_API_TOKEN unset: the admin API's 404. */
  let off: TestApp;
  let doc: Doc;
  let validator: ReturnType<typeof schemaValidators>;
  /** `<method> <path> <status>` of every documented answer a test here produced. */
  const exercised = new Set<string>();

  beforeAll(async () => {
    slack = await new SlackEmulator().start();
    telegram = new TelegramEmulator();
    await telegram.start();
    t = await startTestApp(YAML, {
      ADMIN_API_TOKEN: ADMIN,
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: SLACK_SECRET,
      SLACK_API_URL: slack.apiUrl,
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_API_ROOT: telegram.apiRoot,
      TELEGRAM_WEBHOOK_URL: 'https://relay.example.com',
      TELEGRAM_WEBHOOK_SECRET: TELEGRAM_SECRET,
    });
    off = await startTestApp(YAML, {});
    let readiness: unknown;
    await waitFor(async () => {
      const ready = await fetch(`${t.baseUrl}/readyz`);
      readiness = await ready.json();
      return ready.status === 200;
    }, 20_000).catch(() => expect(JSON.stringify(readiness)).toBe('ready'));
    const res = await fetch(`${t.baseUrl}/openapi.json`);
    expect(res.status).toBe(200);
    doc = (await res.json()) as Doc;
    validator = schemaValidators(doc);
  });
  afterAll(async () => {
    await off?.stop();
    await t?.stop();
    await slack?.stop();
    await telegram?.stop();
  });

  it('is valid OpenAPI 3.1 for a real validator, which refuses a broken copy', async () => {
    const v = new Validator();
    const result = await v.validate(structuredClone(doc));
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(v.version).toBe('3.1');
    // The validator is not a rubber stamp: a response without a description, and a dangling $ref, are refused.
    const broken = structuredClone(doc);
    delete (broken.paths['/healthz']!.get!.responses['200'] as { description?: string }).description;
    expect((await new Validator().validate(broken)).valid).toBe(false);
    const dangling = structuredClone(doc);
    dangling.paths['/api/status']!.get!.responses['200']!.content!['application/json']!.schema = { $ref: '#/components/schemas/Nowhere' };
    expect((await new Validator().validate(dangling)).valid).toBe(false);
  });

  it('documents every route the router serves, with its methods (HEAD with GET), and no route it does not serve', () => {
    const registered = t.app.http.router.list();
    expect(undocumentedRoutes(registered)).toEqual([]);
    const expected = new Map<string, Set<string>>();
    for (const r of registered) {
      const methods = expected.get(openApiPath(r.pattern)) ?? new Set<string>();
      methods.add(r.method.toLowerCase());
      if (r.method === 'GET') methods.add('head');
      expected.set(openApiPath(r.pattern), methods);
    }
    expect(Object.fromEntries(Object.entries(doc.paths).map(([p, item]) => [p, Object.keys(item).sort()]))).toEqual(
      Object.fromEntries([...expected].map(([p, m]) => [p, [...m].sort()])),
    );
    // With Slack in HTTP mode and Telegram in webhook mode every documented route is live.
    expect(Object.keys(ROUTE_DOCS).sort()).toEqual(registered.map((r) => `${r.method} ${r.pattern}`).sort());
    // A route added without documentation is caught.
    expect(undocumentedRoutes([...registered, { method: 'GET', pattern: '/api/secret-new-thing' }])).toEqual(['GET /api/secret-new-thing']);
  });

  it('without Slack and Telegram, their routes are neither served nor documented', async () => {
    const offDoc = (await (await fetch(`${off.baseUrl}/openapi.json`)).json()) as Doc;
    expect(Object.keys(offDoc.paths)).not.toContain('/slack/events');
    expect(Object.keys(offDoc.paths)).not.toContain('/telegram/webhook');
    expect(Object.keys(offDoc.paths)).toContain('/webhooks/{sourceId}');
  });

  it("generates the request schemas from zod: their verdict on real payloads is zod's", () => {
    const cases: [string, z.ZodType, string, unknown][] = [];
    for (const [dir, schemaName, zod] of [
      ['statuspage-webhook', 'StatuspageWebhook', statuspageWebhookSchema],
      ['instatus', 'InstatusWebhook', instatusWebhookSchema],
      ['alertmanager', 'AlertmanagerWebhook', alertGroupSchema],
      ['grafana', 'GrafanaWebhook', grafanaSchema],
    ] as const) {
      if (!sharedFixturesPresent(dir)) console.log(`openapi request schemas on ../shared/fixtures/${dir} ${NOT_RUN(dir)}`);
      for (const f of sharedFixtureFiles(dir)) cases.push([`${dir}/${f}`, zod, schemaName, readSharedJson(dir, f)]);
    }
    cases.push([
      'own instatus',
      instatusWebhookSchema,
      'InstatusWebhook',
      JSON.parse(own('instatus', 'incident-monitoring-title-case.json')),
    ]);
    cases.push([
      'own alertmanager',
      alertGroupSchema,
      'AlertmanagerWebhook',
      JSON.parse(own('alertmanager', 'two-components-firing-and-resolved.json')),
    ]);
    cases.push(['own grafana', grafanaSchema, 'GrafanaWebhook', JSON.parse(own('grafana', 'firing-with-kpi-value.json'))]);
    cases.push(['not a push', statuspageWebhookSchema, 'StatuspageWebhook', { hello: 1 }]);
    cases.push(['alerts of the wrong type', alertGroupSchema, 'AlertmanagerWebhook', { alerts: 'x' }]);
    for (const [name, zod, schemaName, json] of cases) {
      const validate = validator({ $ref: `#/components/schemas/${schemaName}` });
      expect(validate(json), `${name}: ${JSON.stringify(validate.errors)}`).toBe(zod.safeParse(json).success);
    }
  });

  interface Case {
    readonly method: string;
    /** The documented path this request exercises. */
    readonly path: string;
    readonly url: string;
    readonly headers?: Record<string, string>;
    readonly body?: string | Buffer;
    readonly expect: number;
    readonly app?: () => TestApp;
  }
  const admin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
  const json = { 'content-type': 'application/json' };
  const slackChallenge = JSON.stringify({ type: 'url_verification', challenge: 'openapi-challenge', token: 'legacy' });
  const tg = { ...json, 'x-telegram-bot-api-secret-token': TELEGRAM_SECRET };

  /** Statuses documented but not produced here, and where they are tested instead. */
  const ELSEWHERE: Record<string, string> = {
    'get /readyz 503': 'src/http/conventions.test.ts: as soon as shutdown begins',
    'head /readyz 503': 'src/http/conventions.test.ts: as soon as shutdown begins',
    'post /telegram/webhook 503': 'only before the adapter has connected to Telegram',
    // HTML for people, with a session cookie and CSRF tokens: produced, status by status, by its own test.
    ...Object.fromEntries(
      [
        'get /admin 200',
        'get /admin 404',
        'head /admin 200',
        'head /admin 404',
        ...[200, 303, 400, 401, 403, 404, 413].map((s) => `post /admin ${s}`),
      ].map((k) => [k, 'src/http/admin-routes.test.ts']),
    ),
  };
  /** Produced below with a paused redis-server; where that is not installed, by the tests named. */
  const STORE_DOWN: Record<string, string> = {
    'post /api/incidents 503': 'test/store/redis-down.test.ts (the store answers StoreUnavailableError)',
    'post /api/incidents/{id}/updates 503': 'test/store/redis-down.test.ts (the store answers StoreUnavailableError)',
    'post /webhooks/{sourceId} 503': 'src/http/ingress.test.ts (store cannot write) and test/e2e/ingest.test.ts (full queue)',
  };

  /** Sends one request; checks its status is documented and its body validates against the documented schema. */
  const exercise = async (c: Case): Promise<Response> => {
    const app = c.app?.() ?? t;
    const res = await fetch(`${app.baseUrl}${c.url}`, {
      method: c.method,
      ...(c.headers ? { headers: c.headers } : {}),
      ...(c.body !== undefined ? { body: c.body } : {}),
    });
    const label = `${c.method} ${c.url.slice(0, 60)}`;
    expect(res.status, label).toBe(c.expect);
    const op = doc.paths[c.path]?.[c.method.toLowerCase()];
    expect(op, `${label}: ${c.method} ${c.path} is documented`).toBeDefined();
    const documented = op!.responses[String(res.status)];
    expect(documented, `${label}: ${res.status} is documented`).toBeDefined();
    exercised.add(`${c.method.toLowerCase()} ${c.path} ${res.status}`);
    const text = await res.text();
    const media = documented!.content;
    if (c.method === 'HEAD' || !media) {
      expect(text, `${label}: no body`).toBe('');
      return res;
    }
    const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
    expect(Object.keys(media), `${label}: content type ${type} is documented`).toContain(type);
    if (type !== 'application/json') return res;
    const validate = validator(media[type]!.schema);
    expect(validate(JSON.parse(text)), `${label}: ${JSON.stringify(validate.errors)} in ${text.slice(0, 300)}`).toBe(true);
    if (res.status < 300 && c.body !== undefined && op!.requestBody) {
      const bodySchema = op!.requestBody.content['application/json']?.schema;
      const valid = validator(bodySchema);
      expect(
        valid(JSON.parse(c.body.toString())),
        `${label}: the request matches the documented body: ${JSON.stringify(valid.errors)}`,
      ).toBe(true);
    }
    return res;
  };

  it('every documented operation, exercised live, answers only documented statuses with bodies its schemas accept', async () => {
    const created = await fetch(`${t.baseUrl}/api/incidents`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ name: 'Logins fail', message: 'Looking.', components: ['messaging'] }),
    });
    expect(created.status).toBe(201);
    const { id, key } = (await created.json()) as { id: string; key: string };
    const signedTwice = JSON.stringify({ components: [{ name: 'Messaging', status: 'major_outage' }] });
    const instatus = own('instatus', 'incident-monitoring-title-case.json');
    const alertmanager = own('alertmanager', 'two-components-firing-and-resolved.json');
    const grafana = own('grafana', 'firing-with-kpi-value.json');
    const gets = (path: string, url: string, headers: Record<string, string> | undefined, expectStatus: number): Case[] =>
      ['GET', 'HEAD'].map((method) => ({ method, path, url, ...(headers ? { headers } : {}), expect: expectStatus }));

    // The status page's routes, and each answering 304 to its own current ETag.
    const pageRoutes: [string, string][] = [
      ['/', '/?lang=en'],
      ['/incidents/{id}', `/incidents/${encodeURIComponent(key)}`],
      ['/history', '/history?page=1'],
      ['/feed.atom', '/feed.atom'],
      ['/feed.rss', '/feed.rss?lang=en'],
      ['/api/v2/summary.json', '/api/v2/summary.json'],
      ['/api/v2/status.json', '/api/v2/status.json'],
      ['/api/v2/components.json', '/api/v2/components.json'],
      ['/api/v2/incidents.json', '/api/v2/incidents.json'],
      ['/api/v2/incidents/unresolved.json', '/api/v2/incidents/unresolved.json'],
      ['/api/v2/scheduled-maintenances.json', '/api/v2/scheduled-maintenances.json'],
      ['/badge/{component}.svg', '/badge/messaging.svg?metric=uptime&window=7d'],
    ];
    const notModified: Case[] = [];
    for (const [path, url] of pageRoutes) {
      const etag = (await fetch(`${t.baseUrl}${url}`)).headers.get('etag')!;
      notModified.push(...gets(path, url, { 'if-none-match': etag }, 304));
    }
    const pageCases: Case[] = [
      ...pageRoutes.flatMap(([path, url]) => gets(path, url, undefined, 200)),
      ...gets('/incidents/{id}', '/incidents/ops%3Anothing-here', undefined, 404),
      ...gets('/badge/{component}.svg', '/badge/messaging.svg', undefined, 200),
      ...gets('/badge/{component}.svg', '/badge/nothing.svg', undefined, 404),
      ...gets('/badge/{component}.svg', '/badge/messaging.svg?window=1y', undefined, 400),
      ...notModified,
    ];

    const cases: Case[] = [
      ...pageCases,
      ...gets('/healthz', '/healthz', undefined, 200),
      ...gets('/readyz', '/readyz', undefined, 200),
      ...gets('/metrics', '/metrics', undefined, 200),
      ...gets('/openapi.json', '/openapi.json', undefined, 200),
      ...gets('/api/status', '/api/status', undefined, 200),
      ...gets('/api/incidents', '/api/incidents', admin, 200),
      ...gets('/api/incidents', '/api/incidents?state=open&limit=5', admin, 200),
      ...gets('/api/incidents', '/api/incidents', undefined, 401),
      ...gets('/api/incidents', '/api/incidents?state=sideways', admin, 400),
      ...gets('/api/incidents', '/api/incidents', admin, 404).map((c) => ({ ...c, app: () => off })),
      ...gets('/api/incidents/{id}', `/api/incidents/${id}`, admin, 200),
      ...gets('/api/incidents/{id}', `/api/incidents/${encodeURIComponent(key)}`, admin, 200),
      ...gets('/api/incidents/{id}', `/api/incidents/${id}`, { authorization: 'Bearer wrong' }, 401),
      ...gets('/api/incidents/{id}', '/api/incidents/ops:nothing-here', admin, 404),
      {
        method: 'POST',
        path: '/api/incidents',
        url: '/api/incidents',
        headers: admin,
        body: JSON.stringify({ name: 'Calls drop', impact: 'minor' }),
        expect: 201,
      },
      { method: 'POST', path: '/api/incidents', url: '/api/incidents', headers: admin, body: '{"name": 7}', expect: 400 },
      { method: 'POST', path: '/api/incidents', url: '/api/incidents', headers: json, body: '{"name":"x"}', expect: 401 },
      { method: 'POST', path: '/api/incidents', url: '/api/incidents', headers: admin, body: TOO_LARGE, expect: 413 },
      { method: 'POST', path: '/api/incidents', url: '/api/incidents', headers: admin, body: '{"name":"x"}', expect: 404, app: () => off },
      {
        method: 'POST',
        path: '/api/incidents/{id}/updates',
        url: `/api/incidents/${id}/updates`,
        headers: admin,
        body: '{"status":"identified","message":"Found it."}',
        expect: 202,
      },
      {
        method: 'POST',
        path: '/api/incidents/{id}/updates',
        url: `/api/incidents/${id}/updates`,
        headers: admin,
        body: '{"status":"sideways"}',
        expect: 400,
      },
      {
        method: 'POST',
        path: '/api/incidents/{id}/updates',
        url: `/api/incidents/${id}/updates`,
        headers: json,
        body: '{"status":"resolved"}',
        expect: 401,
      },
      {
        method: 'POST',
        path: '/api/incidents/{id}/updates',
        url: '/api/incidents/nothing-here/updates',
        headers: admin,
        body: '{"status":"resolved"}',
        expect: 404,
      },
      {
        method: 'POST',
        path: '/api/incidents/{id}/updates',
        url: `/api/incidents/${id}/updates`,
        headers: admin,
        body: TOO_LARGE,
        expect: 413,
      },
      {
        method: 'POST',
        path: '/webhooks/{sourceId}',
        url: '/webhooks/page',
        headers: { ...json, 'x-signature-256': `sha256=${hmac(statuspageBody)}` },
        body: statuspageBody,
        expect: 202,
      },
      {
        method: 'POST',
        path: '/webhooks/{sourceId}',
        url: '/webhooks/ins',
        headers: { ...json, authorization: `Bearer ${HOOK_SECRET}` },
        body: instatus,
        expect: 202,
      },
      {
        method: 'POST',
        path: '/webhooks/{sourceId}',
        url: `/webhooks/am?token=${HOOK_SECRET}`,
        headers: json,
        body: alertmanager,
        expect: 202,
      },
      {
        method: 'POST',
        path: '/webhooks/{sourceId}',
        url: '/webhooks/graf',
        headers: { ...json, 'x-grafana-alerting-signature': hmac(grafana) },
        body: grafana,
        expect: 202,
      },
      { method: 'POST', path: '/webhooks/{sourceId}', url: '/webhooks/gen', headers: json, body: signedTwice, expect: 202 },
      {
        method: 'POST',
        path: '/webhooks/{sourceId}',
        url: '/webhooks/page',
        headers: { ...json, 'x-signature-256': `sha256=${hmac(signedTwice)}` },
        body: signedTwice,
        expect: 400,
      },
      { method: 'POST', path: '/webhooks/{sourceId}', url: '/webhooks/page', headers: json, body: statuspageBody, expect: 401 },
      { method: 'POST', path: '/webhooks/{sourceId}', url: '/webhooks/nope', headers: json, body: statuspageBody, expect: 404 },
      {
        method: 'POST',
        path: '/webhooks/{sourceId}',
        url: '/webhooks/page',
        headers: { ...json, 'x-signature-256': `sha256=${hmac(statuspageBody)}` },
        body: statuspageBody,
        expect: 409,
      },
      { method: 'POST', path: '/webhooks/{sourceId}', url: '/webhooks/gen', headers: json, body: TOO_LARGE, expect: 413 },
      {
        method: 'POST',
        path: '/slack/events',
        url: '/slack/events',
        headers: { ...json, ...signSlack(SLACK_SECRET, slackChallenge) },
        body: slackChallenge,
        expect: 200,
      },
      {
        method: 'POST',
        path: '/slack/events',
        url: '/slack/events',
        headers: { ...json, ...signSlack(SLACK_SECRET, '{"type":') },
        body: '{"type":',
        expect: 400,
      },
      { method: 'POST', path: '/slack/events', url: '/slack/events', headers: json, body: slackChallenge, expect: 401 },
      { method: 'POST', path: '/slack/events', url: '/slack/events', headers: json, body: TOO_LARGE, expect: 413 },
      { method: 'POST', path: '/telegram/webhook', url: '/telegram/webhook', headers: tg, body: '{"update_id": 7001}', expect: 200 },
      { method: 'POST', path: '/telegram/webhook', url: '/telegram/webhook', headers: tg, body: '{"message": {}}', expect: 400 },
      {
        method: 'POST',
        path: '/telegram/webhook',
        url: '/telegram/webhook',
        headers: { ...json, 'x-telegram-bot-api-secret-token': 'wrong' },
        body: '{"update_id": 7002}',
        expect: 401,
      },
      { method: 'POST', path: '/telegram/webhook', url: '/telegram/webhook', headers: tg, body: TOO_LARGE, expect: 413 },
    ];

    for (const c of cases) await exercise(c);

    // The pushes were recorded, not only answered.
    expect(await t.app.drained(30_000)).toBe(true);
    expect(t.app.tracker.knownIncidents().map((i) => i.sourceId)).toEqual(expect.arrayContaining(['ops', 'ins', 'am', 'graf']));
  });

  const withRedis = hasCommand('redis-server');
  describe.skipIf(!withRedis)('while the store does not answer (its own redis-server, paused with SIGSTOP)', () => {
    let redis: OwnRedis;
    let down: TestApp;
    beforeAll(async () => {
      redis = await startOwnRedis();
      down = await startTestApp(YAML, { ADMIN_API_TOKEN: ADMIN, STORE_URL: redis.url }, { storeTimeoutMs: 500 });
    });
    afterAll(async () => {
      redis?.resume();
      await down?.stop();
      await redis?.stop();
    });

    it('writes answer the documented 503 with Retry-After, reads still answer, and writes succeed once it answers again', async () => {
      await exercise({
        method: 'POST',
        path: '/api/incidents',
        url: '/api/incidents',
        headers: admin,
        body: '{"name":"Before the pause"}',
        expect: 201,
        app: () => down,
      });
      expect(await down.app.drained(30_000)).toBe(true);
      const [created] = down.app.tracker.knownIncidents();
      expect(created?.name).toBe('Before the pause');
      redis.pause();
      const writes: Case[] = [
        {
          method: 'POST',
          path: '/api/incidents',
          url: '/api/incidents',
          headers: admin,
          body: '{"name":"During the pause"}',
          expect: 503,
          app: () => down,
        },
        {
          method: 'POST',
          path: '/api/incidents/{id}/updates',
          url: `/api/incidents/${encodeURIComponent(created!.key)}/updates`,
          headers: admin,
          body: '{"status":"resolved"}',
          expect: 503,
          app: () => down,
        },
        {
          method: 'POST',
          path: '/webhooks/{sourceId}',
          url: '/webhooks/gen',
          headers: json,
          body: '{"components":[{"name":"Messaging","status":"major_outage"}]}',
          expect: 503,
          app: () => down,
        },
      ];
      for (const c of writes) expect(Number((await exercise(c)).headers.get('retry-after')), c.url).toBeGreaterThan(0);
      // Reads are served from memory: they still answer.
      await exercise({ method: 'GET', path: '/api/status', url: '/api/status', expect: 200, app: () => down });
      await exercise({
        method: 'GET',
        path: '/api/incidents/{id}',
        url: `/api/incidents/${encodeURIComponent(created!.key)}`,
        headers: admin,
        expect: 200,
        app: () => down,
      });
      redis.resume();
      await waitFor(async () => (await fetch(`${down.baseUrl}/readyz`)).status === 200, 20_000);
      for (const c of writes) await exercise({ ...c, expect: c.path === '/api/incidents' ? 201 : 202 });
    });
  });

  it('every documented status was produced (or is named with the test that produces it)', () => {
    const elsewhere = { ...ELSEWHERE, ...(withRedis ? {} : STORE_DOWN) };
    const missing: string[] = [];
    for (const [path, item] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(item))
        for (const status of Object.keys(op.responses)) {
          const k = `${method} ${path} ${status}`;
          if (!exercised.has(k) && !(k in elsewhere)) missing.push(k);
        }
    expect(missing).toEqual([]);
  });

  it('a method a path does not take answers 405 with Allow naming exactly the documented methods', async () => {
    for (const [path, item] of Object.entries(doc.paths)) {
      const url = path.replace(/\{[^}]+\}/g, 'x');
      const res = await fetch(`${t.baseUrl}${url}`, { method: 'DELETE' });
      expect(res.status, path).toBe(405);
      expect(res.headers.get('allow')?.split(', ').sort(), path).toEqual(
        Object.keys(item)
          .map((m) => m.toUpperCase())
          .sort(),
      );
      const validate = validator({ $ref: '#/components/schemas/Error' });
      expect(validate(await res.json())).toBe(true);
    }
  });
});
