import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NOT_RUN, readSharedJson, sharedFixtureFiles, sharedFixturesPresent } from '../../../test/helpers/fixtures.ts';
import { startTestApp, type TestApp } from '../../../test/helpers/app.ts';
import type { SourceConfig } from '../../core/config.ts';
import { WEBHOOK_PARSERS, type WebhookFormat } from './index.ts';

const NOW = '2026-05-02T12:00:00.000Z';
const SECRET = 'schema-test-secret';
type WebhookConfig = Extract<SourceConfig, { type: 'webhook' }>;
const configOf = (format: WebhookFormat): WebhookConfig =>
  ({ id: format, type: 'webhook', format, secret: SECRET, componentLabel: 'component', replayWindow: 300_000 }) as WebhookConfig;
const parse = (format: WebhookFormat, json: unknown) => WEBHOOK_PARSERS[format]!(json, configOf(format), NOW);

/** Each format's wrong-typed bodies and the field the 400 must name. */
const WRONG: readonly (readonly [WebhookFormat, string, unknown, string])[] = [
  ['statuspage', 'incident name is a number', { incident: { id: 'i1', name: 5, incident_updates: [] } }, 'incident.name'],
  [
    'statuspage',
    'updates are a string',
    { incident: { id: 'i1', name: 'Down', incident_updates: 'investigating' } },
    'incident.incident_updates',
  ],
  [
    'statuspage',
    'an update body is a number',
    { incident: { id: 'i1', name: 'Down', incident_updates: [{ id: 'u1', body: 3 }] } },
    'incident.incident_updates[0].body',
  ],
  [
    'statuspage',
    'component new_status is a number',
    { component_update: { component_id: 'c1', new_status: 7 } },
    'component_update.new_status',
  ],
  ['statuspage', 'neither incident nor component_update', { page: { id: 'p' } }, '"incident" or "component_update"'],
  [
    'instatus',
    'incident name is a number and updates a string',
    { incident: { id: 'i1', name: 42, incident_updates: 'string' } },
    'incident.',
  ],
  [
    'instatus',
    'a maintenance update id is a number',
    { maintenance: { id: 'm1', name: 'Upgrade', maintenance_updates: [{ id: 1 }] } },
    'maintenance.maintenance_updates[0].id',
  ],
  [
    'instatus',
    'affected components are an object',
    { incident: { id: 'i1', name: 'Down', affected_components: { id: 'c' } } },
    'incident.affected_components',
  ],
  [
    'instatus',
    'component new_status is a boolean',
    { component_update: { component_id: 'c1', new_status: false } },
    'component_update.new_status',
  ],
  ['alertmanager', 'alerts is a string', { alerts: 'firing' }, 'alerts'],
  ['alertmanager', 'a label value is a number', { alerts: [{ status: 'firing', labels: { severity: 1 } }] }, 'alerts[0].labels.severity'],
  ['alertmanager', 'startsAt is a number', { alerts: [{ status: 'firing', labels: {}, startsAt: 5 }] }, 'alerts[0].startsAt'],
  ['grafana', 'a value is a string', { alerts: [{ status: 'firing', labels: {}, values: { A: 'high' } }] }, 'alerts[0].values.A'],
  ['grafana', 'title is a number', { title: 5, alerts: [] }, 'title'],
  ['generic', 'incident name is a number', { incident: { id: 'a', name: 3, status: 'investigating' } }, 'incident.name'],
  ['generic', 'a component status is unknown', { components: [{ name: 'Messaging', status: 'down' }] }, 'components[0].status'],
];

describe('vendor webhook schemas: wrong types are named', () => {
  it.each(WRONG)('%s: %s → PayloadError naming %s', (format, _what, body, field) => {
    expect(() => parse(format, body)).toThrow(field);
  });
});

const OWN = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures');
const ownFixtures: [WebhookFormat, string][] = [
  ['instatus', 'instatus/component-minoroutage.json'],
  ['instatus', 'instatus/incident-monitoring-title-case.json'],
  ['instatus', 'instatus/maintenance-in-progress.json'],
  ['alertmanager', 'alertmanager/two-components-firing-and-resolved.json'],
  ['grafana', 'grafana/firing-with-kpi-value.json'],
];

describe('vendor webhook schemas accept the real payloads', () => {
  it.each(ownFixtures)('%s: test/fixtures/%s', (format, file) => {
    expect(parse(format, JSON.parse(readFileSync(join(OWN, file), 'utf8'))).changes.length).toBeGreaterThan(0);
  });

  const shared: [WebhookFormat, string][] = [
    ['statuspage', 'statuspage-webhook'],
    ['instatus', 'instatus'],
    ['alertmanager', 'alertmanager'],
    ['grafana', 'grafana'],
  ];
  for (const [format, dir] of shared) {
    const files = sharedFixtureFiles(dir);
    it.skipIf(!sharedFixturesPresent(dir))(
      `${format}: every file of ../shared/fixtures/${dir}${sharedFixturesPresent(dir) ? '' : ` ${NOT_RUN(dir)}`}`,
      () => {
        expect(files.length).toBeGreaterThan(0);
        for (const f of files) expect(() => parse(format, readSharedJson(dir, f)), f).not.toThrow();
      },
    );
  }
});

describe('a wrong-typed webhook over HTTP: 400 naming the field, nothing stored or announced', () => {
  let t: TestApp;
  beforeAll(async () => {
    const sources = (['statuspage', 'instatus', 'alertmanager', 'grafana', 'generic'] as const)
      .map((f) => `  - { id: ${f}, type: webhook, format: ${f}, secret: ${SECRET} }`)
      .join('\n');
    t = await startTestApp(
      `service: { name: Chatter, locales: [en] }\nsources:\n${sources}\nannounce:\n  - { platform: console, chat: ops }\n`,
    );
  });
  afterAll(() => t.stop());

  it.each(WRONG)('%s: %s', async (format, _what, body, field) => {
    const res = await fetch(`${t.baseUrl}/webhooks/${format}?token=${SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain(field);
  });

  it('after all of them: no incident, no component, no message, no event in the store', async () => {
    expect(await t.app.drained()).toBe(true);
    expect(t.app.tracker.openIncidents()).toEqual([]);
    expect(t.app.tracker.currentComponents()).toEqual([]);
    expect(t.consoleText()).toBe('');
    const events: unknown[] = [];
    for await (const e of t.app.store.namespace('events').entries()) events.push(e);
    expect(events).toEqual([]);
  });
});
