import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/helpers/app.ts';

/**
 * Two instances on one PostgreSQL store (a fleet behind a load balancer): an `/admin` login made on
 * one is good on the other, a draft saved through one is the other's draft, and a step published
 * through either is announced once and audited once.
 */
const url = process.env.TEST_POSTGRES_URL;
const YAML = [
  'service: { name: Chatter, locales: [en] }',
  'components: [{ id: messaging }]',
  'announce: [{ platform: console, channel: "#status" }]',
].join('\n');
const TOKEN = 'fleet-admin-token';

if (!url) {
  describe('authoring in a fleet', () => it('was not run: TEST_POSTGRES_URL is not set (.ci/run starts PostgreSQL and sets it)', () => {}));
} else {
  describe('authoring in a fleet (PostgreSQL)', () => {
    let a: TestApp;
    let b: TestApp;
    beforeAll(async () => {
      // This test's own database: start from an empty store.
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      for (const table of ['keyv', 'status_relay_lease', 'status_relay_queue', 'status_relay_counter'])
        await client.query(`DELETE FROM ${table}`).catch(() => undefined);
      await client.end();
      a = await startTestApp(YAML, { STORE_URL: url, ADMIN_API_TOKEN: TOKEN });
      b = await startTestApp(YAML, { STORE_URL: url, ADMIN_API_TOKEN: TOKEN });
    });
    afterAll(async () => {
      await b?.stop();
      await a?.stop();
    });

    const post = (base: string, cookie: string, form: Record<string, string>) =>
      fetch(`${base}/admin`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
      });

    it('shares the session, the draft, the publish and the audit log across instances', async () => {
      const login = await post(a.baseUrl, '', { action: 'login', token: TOKEN });
      expect(login.status).toBe(303);
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
      // The login made on A works on B.
      const onB = await (await fetch(`${b.baseUrl}/admin`, { headers: { cookie } })).text();
      expect(onB).toContain('Incident composer');
      const csrf = /name="csrf" value="([^"]+)"/.exec(onB)![1]!;
      // A draft saved through B is the one A shows.
      const fields = {
        csrf,
        kind: 'incident',
        name: 'Fleet-wide outage',
        status: 'investigating',
        impact: 'major',
        'component:messaging': 'major_outage',
        message: 'Looking.',
      };
      expect((await post(b.baseUrl, cookie, { ...fields, action: 'preview' })).status).toBe(200);
      expect(await (await fetch(`${a.baseUrl}/admin`, { headers: { cookie } })).text()).toContain('value="Fleet-wide outage"');
      // Published through whichever instance, announced once by the fleet.
      const follower = a.app.isLeader() ? b : a;
      const leader = follower === a ? b : a;
      const published = await post(follower.baseUrl, cookie, { ...fields, action: 'publish' });
      expect(published.status).toBe(303);
      const key = decodeURIComponent(/published=([^&]+)/.exec(published.headers.get('location')!)![1]!);
      await expect.poll(() => leader.app.tracker.incident(key)?.status, { timeout: 20_000 }).toBe('investigating');
      expect(await leader.app.drained()).toBe(true);
      const announced = (a.consoleText() + b.consoleText()).match(/Fleet-wide outage/g) ?? [];
      expect(announced.length).toBeGreaterThanOrEqual(1);
      expect(follower.consoleText()).not.toContain('Fleet-wide outage');
      expect((await leader.app.authoring.audit.of(key)).map((e) => [e.action, e.where])).toEqual([['opened', '/admin']]);
      expect(await follower.app.authoring.audit.of(key)).toHaveLength(1);
    }, 60_000);
  });
}
