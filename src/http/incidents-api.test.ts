import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/helpers/app.ts';
import { apiStatusSchema } from '../kpi/api.ts';
import { apiIncidentSchema, errorSchema, incidentListSchema, type ApiIncident } from './schemas.ts';

const ADMIN = 'incidents-admin-token';
const YAML = `
service: { name: Chatter, locales: [en] }
components:
  - { id: messaging, name: { en: Messaging } }
  - { id: calls, name: { en: Calls } }
sources:
  - { id: gen, type: webhook, format: generic, insecure: true }
  - { id: ops, type: manual }
`;

describe('GET /api/incidents and GET /api/incidents/:id', () => {
  let t: TestApp;
  let off: TestApp;
  const auth = { authorization: `Bearer ${ADMIN}` };
  const get = (path: string, headers: Record<string, string> = auth, method = 'GET') => fetch(`${t.baseUrl}${path}`, { method, headers });
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${t.baseUrl}${path}`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status, await res.clone().text()).toBeLessThan(300);
    return res.json() as Promise<{ id: string; key: string }>;
  };
  const list = async (query = '') => {
    const res = await get(`/api/incidents${query}`);
    expect(res.status).toBe(200);
    return incidentListSchema.parse(await res.json());
  };
  const errorOf = async (res: Response) => errorSchema.parse(await res.json()).error;

  let calls: { id: string; key: string };
  let logins: { id: string; key: string };
  beforeAll(async () => {
    t = await startTestApp(YAML, { ADMIN_API_TOKEN: ADMIN });
    off = await startTestApp(YAML);
    calls = await post('/api/incidents', {
      name: 'Calls drop',
      message: 'Calls drop after a minute.',
      components: ['calls'],
      componentStatus: 'partial_outage',
    });
    await post(`/api/incidents/${calls.id}/updates`, { status: 'identified', message: 'A relay is overloaded.' });
    await post(`/api/incidents/${calls.id}/updates`, { status: 'resolved', message: 'Calls hold again.' });
    logins = await post('/api/incidents', {
      name: 'Logins <b>fail</b>',
      message: 'Some logins fail.',
      components: ['messaging'],
      impact: 'critical',
      cause: 'technical_fault',
    });
    const pushed = await fetch(`${t.baseUrl}/webhooks/gen`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        incident: {
          id: 'lag-1',
          name: 'Messages lag',
          status: 'monitoring',
          components: ['messaging'],
          message: 'Watching.',
          startedAt: '2026-03-02T10:00:00+01:00',
        },
      }),
    });
    expect(pushed.status).toBe(202);
    expect(await t.app.drained(30_000)).toBe(true);
  });
  afterAll(async () => {
    await t?.stop();
    await off?.stop();
  });

  it('lists open and recently closed stories, newest first, in the documented shape', async () => {
    const all = await list();
    expect(all.total).toBe(3);
    expect(all.incidents.map((i) => [i.key, i.status, i.open])).toEqual([
      [logins.key, 'investigating', true],
      [calls.key, 'resolved', false],
      ['gen:lag-1', 'monitoring', true],
    ]);
    const closed = all.incidents[1]!;
    // Every step of the story, oldest first, as the tracker merged them.
    expect(closed.updates.map((u) => [u.status, u.body])).toEqual([
      ['investigating', 'Calls drop after a minute.'],
      ['identified', 'A relay is overloaded.'],
      ['resolved', 'Calls hold again.'],
    ]);
    expect(closed.resolvedAt).toEqual(expect.any(String));
    // A source's time in another offset is given in UTC; markup is gone from names.
    expect(all.incidents[2]!.startedAt).toBe('2026-03-02T09:00:00.000Z');
    expect(all.incidents[0]).toMatchObject({
      name: 'Logins fail',
      impact: 'critical',
      cause: 'technical_fault',
      componentIds: ['messaging'],
      sourceId: 'ops',
      kind: 'incident',
    });
  });

  it('filters by state and source, and limits', async () => {
    expect((await list('?state=open')).incidents.map((i) => i.key)).toEqual([logins.key, 'gen:lag-1']);
    expect((await list('?state=closed')).incidents.map((i) => i.key)).toEqual([calls.key]);
    expect((await list('?source=gen')).incidents.map((i) => i.key)).toEqual(['gen:lag-1']);
    expect((await list('?state=open&source=ops')).incidents.map((i) => i.key)).toEqual([logins.key]);
    const limited = await list('?limit=1');
    expect(limited.incidents.map((i) => i.key)).toEqual([logins.key]);
    expect(limited.total).toBe(3);
  });

  it('refuses a bad or unknown query parameter with 400 naming it', async () => {
    const cases: [string, RegExp][] = [
      ['?state=sideways', /state/],
      ['?limit=0', /limit/],
      ['?limit=lots', /limit/],
      ['?status=open', /status/],
    ];
    for (const [query, named] of cases) {
      const res = await get(`/api/incidents${query}`);
      expect(res.status, query).toBe(400);
      expect(await errorOf(res), query).toMatch(named);
    }
  });

  it('reads one incident by its key or, for the manual source, its own id', async () => {
    const byId = await get(`/api/incidents/${calls.id}`);
    expect(byId.status).toBe(200);
    const incident: ApiIncident = apiIncidentSchema.parse(await byId.json());
    expect(incident).toMatchObject({ key: calls.key, status: 'resolved', open: false, componentIds: ['calls'] });
    expect(incident.updates).toHaveLength(3);
    const byKey = await get(`/api/incidents/${encodeURIComponent('gen:lag-1')}`);
    expect(apiIncidentSchema.parse(await byKey.json())).toMatchObject({ key: 'gen:lag-1', name: 'Messages lag', status: 'monitoring' });
    // The colon needs no escaping in a path segment.
    expect((await get(`/api/incidents/${calls.key}`)).status).toBe(200);
  });

  it('answers an unknown id with 404 and a JSON error', async () => {
    for (const id of ['nothing-here', 'gen:nothing-here', 'nowhere:x']) {
      const res = await get(`/api/incidents/${encodeURIComponent(id)}`);
      expect(res.status, id).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await errorOf(res)).toContain(`no incident "${id}"`);
    }
  });

  it('needs the admin bearer token, and is off (404) without ADMIN_API_TOKEN', async () => {
    for (const path of ['/api/incidents', `/api/incidents/${calls.id}`]) {
      const refused: Record<string, string>[] = [{}, { authorization: 'Bearer wrong' }, { authorization: ADMIN }];
      for (const headers of refused) {
        const res = await get(path, headers);
        expect(res.status, `${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(await errorOf(res)).toMatch(/bearer token/);
      }
      const disabled = await fetch(`${off.baseUrl}${path}`, { headers: auth });
      expect(disabled.status).toBe(404);
      expect(await errorOf(disabled)).toMatch(/ADMIN_API_TOKEN/);
    }
  });

  it('answers HEAD like GET, without a body', async () => {
    for (const [path, headers, status] of [
      ['/api/incidents', auth, 200],
      [`/api/incidents/${calls.id}`, auth, 200],
      ['/api/incidents/nothing-here', auth, 404],
      ['/api/incidents', {}, 401],
    ] as const) {
      const head = await get(path, headers, 'HEAD');
      const full = await get(path, headers);
      expect(head.status, path).toBe(status);
      expect(head.headers.get('content-type')).toBe(full.headers.get('content-type'));
      expect(await head.text()).toBe('');
      await full.text();
    }
  });

  it('/api/status lists the open ones in the same shape', async () => {
    const status = apiStatusSchema.parse(await (await fetch(`${t.baseUrl}/api/status`)).json());
    expect(status.incidents.map((i) => i.key)).toEqual([logins.key, 'gen:lag-1']);
    expect(status.incidents[0]).toEqual((await list('?state=open')).incidents[0]);
  });

  it('forgets closed stories after the 30-day retention, keeps open ones', () => {
    const later = Date.now() + 31 * 86_400_000;
    expect(t.app.tracker.knownIncidents(later).map((i) => i.key)).toEqual([logins.key, 'gen:lag-1']);
  });
});
