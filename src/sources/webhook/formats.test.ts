import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PayloadError } from '../../core/errors.ts';
import type { Incident, StatusChange } from '../../core/model.ts';
import { NOT_RUN, readSharedJson, sharedFixtureFiles, sharedFixturesPresent } from '../../../test/helpers/fixtures.ts';
import { parseInstatus } from './instatus.ts';
import { parseAlertmanager } from './alertmanager.ts';
import { parseGrafana } from './grafana.ts';

const NOW = '2026-05-02T12:00:00.000Z';
const own = (dir: string, file: string): unknown =>
  JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', dir, file), 'utf8'));
const incidents = (cs: StatusChange[]): Incident[] => cs.flatMap((c) => (c.kind === 'incident' ? [c.incident] : []));
const components = (cs: StatusChange[]) => cs.flatMap((c) => (c.kind === 'component' ? [`${c.component.id}=${c.component.status}`] : []));

describe('instatus (own fixtures)', () => {
  it('title-case incident with mixed body/markdown, affected components and HTML in the name', () => {
    const cs = parseInstatus(own('instatus', 'incident-monitoring-title-case.json'), 'ins', NOW);
    const [i] = incidents(cs);
    expect(i).toMatchObject({
      key: 'ins:inc-1',
      kind: 'incident',
      name: 'Messages delayed',
      status: 'monitoring',
      impact: 'major',
      componentIds: ['c-msg', 'c-web'],
      url: 'https://relay-test.instatus.com/inc-1',
    });
    expect(i!.updates.map((u) => [u.id, u.status, u.body])).toEqual([
      ['u1', 'investigating', 'Messages are slow.'],
      ['u2', 'monitoring', 'A fix is out; we are **watching**.'],
    ]);
    expect(components(cs)).toEqual(['c-msg=partial_outage', 'c-web=degraded_performance']);
  });

  it('maintenance in progress with its window; component MINOROUTAGE → partial outage', () => {
    const [m] = incidents(parseInstatus(own('instatus', 'maintenance-in-progress.json'), 'ins', NOW));
    expect(m).toMatchObject({
      kind: 'maintenance',
      status: 'in_progress',
      impact: 'maintenance',
      scheduledFor: '2026-05-03T01:00:00.000Z',
      scheduledUntil: '2026-05-03T02:00:00.000Z',
    });
    expect(components(parseInstatus(own('instatus', 'component-minoroutage.json'), 'ins', NOW))).toEqual(['c-calls=partial_outage']);
  });

  it('rejects a body with nothing it knows', () => {
    expect(() => parseInstatus({ page: {} }, 'ins', NOW)).toThrow(PayloadError);
    expect(() => parseInstatus({ component_update: { new_status: 'WHATEVER', component_id: 'x' } }, 'ins', NOW)).toThrow(PayloadError);
  });
});

describe('alertmanager and grafana (own fixtures)', () => {
  it('one incident per alert, components from the configured label, resolved alerts resolve', () => {
    const cs = parseAlertmanager(own('alertmanager', 'two-components-firing-and-resolved.json'), 'am', NOW, 'component');
    const list = incidents(cs);
    expect(list.map((i) => [i.key, i.status, i.impact, i.componentIds.join()])).toEqual([
      ['am:fp-msg', 'investigating', 'critical', 'messaging'],
      ['am:fp-calls', 'resolved', 'minor', 'calls'],
      [expect.stringMatching(/^am:[0-9a-f]{16}$/), 'investigating', 'minor', ''],
    ]);
    expect(list[0]!.startedAt).toBe('2026-05-02T10:00:00.123Z');
    // Plain text, kept as sent: the platform renderers escape it.
    expect(list[0]!.updates[0]!.body).toBe('<script>x</script> errors @everyone');
    expect(list[1]!.resolvedAt).toBe('2026-05-02T09:45:00.000Z');
    expect(components(cs)).toEqual(['messaging=major_outage', 'calls=operational']);
    // Another label name maps differently.
    expect(components(parseAlertmanager(own('alertmanager', 'two-components-firing-and-resolved.json'), 'am', NOW, 'alertname'))).toEqual([
      'ApiErrors=major_outage',
      'DiskFull=degraded_performance',
    ]);
  });

  it('grafana: title as fallback name, kpi_metric values become KPI samples', () => {
    const { changes, samples } = parseGrafana(own('grafana', 'firing-with-kpi-value.json'), 'gf', NOW, 'service');
    expect(incidents(changes)[0]).toMatchObject({ key: 'gf:g-1', name: 'p95 above 1.5 s', impact: 'major', componentIds: ['messaging'] });
    expect(components(changes)).toEqual(['messaging=partial_outage']);
    expect(samples).toEqual([{ component: 'messaging', metric: 'response_time_ms', value: 1834.5, at: NOW }]);
  });

  it('rejects what is not an alert group', () => {
    expect(() => parseAlertmanager({ alerts: 'no' }, 'am', NOW, 'component')).toThrow(PayloadError);
    expect(() => parseGrafana({}, 'gf', NOW, 'component')).toThrow(PayloadError);
  });
});

/** Real payloads from ../shared/fixtures, read at test time, each with what it must become. */
describe('real payloads from ../shared/fixtures', () => {
  const INSTATUS: Record<string, (cs: StatusChange[]) => void> = {
    'instatus-webhook-component-majoroutage.json': (cs) => expect(components(cs)).toEqual(['cmr9osz9s1c9p0rqfgeiwp97t=major_outage']),
    'instatus-webhook-component-undermaintenance.json': (cs) =>
      expect(components(cs)).toEqual(['cmr9ot5ld15is1aqfjptygehv=under_maintenance']),
    'instatus-webhook-incident-created-investigating.json': (cs) => {
      expect(incidents(cs)[0]).toMatchObject({ name: 'test', status: 'investigating', componentIds: [] });
      expect(incidents(cs)[0]!.updates[0]!.body).toContain('Kevin Fang');
    },
    'instatus-webhook-incident-identified-2-updates-affected-components.json': (cs) => {
      const i = incidents(cs)[0]!;
      expect(i).toMatchObject({ name: 'Basic incident', status: 'identified', impact: 'critical' });
      expect(i.updates.map((u) => u.status)).toEqual(['investigating', 'identified']);
      expect(components(cs)).toContain('cmr9osz9s1c9p0rqfgeiwp97t=major_outage');
    },
    'instatus-webhook-maintenance-planned.json': (cs) => {
      expect(incidents(cs)[0]).toMatchObject({
        kind: 'maintenance',
        status: 'scheduled',
        scheduledFor: '2026-07-07T08:00:00.000Z',
        scheduledUntil: '2026-07-07T09:00:00.000Z',
      });
      expect(components(cs)).toEqual([]);
    },
  };
  const ALERTMANAGER: Record<string, (cs: StatusChange[]) => void> = {
    'zulip-alert-firing-2-alerts.json': (cs) => {
      expect(incidents(cs).map((i) => [i.key, i.status, i.impact])).toEqual([
        ['am:a1bc48475b20e73d', 'investigating', 'critical'],
        ['am:c2ea85182f28cbd9', 'investigating', 'critical'],
      ]);
      expect(incidents(cs)[0]!.startedAt).toBe('2020-02-06T00:17:58.432Z');
      expect(components(cs)).toEqual(['andromeda=major_outage']);
    },
    'prometheus-msteams-prom-post-request-firing.json': (cs) => {
      expect(incidents(cs)[0]).toMatchObject({
        name: 'Server High Memory usage',
        status: 'investigating',
        impact: 'minor',
        startedAt: '2018-03-07T11:33:21.873Z',
      });
      expect(components(cs)).toEqual([]);
    },
    'poc-docker-firing-truncatedAlerts.json': (cs) => expect(incidents(cs)[0]).toMatchObject({ status: 'investigating', impact: 'major' }),
    'dingtalk-doc-escaped-backslashes-edited.json': (cs) => {
      expect(incidents(cs)[0]).toMatchObject({
        key: 'am:4e4c4c3d872bf6d8',
        impact: 'critical',
        name: expect.stringContaining('Instance is down'),
      });
    },
  };
  const GRAFANA: Record<string, (r: { changes: StatusChange[] }) => void> = {
    'grafana-docs-example-firing-2-alerts-via-firehydrant.json': ({ changes }) => {
      expect(incidents(changes).map((i) => i.status)).toEqual(['investigating', 'investigating']);
      expect(components(changes)).toEqual(['us-1=degraded_performance', 'eu-1=degraded_performance']);
    },
    'zulip-alert-9-resolved.json': ({ changes }) => {
      expect(incidents(changes)[0]).toMatchObject({
        status: 'resolved',
        resolvedAt: '2022-06-17T00:51:24.067Z',
        name: 'This is a summary field, failure on <no value>',
      });
    },
    'zulip-alert-values-v11-firing.json': ({ changes }) =>
      expect(incidents(changes)[0]).toMatchObject({ status: 'investigating', name: 'High memory usage', impact: 'minor' }),
  };

  const table = [
    ['instatus', INSTATUS, (j: unknown) => parseInstatus(j, 'ins', NOW)],
    // The zulip sample labels hosts, not components: map by `host` there; `zone` for Grafana's example.
    ['alertmanager', ALERTMANAGER, (j: unknown) => parseAlertmanager(j, 'am', NOW, 'host')],
    ['grafana', GRAFANA, (j: unknown) => parseGrafana(j, 'gf', NOW, 'zone')],
  ] as const;

  for (const [dir, expectations, parse] of table) {
    it.runIf(sharedFixturesPresent(dir))(`${dir}: every file maps to the right events`, () => {
      const files = sharedFixtureFiles(dir);
      expect(files.sort()).toEqual(Object.keys(expectations).sort());
      for (const f of files) (expectations as Record<string, (x: never) => void>)[f]!(parse(readSharedJson(dir, f)) as never);
    });
    if (!sharedFixturesPresent(dir)) it(`${dir}: ${NOT_RUN(dir)}`, () => undefined);
  }
});
