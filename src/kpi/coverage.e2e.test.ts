import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/helpers/app.ts';
import { runConsoleCommand } from '../adapters/console/inbound.ts';
import type { ConsoleAdapter } from '../adapters/console/index.ts';
import type { ComponentStatus } from '../core/model.ts';
import type { MessageModel } from '../i18n/message.ts';
import { apiStatusSchema } from './api.ts';

const YAML = `
service: { name: Chatter, locales: [en, zh-CN, ar], timezone: UTC }
components:
  - { id: messaging, name: { en: Messaging, zh-CN: 消息, ar: المراسلة } }
sources:
  - { id: hooks, type: webhook, format: generic, insecure: true }
announce:
  - { platform: console, channel: "#en" }
  - { platform: console, channel: "#zh", locale: zh-CN }
  - { platform: console, channel: "#ar", locale: ar }
digest: { cron: "0 9 * * *" }
`;

const START = Date.parse('2026-03-01T01:43:00Z');
const SEC = 1000;
const HOUR = 3_600_000;

let t: TestApp | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const fieldsOf = (m: MessageModel): Record<string, string> => Object.fromEntries(m.fields.map((f) => [f.label, f.value]));

/**
 * docs/kpi.md#coverage: a figure is labelled with its window only when the data spans ≥ 95 % of it;
 * otherwise with what it spans, and with "not enough data yet" when that is nothing.
 */
describe('KPI windows with partial coverage (en, zh-CN, ar)', () => {
  it('a 12-second outage on a bot that has run for 40 s reads "since 01:43, 40 s" everywhere, and "24 h" once the data covers it', async () => {
    let clock = START;
    const now = () => new Date(clock).toISOString();
    t = await startTestApp(YAML, {}, { now, clock: () => clock });
    const app = t.app;
    const out = app.adapters.get('console') as ConsoleAdapter;
    const set = async (id: string, status: ComponentStatus) => {
      await app.ingest({ kind: 'component', sourceId: 'hooks', component: { id, name: id, status, updatedAt: now() }, at: now() });
      expect(await app.drained()).toBe(true);
    };
    const sentTo = (chat: string) => out.sent.filter((s) => s.target.chatId === chat).map((s) => fieldsOf(s.message));
    await set('messaging', 'operational');
    clock += 28 * SEC;
    await set('messaging', 'major_outage');
    clock += 12 * SEC;
    await set('messaging', 'operational');

    // Announcements: the recovery, in each channel's language.
    expect(sentTo('#en').at(-1)).toMatchObject({ 'Uptime (since 1:43 AM, 40 sec)': '70%' });
    expect(sentTo('#zh').at(-1)).toMatchObject({ '可用率（自 01:43 起，40秒）': '70%' });
    expect(sentTo('#ar').at(-1)).toMatchObject({ 'مدة التشغيل (⁨منذ 1:43 ص، 40 ث⁩)': '70\u200e%\u200e' });
    for (const chat of ['#en', '#zh', '#ar']) for (const f of sentTo(chat)) expect(Object.keys(f).join()).not.toMatch(/24/);

    // /status and /kpi 7d.
    const reply = async (line: string, locale: string) =>
      fieldsOf((await runConsoleCommand(app.router, line, `u-${locale}`, locale)).message);
    expect(await reply('/status', 'en')).toEqual({ Messaging: 'Operational', 'Uptime (since 1:43 AM, 40 sec)': '70%' });
    expect(await reply('/status', 'zh-CN')).toEqual({ 消息: '运行正常', '可用率（自 01:43 起，40秒）': '70%' });
    expect(await reply('/status', 'ar')).toEqual({ المراسلة: 'يعمل بشكل طبيعي', 'مدة التشغيل (⁨منذ 1:43 ص، 40 ث⁩)': '70\u200e%\u200e' });
    expect(await reply('/kpi 7d', 'en')).toEqual({ 'Uptime (since 1:43 AM, 40 sec)': '70%' });
    expect(await reply('/kpi 7d', 'zh-CN')).toEqual({ '可用率（自 01:43 起，40秒）': '70%' });
    expect(await reply('/kpi 7d', 'ar')).toEqual({ 'مدة التشغيل (⁨منذ 1:43 ص، 40 ث⁩)': '70\u200e%\u200e' });

    // /api/status states the coverage and gives no window figure.
    let api = apiStatusSchema.parse(await (await fetch(`${t.baseUrl}/api/status`)).json());
    for (const kpis of [api.kpis!, api.components.find((c) => c.id === 'messaging')!.kpis!]) {
      for (const w of ['24h', '7d', '30d', '90d'] as const) {
        expect(kpis[w]).toMatchObject({
          coveredFrom: '2026-03-01T01:43:00.000Z',
          coveredMs: 40_000,
          covered: false,
          partialFigures: { uptimePercent: 70 },
        });
        expect(kpis[w].figures).toBeUndefined();
      }
    }

    // The digest, per language.
    await app.digest!.postNow();
    expect(await app.drained()).toBe(true);
    const digest = (chat: string) =>
      out.sent
        .filter((s) => s.target.chatId === chat)
        .at(-1)!
        .message.fields.map((f) => f.value);
    expect(digest('#en')).toEqual(['uptime 70% · since 1:43 AM, 40 sec', 'uptime 70% · since 1:43 AM, 40 sec']);
    expect(digest('#zh')).toEqual(['可用率 70% · 自 01:43 起，40秒', '可用率 70% · 自 01:43 起，40秒']);
    expect(digest('#ar')).toEqual([
      'مدة التشغيل ⁨70\u200e%\u200e⁩ · منذ ⁨1:43 ص⁩، ⁨40 ث⁩',
      'مدة التشغيل ⁨70\u200e%\u200e⁩ · منذ ⁨1:43 ص⁩، ⁨40 ث⁩',
    ]);

    // A component seen for the first time this instant: nothing to say yet.
    await set('calls', 'major_outage');
    expect(sentTo('#en').at(-1)).toMatchObject({ 'Uptime (24 h)': 'not enough data yet' });
    expect(sentTo('#zh').at(-1)).toMatchObject({ '可用率（24 小时）': '数据尚不足' });
    expect(sentTo('#ar').at(-1)).toMatchObject({ 'مدة التشغيل (⁨24 ساعة⁩)': 'لا توجد بيانات كافية بعد' });
    await set('calls', 'operational');

    // 25 hours later the 24 h window is covered (the outage has left it); 7 days is not.
    clock += 25 * HOUR;
    expect(await reply('/kpi', 'en')).toEqual({ 'Uptime (24 h)': '100%' });
    expect(await reply('/kpi', 'zh-CN')).toEqual({ '可用率（24 小时）': '100%' });
    expect(await reply('/kpi', 'ar')).toEqual({ 'مدة التشغيل (⁨24 ساعة⁩)': '100\u200e%\u200e' });
    expect(await reply('/kpi 7d', 'en')).toEqual({ 'Uptime (since Mar 1, 2026, 01:43 AM UTC, 1 day 1 hr)': '99.993%' });
    expect(await reply('/kpi 7d', 'zh-CN')).toEqual({ '可用率（自 2026年3月1日 UTC 01:43 起，1天1小时）': '99.993%' });
    expect(await reply('/kpi 7d', 'ar')).toEqual({ 'مدة التشغيل (⁨منذ 1 مارس 2026، 01:43 ص UTC، يوم و1 س⁩)': '99.993\u200e%\u200e' });
    api = apiStatusSchema.parse(await (await fetch(`${t.baseUrl}/api/status`)).json());
    expect(api.kpis!['24h']).toMatchObject({
      covered: true,
      coveredFrom: '2026-03-01T02:43:40.000Z',
      coveredMs: 24 * HOUR,
      figures: { uptimePercent: 100 },
    });
    expect(api.kpis!['24h'].partialFigures).toBeUndefined();
    expect(api.kpis!['7d']).toMatchObject({ covered: false, coveredMs: 25 * HOUR + 40 * SEC });
    expect(api.kpis!['7d'].figures).toBeUndefined();
  }, 60_000);
});
