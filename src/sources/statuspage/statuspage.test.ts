import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, expect } from 'vitest';
import { parseComponents, parseIncident, parseStatuspageWebhook, parseSummary } from './parse.ts';
import { Tracker } from '../../core/tracker.ts';
import { ComponentCatalog } from '../../core/components.ts';
import { openStore } from '../../storage/store.ts';
import type { StatusChange, StatusEvent } from '../../core/model.ts';
import { NOT_RUN, readSharedJson, sharedFixtureFiles, sharedFixturesPresent } from '../../../test/helpers/fixtures.ts';

const own = (name: string): unknown => JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8'));

const freshTracker = async () => {
  const store = await openStore('sqlite://:memory:');
  const tracker = new Tracker(store, new ComponentCatalog([]));
  await tracker.load();
  return { store, tracker };
};

/** Runs changes through a tracker (committing each) and returns all events. */
const run = async (tracker: Tracker, changes: StatusChange[]): Promise<StatusEvent[]> => {
  const events: StatusEvent[] = [];
  for (const c of changes) {
    const r = await tracker.process(c);
    await r.commit();
    events.push(...r.events);
  }
  return events;
};

const emptyBaseline = (sourceId: string): StatusChange => ({
  kind: 'snapshot',
  sourceId,
  components: [],
  incidents: [],
  at: '2000-01-01T00:00:00.000Z',
});

/** Any Statuspage API payload: summary, components, incidents, maintenances, status, an incidents array, or one element. */
const changesOf = (json: unknown, sourceId: string): StatusChange[] => {
  if (Array.isArray(json))
    return json.map((i) => ({ kind: 'incident', sourceId, incident: parseIncident(i, sourceId), at: '2026-01-01T00:00:00.000Z' }));
  const o = json as Record<string, unknown>;
  // `incidents.json` (page + the 50 most recent) is a list of stories, not the summary's present state.
  if (o.page && !('components' in o) && Array.isArray(o.incidents)) return changesOf(o.incidents, sourceId);
  if (o.page) return [parseSummary(o, sourceId, '2026-01-01T00:00:00.000Z')];
  return [{ kind: 'incident', sourceId, incident: parseIncident(o, sourceId), at: '2026-01-01T00:00:00.000Z' }];
};

describe('Statuspage parsing (own fixtures)', () => {
  it('reads a summary: groups folded into children, times to UTC, updates oldest first, HTML cleaned', () => {
    const change = parseSummary(own('summary-outage.json'), 'page');
    if (change.kind !== 'snapshot') throw new Error('expected a snapshot');
    expect(change.components).toEqual([
      { id: 'c1', name: 'Messaging', status: 'major_outage', groupName: 'Core', updatedAt: '2026-03-02T09:05:00.000Z' },
      { id: 'c2', name: 'Calls', status: 'operational', groupName: 'Core', updatedAt: '2026-03-01T07:00:00.000Z' },
      { id: 'c3', name: 'Login', status: 'degraded_performance', updatedAt: '2026-03-02T09:10:00.000Z' },
    ]);
    const incident = change.incidents[0]!;
    expect(incident).toMatchObject({
      key: 'page:inc1',
      name: 'Messages & media delayed',
      status: 'identified',
      impact: 'major',
      startedAt: '2026-03-02T09:00:00.000Z',
      url: 'https://stspg.io/abc',
      componentIds: ['c1'],
    });
    expect(incident.updates.map((u) => u.id)).toEqual(['u1', 'u2']);
    expect(incident.updates[1]!.body).toBe('Root cause found.\n\nA database (https://example.com/db) node failed.\nFailover running.');
    expect(incident.updates[1]!.affectedComponents).toEqual([
      { id: 'c1', name: 'Messaging', oldStatus: 'partial_outage', newStatus: 'major_outage' },
    ]);
  });

  it('turns the first summary into a baseline and later changes into one story', async () => {
    const { tracker } = await freshTracker();
    expect(await run(tracker, [parseSummary(own('summary-outage.json'), 'page', '2026-03-02T09:20:00.000Z')])).toEqual([]);
    expect(tracker.openIncidents().map((i) => i.key)).toEqual(['page:inc1']);
    // The page recovers: the incident disappears from the summary, Messaging and Login go back to operational.
    const recovered = own('summary-outage.json') as { components: { status: string }[]; incidents: unknown[] };
    for (const c of recovered.components) c.status = 'operational';
    recovered.incidents = [];
    const events = await run(tracker, [parseSummary(recovered, 'page', '2026-03-02T10:00:00.000Z')]);
    expect(
      events.map((e) =>
        e.type === 'incident'
          ? `${e.type}:${e.phase}:${e.incident.key}`
          : `${e.type}:${e.component.id}:${e.previous}>${e.component.status}`,
      ),
    ).toEqual(['incident:resolved:page:inc1', 'component:Login:degraded_performance>operational']);
  });

  it('reads a component webhook', () => {
    const [change] = parseStatuspageWebhook(own('webhook-component.json'), 'hooks');
    expect(change).toMatchObject({
      kind: 'component',
      component: { id: 'c2', name: 'Calls', status: 'partial_outage' },
      at: '2026-03-02T09:00:00.000Z',
    });
  });

  it.each([
    [{}, /expected an "incident" or "component_update"/],
    [[], /body is not a JSON object/],
    [{ incident: { name: 'x' } }, /incident\.id is missing/],
    [{ component_update: { new_status: 'on fire', component_id: 'x' } }, /needs component id and new_status/],
  ])('refuses malformed webhook %j with a precise message', (json, expected) => {
    expect(() => parseStatuspageWebhook(json, 'hooks')).toThrow(expected);
  });
});

describe('Statuspage API payloads from ../shared/fixtures/statuspage-api', () => {
  const files = sharedFixtureFiles('statuspage-api');
  if (!sharedFixturesPresent('statuspage-api')) {
    it(NOT_RUN('statuspage-api'), () => {});
    return;
  }

  /** What each real payload must yield after an empty baseline, by hand from the files. */
  const expected: Record<string, { incidents: string[]; components: number }> = {
    'atc0005-coinbase-components-groups-mixed-status.json': { incidents: [], components: 3 },
    'atc0005-instructure-summary-2021-12-07-aws-outage-11-updates-groups.json': { incidents: ['opened:identified:11'], components: -1 },
    'atc0005-intercom-components-groups.json': { incidents: [], components: 0 },
    'atc0005-qualys-components-major-outage-maintenance.json': { incidents: [], components: 5 },
    'platformpal-telerik-2016-incidents-array-crlf-bodies.json': {
      incidents: [
        'resolved:resolved:3',
        'resolved:resolved:3',
        'resolved:resolved:2',
        'resolved:resolved:4',
        'resolved:resolved:2',
        'resolved:resolved:3',
        'completed:completed:3',
        'resolved:resolved:2',
        'resolved:resolved:3',
      ],
      components: 0,
    },
    'rapid7-github-summary-2019-12-operational.json': { incidents: [], components: 0 },
    'rapid7-github-summary-2020-04-02-major-outage.json': { incidents: ['opened:investigating:2'], components: 6 },
    'stactus-components-github-2024-09-17.json': { incidents: [], components: 0 },
    'stactus-incidents-github-2024-09-16-multi-update-html-br.json': {
      incidents: ['resolved:resolved:6', 'resolved:resolved:6'],
      components: 0,
    },
    'whadup-github-incident-resolved-6-updates.element.json': { incidents: ['resolved:resolved:6'], components: 0 },
    'whadup-github-incidents-unresolved-empty.json': { incidents: [], components: 0 },
    'whadup-github-scheduled-maintenance-completed-html-body.element.json': { incidents: ['completed:completed:4'], components: 0 },
    'whadup-github-scheduled-maintenances-upcoming-empty.json': { incidents: [], components: 0 },
    'whadup-github-status.json': { incidents: [], components: 0 },
  };

  it('has an expectation for every file', () => {
    expect(files).toEqual(Object.keys(expected).sort());
  });

  it.each(files)('%s yields the right events, and nothing again after a restart', async (file) => {
    const json = readSharedJson('statuspage-api', file);
    const { store, tracker } = await freshTracker();
    await run(tracker, [emptyBaseline('page')]);
    const events = await run(tracker, changesOf(json, 'page'));
    const incidents = events.filter((e) => e.type === 'incident');
    const components = events.filter((e) => e.type === 'component');
    expect(incidents.map((e) => `${e.phase}:${e.incident.status}:${e.incident.updates.length}`)).toEqual(expected[file]!.incidents);
    if (expected[file]!.components >= 0) expect(components).toHaveLength(expected[file]!.components);
    for (const e of incidents) {
      for (const u of e.incident.updates) expect(u.body).not.toMatch(/<[a-z/][^>]*>|&(amp|lt|gt|nbsp);|\r/i);
      const times = e.incident.updates.map((u) => u.createdAt);
      expect([...times].sort()).toEqual(times);
      if (e.update) expect(e.update.id).toBe(e.incident.updates.at(-1)!.id);
    }
    // A restarted tracker on the same store announces nothing again.
    const again = new Tracker(store, new ComponentCatalog([]));
    await again.load();
    expect(await run(again, changesOf(json, 'page'))).toEqual([]);
  });

  it('folds component changes that belong to an incident into its story (instructure)', async () => {
    const { tracker } = await freshTracker();
    await run(tracker, [emptyBaseline('page')]);
    const events = await run(
      tracker,
      changesOf(readSharedJson('statuspage-api', 'atc0005-instructure-summary-2021-12-07-aws-outage-11-updates-groups.json'), 'page'),
    );
    const incident = events.find((e) => e.type === 'incident')!;
    if (incident.type !== 'incident') throw new Error();
    const covered = new Set(incident.incident.componentIds);
    for (const e of events) if (e.type === 'component') expect(covered.has(e.component.id)).toBe(false);
  });
});

describe('Statuspage webhooks from ../shared/fixtures/statuspage-webhook', () => {
  if (!sharedFixturesPresent('statuspage-webhook')) {
    it(NOT_RUN('statuspage-webhook'), () => {});
    return;
  }
  it('covers every file', () => {
    expect(sharedFixtureFiles('statuspage-webhook')).toEqual([
      'zulip-component-status-update.json',
      'zulip-incident-created.json',
      'zulip-incident-resolved-2-updates.json',
    ]);
  });

  it('incident created → opened; the same incident resolved → resolved; delivered twice → once', async () => {
    const { tracker } = await freshTracker();
    const created = parseStatuspageWebhook(readSharedJson('statuspage-webhook', 'zulip-incident-created.json'), 'hooks');
    const resolved = parseStatuspageWebhook(readSharedJson('statuspage-webhook', 'zulip-incident-resolved-2-updates.json'), 'hooks');
    const first = await run(tracker, created);
    expect(first.map((e) => e.type === 'incident' && `${e.phase}:${e.incident.status}`)).toEqual(['opened:identified']);
    expect(await run(tracker, created)).toEqual([]);
    const done = await run(tracker, resolved);
    expect(done.map((e) => e.type === 'incident' && `${e.phase}:${e.incident.key}:${e.incident.updates.length}`)).toEqual([
      'resolved:hooks:z3lct0r596n4:2',
    ]);
    expect(await run(tracker, resolved)).toEqual([]);
  });

  it('component update → one component event, old and new status from the payload', async () => {
    const { tracker } = await freshTracker();
    const events = await run(
      tracker,
      parseStatuspageWebhook(readSharedJson('statuspage-webhook', 'zulip-component-status-update.json'), 'hooks'),
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'component',
      previous: 'operational',
      component: { name: 'Database component', status: 'under_maintenance' },
      severity: 'maintenance',
    });
  });
});

describe('components', () => {
  it('ignores rows without id, name or a known status', () => {
    expect(
      parseComponents([
        { id: 'a' },
        { name: 'b', status: 'operational' },
        { id: 'c', name: 'C', status: 'weird' },
        { id: 'd', name: 'D', status: 'Major Outage' },
      ]),
    ).toEqual([{ id: 'd', name: 'D', status: 'major_outage' }]);
  });
});
