import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/helpers/app.ts';
import { CSP } from '../authoring/web.ts';

const YAML = [
  'service: { name: Chatter, locales: [en, ar] }',
  'components:',
  '  - { id: messaging, name: { en: Messaging, ar: المراسلة } }',
  'announce:',
  '  - { platform: console, channel: "#status" }',
].join('\n');
const TOKEN = 'admin-token-123';

/** A tiny cookie jar: `/admin` over plain fetch, as a browser without script would use it. */
const client = (base: string) => {
  let cookie = '';
  const call = async (method: 'GET' | 'POST' | 'HEAD', path: string, form?: Record<string, string>) => {
    const res = await fetch(`${base}${path}`, {
      method,
      redirect: 'manual',
      headers: { ...(cookie ? { cookie } : {}), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    const set = res.headers.get('set-cookie');
    if (set) cookie = set.split(';')[0]!;
    return { res, html: await res.text(), setCookie: set };
  };
  return { call, cookie: () => cookie };
};

const csrfOf = (html: string): string => /name="csrf" value="([^"]+)"/.exec(html)![1]!;

describe('/admin over HTTP', () => {
  let t: TestApp;
  let off: TestApp;
  beforeAll(async () => {
    t = await startTestApp(YAML, { ADMIN_API_TOKEN: TOKEN });
    off = await startTestApp(YAML, {});
  });
  afterAll(async () => {
    await t.stop();
    await off.stop();
  });

  it('is off, like the admin API, without ADMIN_API_TOKEN', async () => {
    const c = client(off.baseUrl);
    for (const method of ['GET', 'HEAD'] as const) expect((await c.call(method, '/admin')).res.status).toBe(404);
    const post = await c.call('POST', '/admin', { action: 'login', token: '' });
    expect(post.res.status).toBe(404);
    expect(post.html).toContain('ADMIN_API_TOKEN');
  });

  it('shows the login form, refuses a wrong token, and a right one sets an HttpOnly, SameSite=Strict cookie', async () => {
    const c = client(t.baseUrl);
    const login = await c.call('GET', '/admin');
    expect(login.res.status).toBe(200);
    expect((await c.call('HEAD', '/admin')).res.status).toBe(200);
    expect(login.res.headers.get('content-security-policy')).toBe(CSP);
    expect(CSP).toMatch(
      /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; img-src data:; form-action 'self'; frame-ancestors 'none'/,
    );
    expect(login.html).not.toMatch(/<script/i);
    expect(login.html).toContain('type="password"');
    const wrong = await c.call('POST', '/admin', { action: 'login', token: 'nope' });
    expect(wrong.res.status).toBe(401);
    expect(wrong.setCookie).toBeNull();
    expect(wrong.html).toContain('That is not the admin token');
    const right = await c.call('POST', '/admin', { action: 'login', token: TOKEN });
    expect(right.res.status).toBe(303);
    expect(right.setCookie).toMatch(/^sr_admin=[A-Za-z0-9_-]{43}; Path=\/admin; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    const composer = await c.call('GET', '/admin');
    expect(composer.html).toContain('Incident composer');
    expect(composer.html).toContain('name="csrf"');
  });

  it('asks for a login again without a session, and refuses a form without this session’s CSRF token', async () => {
    const anonymous = client(t.baseUrl);
    const noSession = await anonymous.call('POST', '/admin', { action: 'publish', name: 'x' });
    expect(noSession.res.status).toBe(401);
    expect(noSession.html).toContain('Your session has ended');

    const c = client(t.baseUrl);
    await c.call('POST', '/admin', { action: 'login', token: TOKEN });
    const other = client(t.baseUrl);
    await other.call('POST', '/admin', { action: 'login', token: TOKEN });
    const othersToken = csrfOf((await other.call('GET', '/admin')).html);
    for (const csrf of [undefined, '', 'forged', othersToken]) {
      const r = await c.call('POST', '/admin', {
        action: 'publish',
        name: 'Forged',
        status: 'investigating',
        ...(csrf !== undefined ? { csrf } : {}),
      });
      expect(r.res.status).toBe(403);
      expect(r.html).toContain('CSRF check failed');
    }
    expect(t.app.tracker.knownIncidents().filter((i) => i.name === 'Forged')).toEqual([]);
  });

  it('composes, previews, publishes, updates and resolves; the audit log shows each step', async () => {
    const c = client(t.baseUrl);
    await c.call('POST', '/admin', { action: 'login', token: TOKEN });
    let csrf = csrfOf((await c.call('GET', '/admin')).html);
    const fields = {
      csrf,
      kind: 'incident',
      name: 'Messages <em>delayed</em>',
      status: 'investigating',
      impact: 'major',
      'component:messaging': 'partial_outage',
      message: 'We are on it & looking.',
    };

    const invalid = await c.call('POST', '/admin', { ...fields, name: '', action: 'preview' });
    expect(invalid.res.status).toBe(400);
    expect(invalid.html).toContain('The draft cannot be published yet: name:');

    const preview = await c.call('POST', '/admin', { ...fields, action: 'preview' });
    expect(preview.res.status).toBe(200);
    expect(preview.html).toContain('Preview: what each audience will read');
    // Both languages, each platform, the RTL one marked so.
    expect(preview.html).toContain('lang="ar" dir="rtl"');
    for (const platform of ['<h4>Slack</h4>', '<h4>Discord</h4>', '<h4>Telegram</h4>', '<h4>Status page</h4>'])
      expect(preview.html.split(platform)).toHaveLength(3);
    // Untrusted text stays text in every rendering.
    expect(preview.html).not.toContain('<em>');
    expect(preview.html).toContain('المراسلة');
    expect(t.app.tracker.knownIncidents()).toEqual([]);
    // The draft is in the store: the form comes back filled.
    expect((await c.call('GET', '/admin')).html).toContain('value="Messages &lt;em&gt;delayed&lt;/em&gt;"');

    const published = await c.call('POST', '/admin', { ...fields, action: 'publish' });
    expect(published.res.status).toBe(303);
    const location = published.res.headers.get('location')!;
    const key = decodeURIComponent(/published=([^&]+)/.exec(location)![1]!);
    expect(await t.app.drained()).toBe(true);
    expect(t.app.tracker.incident(key)).toMatchObject({ name: 'Messages delayed', status: 'investigating' });
    const after = await c.call('GET', location);
    expect(after.html).toContain('Published: Messages delayed');
    expect(after.html).toMatch(/<td>\/admin<\/td>/);

    csrf = csrfOf(after.html);
    expect((await c.call('POST', '/admin', { csrf, action: 'edit', target: 'manual:nothing' })).res.status).toBe(404);
    expect((await c.call('POST', '/admin', { csrf, action: 'edit', target: key })).res.status).toBe(303);
    const editing = await c.call('GET', '/admin');
    expect(editing.html).toContain('Updating: Messages delayed');
    // Pre-filled with the component's status now.
    expect(editing.html).toMatch(
      /name="component:messaging"><option value="">Not affected<\/option><option value="operational">Operational<\/option><option value="degraded_performance">Degraded performance<\/option><option value="partial_outage" selected>/,
    );
    const updated = await c.call('POST', '/admin', {
      csrf,
      target: key,
      status: 'identified',
      impact: 'major',
      'component:messaging': 'partial_outage',
      message: 'Found it.',
      action: 'publish',
    });
    expect(updated.res.status).toBe(303);
    expect((await c.call('POST', '/admin', { csrf, action: 'resolve', target: key })).res.status).toBe(303);
    const resolving = await c.call('GET', '/admin');
    expect(resolving.html).toMatch(/<option value="resolved" selected>/);
    await c.call('POST', '/admin', {
      csrf,
      target: key,
      status: 'resolved',
      impact: 'major',
      'component:messaging': 'operational',
      message: 'All good.',
      action: 'publish',
    });
    expect(await t.app.drained()).toBe(true);
    expect(t.app.tracker.incident(key)?.status).toBe('resolved');
    const audit = await t.app.authoring.audit.of(key);
    expect(audit.map((e) => [e.action, e.who.platform, e.where])).toEqual([
      ['opened', 'web', '/admin'],
      ['updated', 'web', '/admin'],
      ['resolved', 'web', '/admin'],
    ]);
    expect(audit[0]!.who.id).toMatch(/^session-/);
  });

  it('signs out: the cookie is cleared and the session no longer works', async () => {
    const c = client(t.baseUrl);
    await c.call('POST', '/admin', { action: 'login', token: TOKEN });
    const old = c.cookie();
    const csrf = csrfOf((await c.call('GET', '/admin')).html);
    const out = await c.call('POST', '/admin', { csrf, action: 'logout' });
    expect(out.res.status).toBe(303);
    expect(out.setCookie).toMatch(/^sr_admin=; .*Max-Age=0/);
    const replay = await fetch(`${t.baseUrl}/admin`, { headers: { cookie: old } });
    expect(await replay.text()).toContain('type="password"');
  });

  it('speaks the operator’s language (?lang=, then Accept-Language)', async () => {
    const ja = await fetch(`${t.baseUrl}/admin`, { headers: { 'accept-language': 'ja-JP,ja;q=0.9' } });
    expect(await ja.text()).toContain('<html lang="ja" dir="ltr">');
    const ar = await fetch(`${t.baseUrl}/admin?lang=ar`);
    expect(await ar.text()).toContain('<html lang="ar" dir="rtl">');
  });

  it('refuses an unknown action and an oversized form', async () => {
    const c = client(t.baseUrl);
    await c.call('POST', '/admin', { action: 'login', token: TOKEN });
    const csrf = csrfOf((await c.call('GET', '/admin')).html);
    expect((await c.call('POST', '/admin', { csrf, action: 'explode' })).res.status).toBe(400);
    const big = await c.call('POST', '/admin', { csrf, action: 'preview', message: 'x'.repeat(1_100_000) });
    expect(big.res.status).toBe(413);
  });
});
