import { describe, it, expect, beforeAll } from 'vitest';
import { Translator } from './i18n.ts';
import { renderEvent, type RenderContext } from './render.ts';
import { toPlainText } from './message.ts';
import { formatDuration } from './format.ts';
import type { Incident, StatusEvent } from '../core/model.ts';

const incident: Incident = {
  key: 'page:inc1',
  sourceId: 'page',
  kind: 'incident',
  name: 'Messages <b>delayed</b> & @everyone',
  status: 'identified',
  impact: 'major',
  startedAt: '2026-03-02T09:00:00.000Z',
  url: 'https://stspg.io/abc',
  componentIds: ['messaging', 'calls'],
  updates: [
    { id: 'u1', status: 'investigating', body: 'Looking.', createdAt: '2026-03-02T09:00:00.000Z' },
    { id: 'u2', status: 'identified', body: 'A database node failed.', createdAt: '2026-03-02T09:30:00.000Z' },
  ],
};

const opened: StatusEvent = {
  type: 'incident',
  id: 'page:inc1:u:u2',
  phase: 'updated',
  incident,
  update: incident.updates[1]!,
  components: [
    { id: 'messaging', name: 'Messaging', status: 'major_outage' },
    { id: 'calls', name: 'Calls', status: 'degraded_performance' },
  ],
  severity: 'critical',
  at: '2026-03-02T09:30:00.000Z',
};

const resolved: StatusEvent = {
  ...opened,
  id: 'page:inc1:s:resolved',
  phase: 'resolved',
  incident: { ...incident, status: 'resolved', resolvedAt: '2026-03-02T10:25:00.000Z' },
  components: [{ id: 'messaging', name: 'Messaging', status: 'operational' }],
} as StatusEvent;

let ctx: RenderContext;
beforeAll(async () => {
  const translator = await Translator.create();
  const names: Record<string, Record<string, string>> = {
    messaging: { en: 'Messaging', 'zh-CN': '消息' },
    calls: { en: 'Calls', 'zh-CN': '通话' },
  };
  ctx = {
    translator,
    serviceName: 'Chatter',
    timezone: 'UTC',
    now: '2026-03-02T10:30:00.000Z',
    fallbackLocale: 'en',
    componentName: (c, locale) => names[c.id]?.[locale] ?? c.name,
    adviceFor: (e) => (e.type === 'incident' && e.incident.status === 'resolved' ? [] : ['check_connectivity', 'retry_later']),
  };
});

describe('renderEvent (exact text)', () => {
  it.each([
    [
      'en',
      opened,
      [
        '🔴 Chatter · Critical incident · Identified',
        'Messages <b>delayed</b> & @everyone',
        '',
        'A database node failed.',
        '',
        'Affected: Messaging (Major outage) and Calls (Degraded performance)',
        'Since: Mar 2, 2026, 09:00 AM UTC (1 hr 30 min ago)',
        '',
        'What you can do',
        '• Check your own internet connection (try another website or switch between Wi-Fi and mobile data).',
        '• Retry in a few minutes; what you send is not lost on your side.',
        '',
        'Status page: https://stspg.io/abc',
        '',
        'Updated Mar 2, 2026, 10:30 AM UTC',
      ],
    ],
    [
      'zh-CN',
      opened,
      [
        '🔴 Chatter · 严重事件 · 已查明原因',
        'Messages <b>delayed</b> & @everyone',
        '',
        'A database node failed.',
        '',
        '受影响: 消息（严重中断）和通话（性能下降）',
        '开始时间: 2026年3月2日 UTC 09:00（1小时30分钟前）',
        '',
        '您可以这样做',
        '• 请检查您自己的网络连接（试试打开其他网站，或在 Wi-Fi 和移动数据之间切换）。',
        '• 请几分钟后重试；您这边发送的内容不会丢失。',
        '',
        '状态页面: https://stspg.io/abc',
        '',
        '更新于 2026年3月2日 UTC 10:30',
      ],
    ],
    [
      'en',
      resolved,
      [
        '✅ Chatter · Critical incident · Resolved',
        'Messages <b>delayed</b> & @everyone',
        '',
        'Resolved after 1 hr 25 min. Affected: Messaging.',
        '',
        'A database node failed.',
        '',
        'Affected: Messaging (Operational)',
        'Duration: 1 hr 25 min',
        '',
        'Status page: https://stspg.io/abc',
        '',
        'Updated Mar 2, 2026, 10:30 AM UTC',
      ],
    ],
  ])('%s %#', (locale, event, expected) => {
    expect(toPlainText(renderEvent(event, locale, ctx)).split('\n')).toEqual(expected);
  });

  it('keeps untrusted text in headline/body only, never in the title', () => {
    const m = renderEvent(opened, 'en', ctx);
    expect(m.title).not.toContain('@everyone');
    expect(m.headline).toBe(incident.name);
  });

  it('renders a component change with its previous status', () => {
    const m = renderEvent(
      {
        type: 'component',
        id: 'c',
        component: { id: 'calls', name: 'Calls', status: 'partial_outage' },
        previous: 'operational',
        severity: 'major',
        at: '2026-03-02T10:00:00.000Z',
      },
      'zh-CN',
      ctx,
    );
    expect(m.title).toBe('Chatter · 通话：部分中断');
    expect(m.headline).toBe('通话 的状态从“运行正常”变为“部分中断”');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, 'en', '0 min'],
    [45_000, 'en', '45 sec'],
    [5 * 60_000, 'en', '5 min'],
    [3_600_000 + 5 * 60_000, 'en', '1 hr 5 min'],
    [2 * 86_400_000 + 3_600_000, 'en', '2 days 1 hr'],
    [3_600_000 + 5 * 60_000, 'zh-CN', '1小时5分钟'],
  ])('%i ms in %s → %s', (ms, locale, expected) => {
    expect(formatDuration(ms, locale)).toBe(expected);
  });
});
