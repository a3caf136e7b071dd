import { beforeAll, describe, expect, it } from 'vitest';
import { Translator } from '../i18n/i18n.ts';
import { ERROR_ICON, INFO_ICON, toPlainText } from '../i18n/message.ts';
import { storedAnnouncement, storyKey, type Incident, type StatusEvent } from '../core/model.ts';
import {
  buildCommandReply,
  buildDeliveryLabels,
  buildComponentChange,
  buildDigest,
  buildEventMessage,
  buildHeldSummary,
  buildKpiReply,
  buildMessage,
  buildStatusOverview,
  buildSubscriptionsPanel,
  messageInputOf,
  RenderCache,
  type DigestData,
  type MessageKind,
  type RenderContext,
} from './index.ts';

const NOW = '2026-12-02T10:30:00.000Z';
const story = (kind: Incident['kind'], status: Incident['status']): Extract<StatusEvent, { type: 'incident' }> => ({
  type: 'incident',
  id: `page:${kind}:${status}`,
  phase: kind === 'maintenance' ? 'scheduled' : 'opened',
  incident: {
    key: `page:${kind}`,
    sourceId: 'page',
    kind,
    name: kind === 'maintenance' ? 'Database upgrade' : 'Messages delayed',
    status,
    impact: kind === 'maintenance' ? 'maintenance' : 'major',
    startedAt: '2026-12-02T10:00:00.000Z',
    componentIds: ['api'],
    updates: [{ id: 'u1', status, body: 'We are looking.', createdAt: '2026-12-02T10:00:00.000Z' }],
    ...(kind === 'maintenance' ? { scheduledFor: '2026-12-03T02:00:00.000Z', scheduledUntil: '2026-12-03T03:00:00.000Z' } : {}),
  },
  components: [{ id: 'api', name: 'API', status: 'major_outage' }],
  severity: kind === 'maintenance' ? 'maintenance' : 'major',
  at: '2026-12-02T10:00:00.000Z',
});
const change: Extract<StatusEvent, { type: 'component' }> = {
  type: 'component',
  id: 'component:api:1',
  component: { id: 'api', name: 'API', status: 'partial_outage' },
  previous: 'operational',
  severity: 'major',
  at: '2026-12-02T10:10:00.000Z',
};
const digest: DigestData = {
  id: '2026-12-02T09:00:00.000Z',
  from: '2026-12-01T09:00:00.000Z',
  until: '2026-12-02T09:00:00.000Z',
  happenings: [
    { kind: 'component', id: 'api', name: 'API', previous: 'operational', status: 'major_outage', at: '2026-12-01T12:00:00.000Z' },
  ],
  overall: { uptime: 99.5, p95: 120 },
  components: [{ id: 'api', name: 'api', numbers: { uptime: 99.5 } }],
};

let ctx: RenderContext;
beforeAll(async () => {
  ctx = {
    translator: await Translator.create(),
    serviceName: 'Chatter',
    timezone: 'UTC',
    now: NOW,
    fallbackLocale: 'en',
    componentName: (c, locale) => (c.id === 'api' && locale === 'de' ? 'Schnittstelle' : c.id === 'api' ? 'API' : c.name),
    adviceFor: () => [],
  };
});

describe('one builder per message kind (pure: same input, same model)', () => {
  it.each<[MessageKind, () => Parameters<typeof buildMessage>[0], RegExp]>([
    ['incident-story', () => messageInputOf(story('incident', 'investigating')), /Messages delayed/],
    ['maintenance', () => messageInputOf(story('maintenance', 'scheduled')), /Database upgrade/],
    ['component-change', () => messageInputOf(change), /API/],
    ['digest', () => ({ kind: 'digest', digest: { data: digest } }), /99[.,]5/],
    ['held-summary', () => ({ kind: 'held-summary', events: [change, story('incident', 'investigating')] }), /Messages delayed/],
    [
      'status-overview',
      () => ({
        kind: 'status-overview',
        status: { components: change.component ? [change.component] : [], tracked: [], incidents: [], kpiScope: [] },
      }),
      /API/,
    ],
    ['kpi-reply', () => ({ kind: 'kpi-reply', kpi: { window: '24h', figures: undefined } }), /Chatter/],
    ['command-reply', () => ({ kind: 'command-reply', reply: { title: 'Subscribed', tone: 'info' } }), /Subscribed/],
  ])('%s', (kind, input, text) => {
    const model = buildMessage(input(), 'en', ctx);
    expect(input().kind).toBe(kind);
    expect(buildMessage(input(), 'en', ctx)).toEqual(model);
    expect(toPlainText(model)).toMatch(text);
    expect(model.locale).toBe('en');
  });

  it('names the kind of a tracker event: incidents, maintenances and component changes apart', () => {
    expect(messageInputOf(story('incident', 'investigating')).kind).toBe('incident-story');
    expect(messageInputOf(story('maintenance', 'scheduled')).kind).toBe('maintenance');
    expect(messageInputOf(change).kind).toBe('component-change');
    expect(buildMessage(messageInputOf(change), 'de', ctx)).toEqual(buildComponentChange(change, 'de', ctx));
    expect(buildEventMessage(change, 'de', ctx).headline).toContain('Schnittstelle');
  });

  it('a command reply is never marked as a success: errors wear ⚠️, information ℹ️, plain answers no icon of their own', () => {
    expect(buildCommandReply({ title: 'x', tone: 'error' }, 'en', ctx)).toEqual({
      locale: 'en',
      dir: 'ltr',
      severity: 'none',
      title: 'x',
      fields: [],
      advice: [],
      icon: ERROR_ICON,
    });
    expect(buildCommandReply({ title: 'x', tone: 'info', body: 'y' }, 'ar', ctx)).toMatchObject({ dir: 'rtl', icon: INFO_ICON, body: 'y' });
    expect(buildCommandReply({ title: 'x' }, 'en', ctx).icon).toBeUndefined();
  });

  it('the digest without its data (expired) is still a titled message; with a chart it carries the image', () => {
    expect(buildDigest({ data: undefined }, 'en', ctx)).toMatchObject({ title: expect.stringContaining('Chatter'), fields: [] });
    const png = Buffer.from([1, 2, 3]);
    expect(buildDigest({ data: digest, chart: png }, 'de', ctx).image?.png).toBe(png);
    expect(buildDigest({ data: digest }, 'de', ctx).fields.map((f) => f.label)).toContain('Schnittstelle');
  });

  it('the held summary lists the latest state of each story once', () => {
    const later = { ...change, id: 'component:api:2', component: { ...change.component, status: 'operational' as const } };
    const m = buildHeldSummary([change, later], 'en', ctx);
    expect(m.body?.split('\n')).toHaveLength(1);
    expect(m.severity).toBe('none');
  });

  it('the status overview lists problems first and says when nothing is known yet', () => {
    const ok = { id: 'web', name: 'Web', status: 'operational' as const };
    const m = buildStatusOverview({ components: [ok, change.component], tracked: [], incidents: [], kpiScope: [] }, 'en', ctx);
    expect(m.fields.map((f) => f.label)).toEqual(['API', 'Web']);
    expect(m.severity).toBe('major');
    const empty = buildStatusOverview({ components: [], tracked: [], incidents: [], kpiScope: [] }, 'en', ctx);
    expect(empty.fields).toHaveLength(1);
  });

  it('/kpi with figures lists them with uptime to three decimals', () => {
    const m = buildKpiReply({ window: '7d', figures: { window: '7d', uptimePercent: 99.9876 } }, 'en', ctx);
    expect(m.fields[0]?.value).toContain('99.988');
  });
});

describe('the digest travels as its own kind', () => {
  it('an outbox entry written before (a component event with a digest: id) reads as a digest', () => {
    const legacy: StatusEvent = {
      ...change,
      id: 'digest:2026-12-02T09:00:00.000Z',
      component: { id: 'digest', name: 'digest', status: 'operational' },
    };
    expect(storedAnnouncement(legacy)).toEqual({
      type: 'digest',
      id: 'digest:2026-12-02T09:00:00.000Z',
      digestId: '2026-12-02T09:00:00.000Z',
      severity: 'none',
      at: change.at,
    });
    expect(storedAnnouncement(change)).toBe(change);
    expect(storyKey(storedAnnouncement(legacy))).toBe('digest:2026-12-02T09:00:00.000Z');
  });
});

describe('RenderCache', () => {
  it('builds each (event, locale) once per minute', () => {
    let now = NOW;
    let built = 0;
    const cache = new RenderCache(
      (at) => {
        built++;
        return { ...ctx, now: at };
      },
      () => now,
    );
    const first = cache.event(change, 'en');
    expect(cache.event(change, 'en')).toBe(first);
    cache.event(change, 'de');
    expect(built).toBe(2);
    now = '2026-12-02T10:31:00.000Z';
    expect(cache.event(change, 'en')).not.toBe(first);
    expect(built).toBe(3);
  });
});

describe('delivery labels', () => {
  it('are the platform words in the reader language', () => {
    const de = buildDeliveryLabels('de', ctx);
    const en = buildDeliveryLabels('en', ctx);
    expect(en.fullText).toBe('Read the full text');
    expect(de.fullText).not.toBe(en.fullText);
    expect(en.threadName('Outage')).toContain('Outage');
  });
});

describe('buildSubscriptionsPanel', () => {
  const components = [
    { id: 'api', name: 'API', status: 'major_outage' as const },
    { id: 'web', name: 'Website' },
  ];
  const panel = (subscription: { components: string[] } | undefined, locale = 'en') =>
    buildSubscriptionsPanel(
      {
        components,
        subscription: subscription && { platform: 'slack', userId: 'U1', components: subscription.components, createdAt: NOW },
        command: '/statusrelay',
        nameOf: (id) => `gone:${id}`,
      },
      locale,
      ctx,
    );

  it.each([
    ['no subscription', undefined, [false, false], false],
    ['every component (an empty list)', { components: [] }, [true, true], true],
    ['one component, and one that is gone', { components: ['api', 'old'] }, [true, false], true],
  ] satisfies [string, { components: string[] } | undefined, boolean[], boolean][])(
    '%s',
    (_name, subscription, subscribed, offersUnsubscribeAll) => {
      const p = panel(subscription);
      expect(p.rows.map((r) => r.subscribed)).toEqual(subscribed);
      expect(p.rows.map((r) => Boolean(r.subscribedLabel))).toEqual(subscribed);
      expect(Boolean(p.unsubscribeAllLabel)).toBe(offersUnsubscribeAll);
      expect(p.rows[1]!.state).toBe('—');
      expect(p.hint).toContain('/statusrelay');
      if (subscription?.components.includes('old')) expect(p.summary).toContain('gone:old');
    },
  );

  it('says so when there is nothing to pick, in the reader’s language', () => {
    const empty = buildSubscriptionsPanel({ components: [], subscription: undefined, command: '/s', nameOf: (id) => id }, 'de', ctx);
    expect(empty.rows).toEqual([]);
    expect(empty.empty).toBeTruthy();
    expect(empty.empty).not.toBe(
      buildSubscriptionsPanel({ components: [], subscription: undefined, command: '/s', nameOf: (id) => id }, 'en', ctx).empty,
    );
  });
});
