import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/helpers/app.ts';
import { runConsoleCommand } from '../adapters/console/inbound.ts';
import { toPlainText } from '../i18n/message.ts';
import type { ConsoleAdapter } from '../adapters/console/index.ts';
import { apiStatusSchema } from './api.ts';

const YAML = `
service: { name: Chatter, locales: [en, zh-CN] }
components:
  - { id: messaging, name: { en: Messaging, zh-CN: 消息 } }
sources:
  - { id: hooks, type: webhook, format: generic, insecure: true }
  - { id: alerts, type: webhook, format: alertmanager, componentLabel: service, insecure: true }
announce:
  - { platform: console, channel: "#ops" }
  - { platform: console, channel: "#运维", locale: zh-CN }
digest: { cron: "0 9 * * *" }
`;

let t: TestApp | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const post = (path: string, body: unknown) =>
  fetch(`${t!.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('KPIs in a running app', () => {
  it('pushed samples and status history show in announcements, /status, /kpi (with a chart) and the digest', async () => {
    t = await startTestApp(YAML);
    const samples = [
      ...Array.from({ length: 90 }, () => ({ component: 'Messaging', metric: 'response_time_ms', value: 240 })),
      ...Array.from({ length: 10 }, () => ({ component: 'Messaging', metric: 'response_time_ms', value: 1800 })),
      { component: 'messaging', metric: 'error_rate_percent', value: 4.1 },
    ];
    expect((await post('/webhooks/hooks', { samples })).status).toBe(202);
    const res = await post('/webhooks/hooks', {
      components: [{ id: 'messaging', name: 'Messaging', status: 'degraded_performance' }],
      incident: {
        id: 'i1',
        name: 'Messages slow',
        status: 'investigating',
        impact: 'minor',
        components: ['messaging'],
        message: 'Looking into it.',
        cause: 'network_congestion',
      },
    });
    expect(res.status).toBe(202);
    await t.app.drained();
    const out = t.consoleText();
    // The announcement carries the numbers (uptime from the history, p50/p95, error rate) and advice.
    // The first announcement already counts the new status (degraded still counts as up), over the
    // moment the bot has watched, and says so (docs/kpi.md#coverage): under a second is no uptime yet.
    expect(out.slice(0, out.indexOf('└'))).toMatch(/Uptime \((since \d+:\d\d [AP]M, \d+ sec\): 100%|24 h\): not enough data yet)/);
    // Quantiles come from the sketch: within 1 % of 240 ms and 1.8 s.
    expect(out).toMatch(/Response time p50 \/ p95: 24[0-2] ms \/ 1\.(79|8|81) sec/);
    expect(out).toContain('Error rate: 4.1%');
    expect(out).toContain('Check your own internet connection');
    expect(out).toContain('可用率');

    const status = await runConsoleCommand(t.app.router, '/status', 'u1', 'en');
    expect(toPlainText(status.message)).toMatch(/Error rate: 4\.1%/);
    const kpi = await runConsoleCommand(t.app.router, '/kpi 7d', 'u2', 'zh-CN');
    expect(kpi.locale).toBe('zh-CN');
    expect(kpi.message.fields.map((f) => f.label)).toContain('错误率');
    expect(kpi.message.image?.png.subarray(1, 4).toString('latin1')).toBe('PNG');

    const api = apiStatusSchema.parse(await (await fetch(`${t.baseUrl}/api/status`)).json());
    expect(api.kpis?.['24h'].partialFigures?.errorRatePercent).toBeCloseTo(4.1, 5);

    // The digest goes through delivery to both announce channels, each in its language.
    const console = t.app.adapters.get('console') as ConsoleAdapter;
    const before = console.sent.length;
    // Over a second of watching: under that the digest says "not enough data yet" (docs/kpi.md#coverage).
    await new Promise((r) => setTimeout(r, 1100));
    await t.app.digest!.postNow();
    await t.app.drained();
    const digests = console.sent.slice(before);
    expect(digests.map((d) => d.target.chatId).sort()).toEqual(['#ops', '#运维']);
    const en = digests.find((d) => d.target.chatId === '#ops')!.message;
    expect(en.title).toBe('Chatter · Summary');
    expect(en.body).toContain('Messages slow: Investigating');
    expect(en.fields[0]!.value).toMatch(/uptime .*% · p95 1\.(79|8|81) sec · errors 4\.1%/);
    expect(en.image?.png.length).toBeGreaterThan(1000);
    expect(digests.find((d) => d.target.chatId === '#运维')!.message.title).toBe('Chatter · 摘要');
    // The next digest starts where this one ended: nothing happened since.
    await t.app.digest!.postNow();
    await t.app.drained();
    expect(console.sent.slice(-2).find((d) => d.target.chatId === '#ops')!.message.body).toBe(
      'No incidents or status changes since the last summary.',
    );
  });

  it('alertmanager alerts map to components by the configured label and are announced', async () => {
    t = await startTestApp(YAML);
    const res = await post('/webhooks/alerts', {
      version: '4',
      status: 'firing',
      receiver: 'relay',
      groupLabels: {},
      commonLabels: {},
      commonAnnotations: {},
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'Down', service: 'messaging', severity: 'critical' },
          annotations: { summary: 'Messaging is down' },
          startsAt: new Date().toISOString(),
          endsAt: '0001-01-01T00:00:00Z',
          fingerprint: 'abc',
        },
      ],
    });
    expect(res.status).toBe(202);
    await t.app.drained();
    expect(t.consoleText()).toContain('Messaging is down');
    expect(t.app.tracker.currentComponents().find((c) => c.id === 'messaging')?.status).toBe('major_outage');
  });

  it('refuses a digest cron that is not one, with the field named', async () => {
    await expect(startTestApp(YAML.replace('0 9 * * *', 'every morning'))).rejects.toThrow(/digest\.cron/);
  });
});
