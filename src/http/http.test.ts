import { createHmac } from 'node:crypto';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startTestApp, type TestApp } from '../../test/helpers/app.ts';

const SECRET = 'wh-secret-123';
const YAML = `
service: { name: Chatter, locales: [en, zh-CN] }
components:
  - { id: messaging, name: { en: Messaging, zh-CN: 消息 } }
sources:
  - { id: hooks, type: webhook, format: statuspage, secret: "${SECRET}" }
  - { id: gen, type: webhook, format: generic, insecure: true }
  - { id: ops, type: manual }
announce:
  - { platform: console, channel: "#ops", locale: en }
`;

const sign = (body: string, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

const componentBody = JSON.stringify({
  page: { id: 'p', status_indicator: 'minor', status_description: 'x' },
  component_update: {
    old_status: 'operational',
    new_status: 'major_outage',
    created_at: '2026-03-02T09:00:00.000Z',
    id: 'cu',
    component_id: 'c1',
  },
  component: { status: 'major_outage', name: 'Messaging', id: 'c1', updated_at: '2026-03-02T09:00:00.000Z' },
});

describe('HTTP routes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(YAML, { ADMIN_API_TOKEN: 'admin-token-xyz' });
  });
  afterAll(async () => t.stop());

  const post = (path: string, body: string | Buffer, headers: Record<string, string> = {}) =>
    fetch(`${t.baseUrl}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

  const nothingStored = async () => {
    expect(t.app.tracker.currentComponents()).toEqual([]);
    expect(t.app.tracker.openIncidents()).toEqual([]);
    const entries = [];
    for await (const e of t.app.store.namespace('incidents').entries()) entries.push(e);
    for await (const e of t.app.store.namespace('components').entries()) entries.push(e);
    expect(entries).toEqual([]);
    expect(t.app.outbox.depth()).toBe(0);
  };

  it('answers /healthz and /readyz with the body documented in docs/api.md', async () => {
    expect((await fetch(`${t.baseUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${t.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      ready: true,
      store: 'ok',
      adapters: { console: 'connected' },
      sources: { hooks: { state: 'ok' } },
    });
  });

  it.each([
    ['unknown source', '/webhooks/nope', componentBody, { 'x-signature-256': sign(componentBody) }, 404],
    ['missing signature', '/webhooks/hooks', componentBody, {}, 401],
    ['bad signature', '/webhooks/hooks', componentBody, { 'x-signature-256': sign(componentBody, 'wrong') }, 401],
    ['signature of another body', '/webhooks/hooks', componentBody, { 'x-signature-256': sign('{}') }, 401],
    ['wrong ?token=', '/webhooks/hooks?token=nope', componentBody, {}, 401],
    ['malformed JSON', '/webhooks/hooks', '{"page": ', { 'x-signature-256': sign('{"page": ') }, 400],
    ['JSON of the wrong shape', '/webhooks/hooks', '{"hello":1}', { 'x-signature-256': sign('{"hello":1}') }, 400],
    ['generic: bad status', '/webhooks/gen', '{"components":[{"name":"Messaging","status":"on fire"}]}', {}, 400],
    ['generic: unknown field', '/webhooks/gen', '{"component":{"name":"Messaging"}}', {}, 400],
  ])('%s → %i and nothing stored', async (_name, path, body, headers, status) => {
    const res = await post(path, body, headers);
    expect(res.status).toBe(status);
    const json = (await res.json()) as { error: string };
    expect(json.error).toEqual(expect.any(String));
    await nothingStored();
  });

  it('refuses a 2 MiB body with 413 and stores nothing', async () => {
    const big = Buffer.alloc(2 * 1_048_576, 0x20);
    const res = await post('/webhooks/gen', big);
    expect(res.status).toBe(413);
    await nothingStored();
  });

  it('accepts exactly 1 MiB (then rejects it as JSON, not as size)', async () => {
    const body = Buffer.alloc(1_048_576, 0x20);
    const res = await post('/webhooks/gen', body);
    expect(res.status).toBe(400);
  });

  it('accepts a correctly signed push with 202, and ?token= for senders that cannot sign', async () => {
    const res = await post('/webhooks/hooks', componentBody, { 'x-signature-256': sign(componentBody) });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: true, changes: 1, samples: 0 });
    expect(await t.app.drained()).toBe(true);
    expect(t.app.tracker.currentComponents().map((c) => [c.id, c.status])).toEqual([['messaging', 'major_outage']]);
    const again = await post(`/webhooks/hooks?token=${SECRET}`, componentBody);
    expect(again.status).toBe(202);
    expect(await t.app.drained()).toBe(true);
    expect(t.consoleText()).toContain('Chatter · Messaging: Major outage');
  });

  it('serves the admin API only with the bearer token', async () => {
    const body = JSON.stringify({ name: 'Login failing', message: 'We are on it.', components: ['messaging'], impact: 'major' });
    expect((await post('/api/incidents', body)).status).toBe(401);
    expect((await post('/api/incidents', body, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await post('/api/incidents', '{"name": 1}', { authorization: 'Bearer admin-token-xyz' })).status).toBe(400);
    const created = await post('/api/incidents', body, { authorization: 'Bearer admin-token-xyz' });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const update = await post(`/api/incidents/${id}/updates`, JSON.stringify({ status: 'resolved', message: 'Fixed.' }), {
      authorization: 'Bearer admin-token-xyz',
    });
    expect(update.status).toBe(202);
    expect(
      (await post('/api/incidents/missing/updates', '{"status":"resolved"}', { authorization: 'Bearer admin-token-xyz' })).status,
    ).toBe(404);
    const status = (await (await fetch(`${t.baseUrl}/api/status`)).json()) as { incidents: unknown[]; components: unknown[] };
    expect(status.incidents).toEqual([]);
    expect(await t.app.drained()).toBe(true);
    expect(t.consoleText()).toContain('Login failing');
    expect(t.consoleText()).toContain('Resolved');
  });

  it('exposes Prometheus metrics', async () => {
    const text = await (await fetch(`${t.baseUrl}/metrics`)).text();
    expect(text).toMatch(/^status_relay_messages_sent_total\{platform="console"\} [1-9]/m);
    expect(text).toMatch(/^status_relay_webhooks_rejected_total [1-9]/m);
  });
});
