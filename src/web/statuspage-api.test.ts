import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/helpers/app.ts';
import { waitFor } from '../../test/helpers/child.ts';
import { NOT_RUN, readSharedJson, sharedFixturesPresent } from '../../test/helpers/fixtures.ts';
import { OUTAGE_YAML, openOutage } from '../../test/helpers/status-page.ts';
import { parseIncident, parseSummary } from '../sources/statuspage/parse.ts';

type Json = Record<string, unknown>;
const get = async (t: TestApp, path: string): Promise<Json> => (await (await fetch(`${t.baseUrl}${path}`)).json()) as Json;
const keys = (o: unknown): string[] => Object.keys(o as Json).sort();
const FIXTURES = 'statuspage-api';

describe('the Statuspage-compatible API', () => {
  let a: TestApp;
  let key: string;
  beforeAll(async () => {
    a = await startTestApp(OUTAGE_YAML());
    key = await openOutage(a);
    const m = a.app.manual.open({
      name: 'Database upgrade',
      kind: 'maintenance',
      status: 'scheduled',
      impact: 'maintenance',
      components: ['login'],
      scheduledFor: new Date(Date.now() + 86_400_000).toISOString(),
      scheduledUntil: new Date(Date.now() + 90_000_000).toISOString(),
    });
    for (const c of m.changes) await a.app.ingest(c);
  });
  afterAll(() => a.stop());

  it('summary.json is read by our own statuspage parser: components with groups, the incident, the maintenance', async () => {
    const summary = await get(a, '/api/v2/summary.json');
    const snapshot = parseSummary(summary, 'b');
    const messaging = snapshot.components.find((c) => c.id === 'messaging')!;
    expect(messaging).toMatchObject({ name: 'Messaging', status: 'major_outage', groupName: 'Core' });
    expect(snapshot.components).toHaveLength(5);
    const incident = snapshot.incidents.find((i) => i.kind === 'incident')!;
    expect(incident).toMatchObject({
      key: `b:${key}`,
      name: 'Messages are delayed or fail to send',
      status: 'identified',
      impact: 'critical',
    });
    expect(incident.updates.map((u) => u.status)).toEqual(['investigating', 'identified']);
    expect(incident.componentIds).toEqual(['messaging']);
    const maintenance = snapshot.incidents.find((i) => i.kind === 'maintenance')!;
    expect(maintenance).toMatchObject({ name: 'Database upgrade', status: 'scheduled', impact: 'maintenance' });
    expect((summary.status as Json).indicator).toBe('critical');
    for (const path of ['/api/v2/incidents.json', '/api/v2/incidents/unresolved.json'])
      expect(((await get(a, path)).incidents as unknown[]).map((i) => parseIncident(i, 'b').key)).toEqual([`b:${key}`]);
    expect(
      ((await get(a, '/api/v2/scheduled-maintenances.json')).scheduled_maintenances as unknown[]).map((i) => parseIncident(i, 'b').name),
    ).toEqual(['Database upgrade']);
  });

  if (!sharedFixturesPresent(FIXTURES)) it(NOT_RUN(FIXTURES), () => {});
  else
    it('has every field of the real payloads, at every level, for every endpoint', async () => {
      const real = readSharedJson(FIXTURES, 'rapid7-github-summary-2020-04-02-major-outage.json') as Json;
      const ours = await get(a, '/api/v2/summary.json');
      expect(keys(ours)).toEqual(keys(real));
      expect(keys(ours.page)).toEqual(keys(real.page));
      expect(keys(ours.status)).toEqual(keys(real.status));
      const realComponent = (real.components as Json[])[0]!;
      for (const c of ours.components as Json[]) for (const k of keys(realComponent)) expect(c, k).toHaveProperty(k);
      const realIncident = (real.incidents as Json[])[0]!;
      const ourIncident = (ours.incidents as Json[])[0]!;
      for (const k of keys(realIncident)) expect(ourIncident, k).toHaveProperty(k);
      const realUpdate = (realIncident.incident_updates as Json[])[0]!;
      for (const u of ourIncident.incident_updates as Json[]) for (const k of keys(realUpdate)) expect(u, k).toHaveProperty(k);
      const realGroups = readSharedJson(FIXTURES, 'atc0005-intercom-components-groups.json') as Json;
      const group = (realGroups.components as Json[]).find((c) => c.group === true)!;
      const ourGroup = (ours.components as Json[]).find((c) => c.group === true)!;
      for (const k of keys(group)) expect(ourGroup, k).toHaveProperty(k);
      expect(ourGroup.components).toEqual(['messaging', 'calls']);
      const realMaintenance = readSharedJson(FIXTURES, 'whadup-github-scheduled-maintenance-completed-html-body.element.json') as Json;
      const ourMaintenance = ((await get(a, '/api/v2/scheduled-maintenances.json')).scheduled_maintenances as Json[])[0]!;
      for (const k of keys(realMaintenance).filter((k) => k !== 'reminder_intervals')) expect(ourMaintenance, k).toHaveProperty(k);
      for (const [file, path] of [
        ['whadup-github-status.json', '/api/v2/status.json'],
        ['whadup-github-incidents-unresolved-empty.json', '/api/v2/incidents/unresolved.json'],
        ['whadup-github-scheduled-maintenances-upcoming-empty.json', '/api/v2/scheduled-maintenances.json'],
        ['stactus-components-github-2024-09-17.json', '/api/v2/components.json'],
        ['stactus-incidents-github-2024-09-16-multi-update-html-br.json', '/api/v2/incidents.json'],
      ] as const)
        expect(keys(await get(a, path)), file).toEqual(keys(readSharedJson(FIXTURES, file)));
      // The value sets are Statuspage's.
      expect(['none', 'minor', 'major', 'critical', 'maintenance']).toContain((ours.status as Json).indicator);
      expect(['none', 'minor', 'major', 'critical', 'maintenance']).toContain(ourIncident.impact);
    });
});

describe('instance B follows instance A through its Statuspage API', () => {
  it("B's statuspage source announces A's incident, its update and its resolution", async () => {
    const a = await startTestApp(OUTAGE_YAML());
    const b = await startTestApp(`
service: { name: Watcher, locales: [en] }
sources:
  - { id: chatter, type: statuspage, url: "${a.baseUrl}/", interval: 300ms }
announce:
  - { platform: console, channel: "#watch", locale: en, minSeverity: minor }
`);
    try {
      // The first poll is B's baseline: it announces nothing.
      await waitFor(() => b.app.sourceHealth.get('chatter')?.state === 'ok', 10_000);
      const key = await openOutage(a);
      // A's outage is three changes (the story, its component, the "identified" update), each a
      // state A's API really serves: B's 300 ms poll may land between any two of them, so B may
      // announce "investigating" first and the update next. What B must reach is the last one.
      await waitFor(() => b.consoleText().includes('A failed network link in one data centre.'), 15_000);
      expect(b.consoleText()).toContain('#watch');
      expect(b.consoleText()).toContain('Messages are delayed or fail to send');
      for (const c of a.app.manual.update(a.app.tracker.incident(key)!, { status: 'resolved', message: 'Messaging has fully recovered.' }))
        await a.app.ingest(c);
      // Resolved incidents leave summary.json: B reads the closing words from incidents.json.
      await waitFor(() => b.consoleText().includes('Messaging has fully recovered.'), 15_000);
      // Delivery may print before the tracker's commit lands (src/pipeline/pipeline.ts commits after the jobs are durable).
      await waitFor(() => b.app.tracker.openIncidents().length === 0, 15_000);
    } finally {
      await b.stop();
      await a.stop();
    }
  }, 60_000);
});
