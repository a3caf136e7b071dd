import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOutageApp, OUTAGE_YAML, openOutage } from '../../test/helpers/status-page.ts';
import { startTestApp, type TestApp } from '../../test/helpers/app.ts';
import { waitFor } from '../../test/helpers/child.ts';
import { acceptedLanguages, pageLocale } from './lang.ts';
import { CSS_HASH } from './html.ts';
import { SUPPORTED_LOCALES } from '../i18n/locales.ts';
import { renderEvent } from '../i18n/render.ts';
import { storyEvent } from './data.ts';

const PUBLIC = 'https://status.chatter.example/';

describe('language of the page', () => {
  const offered = [...SUPPORTED_LOCALES];
  const req = (headers: Record<string, string>) => ({ headers });
  it('?lang= first, then the cookie, then Accept-Language by quality, with the chat matcher', () => {
    expect(pageLocale(req({ 'accept-language': 'de' }), new URLSearchParams('lang=zh-hans'), offered, 'en')).toEqual({
      locale: 'zh-CN',
      chosen: true,
    });
    expect(pageLocale(req({ cookie: 'a=1; lang=ar', 'accept-language': 'de' }), new URLSearchParams(), offered, 'en').locale).toBe('ar');
    expect(pageLocale(req({ 'accept-language': 'xx;q=1, ja;q=0.5, fr;q=0.8' }), new URLSearchParams(), offered, 'en').locale).toBe('fr');
    expect(pageLocale(req({ 'accept-language': 'zh-HK' }), new URLSearchParams(), offered, 'en').locale).toBe('zh-TW');
    expect(pageLocale(req({ 'accept-language': 'pt;q=0, xx' }), new URLSearchParams('lang=nope'), offered, 'en').locale).toBe('en');
    expect(acceptedLanguages('en;q=0.1, *, de-CH , fr;q=0')).toEqual(['de-CH', 'en']);
  });
});

describe('the status page over HTTP', () => {
  let t: TestApp;
  let key: string;
  beforeAll(async () => {
    ({ t, key } = await startOutageApp(PUBLIC));
  });
  afterAll(() => t.stop());

  it('GET / shows the outage, its timeline, KPIs and advice in the same words as the chat message', async () => {
    const res = await fetch(`${t.baseUrl}/?lang=en`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toMatch(/^<!doctype html><html lang="en" dir="ltr">/);
    const model = renderEvent(
      storyEvent(t.app.statusPage, t.app.tracker.incident(key)!, new Date().toISOString()),
      'en',
      t.app.renderContext(new Date().toISOString()),
    );
    expect(html).toContain(model.title);
    for (const text of [
      'Major outage',
      'Messages are delayed or fail to send',
      'A failed network link in one data centre.',
      'We are investigating reports',
      'Identified',
      'Investigating',
      'What you can do',
      'Check your own internet connection',
      'Response time p50 / p95',
      'Error rate',
      'Uptime, last 90 days',
      'Core',
      'No maintenance is scheduled.',
    ])
      expect(html, text).toContain(text);
    // Every window of the KPIs, and no script anywhere.
    for (const w of ['24 h', '7 days', '30 days', '90 days']) expect(html).toContain(`<th scope="row">${w}`);
    expect(html).not.toMatch(/<script|\son[a-z]+=|style="/i);
  });

  it('sends a strict CSP whose style hash matches the one style sheet, nosniff, and frame-ancestors from the config', async () => {
    const res = await fetch(`${t.baseUrl}/`);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain(`style-src '${CSS_HASH}'`);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/script-src|unsafe/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const embed = await startTestApp(
      OUTAGE_YAML().replace('timezone: UTC', `timezone: UTC, frameAncestors: ["'self'", "https://intranet.example.com"]`),
    );
    try {
      expect((await fetch(`${embed.baseUrl}/`)).headers.get('content-security-policy')).toContain(
        "frame-ancestors 'self' https://intranet.example.com",
      );
    } finally {
      await embed.stop();
    }
  });

  it('Arabic is right to left with names isolated; the choice is kept in a cookie', async () => {
    const res = await fetch(`${t.baseUrl}/?lang=ar`);
    const html = await res.text();
    expect(html).toMatch(/^<!doctype html><html lang="ar" dir="rtl">/);
    expect(html).toContain('<bdi>المراسلة</bdi>');
    expect(res.headers.get('set-cookie')).toMatch(/^lang=ar; Path=\/; Max-Age=\d+; SameSite=Lax$/);
    expect(res.headers.get('content-language')).toBe('ar');
    const again = await fetch(`${t.baseUrl}/`, { headers: { cookie: 'lang=ar', 'accept-language': 'ja' } });
    expect(again.headers.get('content-language')).toBe('ar');
    const ja = await fetch(`${t.baseUrl}/`, { headers: { 'accept-language': 'ja-JP,en;q=0.5' } });
    expect(await ja.text()).toContain('<html lang="ja" dir="ltr">');
  });

  it('answers 304 to a current ETag, and renders again (new ETag) once the story changes', async () => {
    const first = await fetch(`${t.baseUrl}/?lang=en`);
    const etag = first.headers.get('etag')!;
    expect(first.headers.get('cache-control')).toMatch(/max-age=\d+/);
    expect(first.headers.get('vary')).toBe('Accept-Language, Cookie');
    const same = await fetch(`${t.baseUrl}/?lang=en`, { headers: { 'if-none-match': etag } });
    // The minute may have turned between the two requests: the KPIs and the "updated" line move with it.
    if (same.status !== 304) expect(same.headers.get('etag')).not.toBe(etag);
    else expect(await same.text()).toBe('');
    for (const c of t.app.manual.update(t.app.tracker.incident(key)!, { status: 'monitoring', message: 'Traffic has moved.' }))
      await t.app.ingest(c);
    const changed = await fetch(`${t.baseUrl}/?lang=en`, { headers: { 'if-none-match': etag } });
    expect(changed.status).toBe(200);
    expect(await changed.text()).toContain('Traffic has moved.');
  });

  it('announcements, /status and the page link to service.publicUrl when the source has no page', async () => {
    const now = new Date().toISOString();
    const model = renderEvent(storyEvent(t.app.statusPage, t.app.tracker.incident(key)!, now), 'en', t.app.renderContext(now));
    expect(model.link).toEqual({ label: 'Status page', url: `${PUBLIC}incidents/${encodeURIComponent(key)}` });
    expect(t.consoleText()).toContain(`${PUBLIC}incidents/${encodeURIComponent(key)}`);
    const status = await t.app.router.handle({
      platform: 'console',
      command: 'status',
      args: [],
      userId: 'u1',
      chatId: 'c1',
      chatKind: 'dm',
      localeHint: 'en',
    });
    expect(status.message.link?.url).toBe(PUBLIC);
  });

  it('GET /incidents/:id tells the whole story; an unknown one is a 404 page in the reader language', async () => {
    const res = await fetch(`${t.baseUrl}/incidents/${encodeURIComponent(key)}?lang=zh-CN`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<html lang="zh-CN"');
    expect(html).toContain('时间线');
    expect(html).toContain('A failed network link');
    const missing = await fetch(`${t.baseUrl}/incidents/ops%3Anothing?lang=de`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('Unter dieser Adresse gibt es keinen Vorfall.');
  });

  it('GET /history pages ten stories at a time', async () => {
    for (let i = 0; i < 11; i++) {
      const o = t.app.manual.open({ name: `Old story ${i}`, impact: 'minor', components: ['media'] });
      for (const c of o.changes) await t.app.ingest(c);
      for (const c of t.app.manual.update(t.app.tracker.incident(`ops:${o.id}`)!, { status: 'resolved', message: 'Fixed.' }))
        await t.app.ingest(c);
    }
    const one = await (await fetch(`${t.baseUrl}/history?lang=en`)).text();
    expect(one).toContain('Page 1 of 2');
    expect(one.match(/<article/g)).toHaveLength(10);
    expect(one).toContain('rel="next"');
    const two = await (await fetch(`${t.baseUrl}/history?page=2&lang=en`)).text();
    expect(two).toContain('Page 2 of 2');
    expect(two.match(/<article/g)).toHaveLength(2);
  });

  it('badges: status and uptime, 404 for an unknown component, 400 for an unknown metric', async () => {
    const status = await fetch(`${t.baseUrl}/badge/messaging.svg?lang=en`);
    expect(status.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
    expect(await status.text()).toMatch(/aria-label="Messaging: Major outage"/);
    const uptime = await (await fetch(`${t.baseUrl}/badge/messaging.svg?metric=uptime&window=30d&lang=en`)).text();
    expect(uptime).toMatch(/<title>Messaging: (not enough data yet|[\d.]+% · 30 days)<\/title>/);
    expect((await fetch(`${t.baseUrl}/badge/nope.svg`)).status).toBe(404);
    expect((await fetch(`${t.baseUrl}/badge/messaging.svg?metric=mood`)).status).toBe(400);
  });
});

describe('page weight', () => {
  it('20 components with 90 days of bars and KPIs stay under 100 KB in every language', async () => {
    const components = Array.from(
      { length: 20 },
      (_, i) => `  - { id: c${i}, group: G${i % 4}, name: { en: "Component number ${i}" } }`,
    ).join('\n');
    const yaml = OUTAGE_YAML()
      .replace(/components:\n( {2}- .*\n)+/, `components:\n${components}\n`)
      .replace(/advice:[\s\S]*$/, '');
    const t = await startTestApp(yaml);
    try {
      await openOutage(t).catch(() => undefined);
      for (const lang of SUPPORTED_LOCALES) {
        const body = await (await fetch(`${t.baseUrl}/?lang=${lang}`)).arrayBuffer();
        expect(body.byteLength, lang).toBeLessThan(100 * 1024);
        expect(body.byteLength, lang).toBeGreaterThan(10 * 1024);
      }
    } finally {
      await t.stop();
    }
  });
});

describe('subscribe section', () => {
  it('links to the Telegram bot (t.me/<bot>?start=) and into the Slack workspace once connected, and to no platform that is off', async () => {
    const { TelegramEmulator } = await import('../../test/emulators/telegram/server.ts');
    const emu = new TelegramEmulator();
    await emu.start();
    const t = await startTestApp(OUTAGE_YAML(), { TELEGRAM_BOT_TOKEN: emu.token, TELEGRAM_API_ROOT: emu.apiRoot });
    try {
      const html = await (await fetch(`${t.baseUrl}/?lang=en`)).text();
      expect(html).toContain('<a href="https://t.me/status_relay_bot?start=subscribe" rel="noopener">Follow on Telegram</a>');
      expect(html).not.toContain('discord.com');
    } finally {
      await t.stop();
      await emu.stop();
    }
    const { SlackEmulator } = await import('../../test/emulators/slack/server.ts');
    const slack = await new SlackEmulator().start();
    const withSlack = await startTestApp(OUTAGE_YAML(), {
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: 's',
      SLACK_API_URL: slack.apiUrl,
    });
    try {
      // The workspace and app ids are the ones the emulator's auth.test answered.
      await waitFor(async () => (await (await fetch(`${withSlack.baseUrl}/?lang=en`)).text()).includes('slack.com/app_redirect'), 10_000);
      const html = await (await fetch(`${withSlack.baseUrl}/?lang=en`)).text();
      expect(html).toContain('<a href="https://slack.com/app_redirect?app=A0EMU&amp;team=T0EMU" rel="noopener">Add to Slack</a>');
      expect(html).not.toContain('t.me/');
    } finally {
      await withSlack.stop();
      await slack.stop();
    }
    const off = await startTestApp(OUTAGE_YAML());
    try {
      expect(await (await fetch(`${off.baseUrl}/?lang=en`)).text()).not.toContain('Get updates');
    } finally {
      await off.stop();
    }
  });
});
