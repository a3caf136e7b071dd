import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComponentCatalog } from '../core/components.ts';
import type { StatusChange, StatusEvent } from '../core/model.ts';
import { Tracker } from '../core/tracker.ts';
import { Translator } from '../i18n/i18n.ts';
import { toPlainText } from '../i18n/message.ts';
import { renderEvent, type RenderContext } from '../i18n/render.ts';
import { openStore } from '../storage/store.ts';
import { StatuspagePage } from '../../test/helpers/statuspage-page.ts';
import { FeedSource } from './feed/index.ts';
import { ManualSource } from './manual/index.ts';
import type { SourceContext } from './source.ts';
import { StatuspageSource } from './statuspage/index.ts';
import { parseStatuspageWebhook } from './statuspage/parse.ts';
import { parseAlertmanager } from './webhook/alertmanager.ts';
import { parseGeneric } from './webhook/generic.ts';
import { parseGrafana } from './webhook/grafana.ts';
import { parseInstatus } from './webhook/instatus.ts';

/**
 * Every source that tells stories: the story's last update reaches readers with its own words —
 * never the update before it (issue 13). Each case runs the real source (or parser) through a real
 * tracker and renders the closing event.
 */
const PREVIOUS = 'A fix has been deployed and we are monitoring the results.';
const OWN = 'Messages are delivered normally again.';

interface Rig {
  readonly ctx: SourceContext;
  push(changes: readonly StatusChange[]): Promise<void>;
  /** A restart: a fresh tracker on the same store. */
  restart(): Promise<void>;
}

const newRig = async (): Promise<{ rig: Rig; events: StatusEvent[] }> => {
  const store = await openStore('sqlite://:memory:');
  const events: StatusEvent[] = [];
  let tracker = new Tracker(store, new ComponentCatalog([]));
  await tracker.load();
  const push = async (changes: readonly StatusChange[]) => {
    for (const c of changes) {
      const r = await tracker.process(c);
      await r.commit();
      events.push(...r.events);
    }
  };
  const ctx: SourceContext = {
    emit: (c) => push([c]),
    openStories: () => tracker.openIncidents(),
    log: pino({ level: 'silent' }),
    signal: new AbortController().signal,
    health: { state: 'pending' },
  };
  return {
    events,
    rig: {
      ctx,
      push,
      restart: async () => {
        tracker = new Tracker(store, new ComponentCatalog([]));
        await tracker.load();
      },
    },
  };
};

const baseline = (sourceId: string): StatusChange => ({
  kind: 'snapshot',
  sourceId,
  components: [],
  incidents: [],
  at: '2026-03-01T00:00:00.000Z',
});

const atom = (entries: { code: string; updates: [time: string, label: string, text: string][] }[]): string =>
  `<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom"><id>tag:x,2005:/history</id><title>X Status - Incident History</title>${entries
    .map(
      (e) =>
        `<entry><id>tag:x,2005:Incident/${e.code}</id><published>2026-03-02T10:00:00Z</published><updated>2026-03-02T10:00:00Z</updated><link rel="alternate" type="text/html" href="https://status.example.com/incidents/${e.code}"/><title>Messages delayed</title><content type="html">${[
          ...e.updates,
        ]
          .reverse()
          .map(
            ([time, label, text]) =>
              `&lt;p&gt;&lt;small&gt;Mar &lt;var data-var='date'&gt; 2&lt;/var&gt;, &lt;var data-var='time'&gt;${time}&lt;/var&gt; UTC&lt;/small&gt;&lt;br&gt;&lt;strong&gt;${label}&lt;/strong&gt; - ${text}&lt;/p&gt;`,
          )
          .join('')}</content></entry>`,
    )
    .join('')}</feed>`;

const feedFetch = (bodies: string[]): typeof fetch => {
  let i = 0;
  return async () =>
    new Response(bodies[Math.min(i++, bodies.length - 1)]!, { status: 200, headers: { 'content-type': 'application/atom+xml' } });
};

const alertGroup = (status: 'firing' | 'resolved') => ({
  version: '4',
  status,
  alerts: [
    {
      status,
      labels: { alertname: 'MessagesDelayed', component: 'messaging', severity: 'critical' },
      annotations: { summary: 'Messages delayed', description: PREVIOUS },
      startsAt: '2026-03-02T09:00:00Z',
      endsAt: status === 'resolved' ? '2026-03-02T10:00:00Z' : '0001-01-01T00:00:00Z',
      fingerprint: 'fp1',
    },
  ],
  commonLabels: {},
  commonAnnotations: {},
});

let page: StatuspagePage;
let pageUrl: string;
beforeAll(async () => {
  page = new StatuspagePage();
  page.addComponent('cmp-msg', 'Messaging');
  pageUrl = await page.listen();
});
afterAll(() => page.close());

type Case = [name: string, run: (rig: Rig) => Promise<void>, own: string | undefined];

const cases: Case[] = [
  [
    'statuspage: the summary drops the resolved incident; its final state comes from incidents/<id>.json',
    async (rig) => {
      const source = new StatuspageSource({ id: 'sp1', type: 'statuspage', url: pageUrl, interval: 60_000 });
      await source.pollOnce(rig.ctx);
      page.post({ id: 'sp1-inc', name: 'Messages delayed', status: 'monitoring', body: PREVIOUS, components: ['cmp-msg'] });
      await source.pollOnce(rig.ctx);
      page.post({ id: 'sp1-inc', status: 'resolved', body: `This incident has been resolved. ${OWN}` });
      await source.pollOnce(rig.ctx);
    },
    OWN,
  ],
  [
    'statuspage: resolved while Status Relay was down (a new source instance; the tracker holds it open)',
    async (rig) => {
      const config = { id: 'sp2', type: 'statuspage', url: pageUrl, interval: 60_000 } as const;
      await new StatuspageSource(config).pollOnce(rig.ctx);
      page.post({ id: 'sp2-inc', name: 'Messages delayed', status: 'monitoring', body: PREVIOUS });
      await new StatuspageSource(config).pollOnce(rig.ctx);
      page.post({ id: 'sp2-inc', status: 'resolved', body: OWN });
      await rig.restart();
      await new StatuspageSource(config).pollOnce(rig.ctx);
    },
    OWN,
  ],
  [
    'statuspage: incidents/<id>.json answers 503 at first; the story waits open, then closes with its words',
    async (rig) => {
      const source = new StatuspageSource({ id: 'sp3', type: 'statuspage', url: pageUrl, interval: 60_000 });
      await source.pollOnce(rig.ctx);
      page.post({ id: 'sp3-inc', name: 'Messages delayed', status: 'monitoring', body: PREVIOUS });
      await source.pollOnce(rig.ctx);
      page.post({ id: 'sp3-inc', status: 'resolved', body: OWN });
      page.failing.add('/api/v2/incidents/sp3-inc.json');
      page.failing.add('/api/v2/incidents.json');
      await source.pollOnce(rig.ctx);
      expect(rig.ctx.openStories!().map((i) => i.key)).toEqual(['sp3:sp3-inc']);
      page.failing.clear();
      await source.pollOnce(rig.ctx);
    },
    OWN,
  ],
  [
    'statuspage: incidents/<id>.json is 404; the story is found in incidents.json',
    async (rig) => {
      const source = new StatuspageSource({ id: 'sp4', type: 'statuspage', url: pageUrl, interval: 60_000 });
      await source.pollOnce(rig.ctx);
      page.post({ id: 'sp4-inc', name: 'Messages delayed', status: 'monitoring', body: PREVIOUS });
      await source.pollOnce(rig.ctx);
      page.post({ id: 'sp4-inc', status: 'resolved', body: OWN });
      page.notById.add('sp4-inc');
      await source.pollOnce(rig.ctx);
      expect(page.hits.get('/api/v2/incidents.json')).toBeGreaterThanOrEqual(1);
    },
    OWN,
  ],
  [
    'statuspage: the page forgot the story (404 everywhere): it closes with no text rather than the previous one',
    async (rig) => {
      const source = new StatuspageSource({ id: 'sp5', type: 'statuspage', url: pageUrl, interval: 60_000 });
      await source.pollOnce(rig.ctx);
      page.post({ id: 'sp5-inc', name: 'Messages delayed', status: 'monitoring', body: PREVIOUS });
      await source.pollOnce(rig.ctx);
      page.stories.delete('sp5-inc');
      await source.pollOnce(rig.ctx);
    },
    undefined,
  ],
  [
    'statuspage webhook',
    async (rig) => {
      const incident = (status: string, updates: [string, string][]) => ({
        incident: {
          id: 'wh1',
          name: 'Messages delayed',
          status,
          impact: 'major',
          created_at: '2026-03-02T09:00:00Z',
          incident_updates: updates
            .map(([s, body], i) => ({ id: `wu${i}`, status: s, body, created_at: `2026-03-02T09:0${i}:00Z` }))
            .reverse(),
        },
      });
      await rig.push(parseStatuspageWebhook(incident('monitoring', [['monitoring', PREVIOUS]]), 'hooks'));
      await rig.push(
        parseStatuspageWebhook(
          incident('resolved', [
            ['monitoring', PREVIOUS],
            ['resolved', OWN],
          ]),
          'hooks',
        ),
      );
    },
    OWN,
  ],
  [
    'feed: an entry that closed while Status Relay was down closes with its own text',
    async (rig) => {
      const open = atom([{ code: 'f1', updates: [['09:00', 'Monitoring', PREVIOUS]] }]);
      const closed = atom([
        {
          code: 'f1',
          updates: [
            ['09:00', 'Monitoring', PREVIOUS],
            ['09:30', 'Resolved', OWN],
          ],
        },
      ]);
      await rig.push([baseline('fd')]);
      await new FeedSource(
        { id: 'fd', type: 'feed', url: 'http://feed.invalid/history.atom', interval: 60_000 },
        feedFetch([open]),
      ).pollOnce(rig.ctx);
      await rig.restart();
      // The new instance started after the entry closed (09:30 on Mar 2): only the open story tells it.
      await new FeedSource(
        { id: 'fd', type: 'feed', url: 'http://feed.invalid/history.atom', interval: 60_000 },
        feedFetch([closed]),
      ).pollOnce(rig.ctx);
    },
    OWN,
  ],
  [
    'generic webhook',
    async (rig) => {
      await rig.push(
        parseGeneric(
          { incident: { id: 'g1', name: 'Messages delayed', status: 'monitoring', message: PREVIOUS } },
          'gen',
          '2026-03-02T09:00:00.000Z',
        ).changes,
      );
      await rig.push(
        parseGeneric(
          { incident: { id: 'g1', name: 'Messages delayed', status: 'resolved', message: OWN } },
          'gen',
          '2026-03-02T10:00:00.000Z',
        ).changes,
      );
    },
    OWN,
  ],
  [
    'instatus webhook',
    async (rig) => {
      const body = (status: string, updates: [string, string][]) => ({
        incident: {
          id: 'is1',
          name: 'Messages delayed',
          status,
          started: '2026-03-02T09:00:00Z',
          incident_updates: updates.map(([s, markdown], i) => ({
            id: `iu${i}`,
            status: s,
            markdown,
            created_at: `2026-03-02T09:0${i}:00Z`,
          })),
        },
      });
      await rig.push(parseInstatus(body('MONITORING', [['MONITORING', PREVIOUS]]), 'ins', '2026-03-02T09:00:00.000Z'));
      await rig.push(
        parseInstatus(
          body('RESOLVED', [
            ['MONITORING', PREVIOUS],
            ['RESOLVED', OWN],
          ]),
          'ins',
          '2026-03-02T10:00:00.000Z',
        ),
      );
    },
    OWN,
  ],
  [
    'alertmanager: a resolved alert keeps its firing annotations, which must not read as the resolution',
    async (rig) => {
      await rig.push(parseAlertmanager(alertGroup('firing'), 'am', '2026-03-02T09:00:00.000Z', 'component'));
      await rig.push(parseAlertmanager(alertGroup('resolved'), 'am', '2026-03-02T10:00:00.000Z', 'component'));
    },
    undefined,
  ],
  [
    'grafana: the same for its resolved alerts',
    async (rig) => {
      await rig.push(
        parseGrafana({ ...alertGroup('firing'), title: '[FIRING:1] MessagesDelayed' }, 'gf', '2026-03-02T09:00:00.000Z', 'component')
          .changes,
      );
      await rig.push(
        parseGrafana({ ...alertGroup('resolved'), title: '[RESOLVED] MessagesDelayed' }, 'gf', '2026-03-02T10:00:00.000Z', 'component')
          .changes,
      );
    },
    undefined,
  ],
  [
    'manual (admin API / CLI)',
    async (rig) => {
      const manual = new ManualSource('manual');
      const opened = manual.open({ name: 'Messages delayed', status: 'monitoring', message: PREVIOUS }, '2026-03-02T09:00:00.000Z');
      await rig.push(opened.changes);
      const first = opened.changes[0]!;
      if (first.kind !== 'incident') throw new Error('expected an incident');
      await rig.push(manual.update(first.incident, { status: 'resolved', message: OWN }, '2026-03-02T10:00:00.000Z'));
    },
    OWN,
  ],
];

describe('the last update of a story carries its own text, from every source that tells stories', () => {
  let ctx: RenderContext;
  beforeAll(async () => {
    ctx = {
      translator: await Translator.create(),
      serviceName: 'Chatter',
      timezone: 'UTC',
      now: '2026-03-02T10:30:00.000Z',
      fallbackLocale: 'en',
      componentName: (c) => c.name,
      adviceFor: () => [],
    };
  });

  it.each(cases)('%s', async (_name, run, own) => {
    const { rig, events } = await newRig();
    await run(rig);
    const render = (e: StatusEvent) => toPlainText(renderEvent(e, 'en', { ...ctx, now: new Date().toISOString() }));
    const resolutions = events.filter((e) => e.type === 'incident' && e.phase === 'resolved');
    expect(resolutions).toHaveLength(1);
    const text = render(resolutions[0]!);
    expect(text).toMatch(/Resolved after/);
    if (own) expect(text).toContain(own);
    // Nor any later edit of the closed story (its components recovering just after).
    for (const e of events.filter((e) => e.type === 'incident' && e.incident.status === 'resolved'))
      expect(render(e)).not.toContain(PREVIOUS);
  });
});
