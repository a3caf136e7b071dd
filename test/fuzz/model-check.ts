import { expect } from 'vitest';
import { STRICT } from './arbitraries.ts';
import {
  CAUSES,
  COMPONENT_STATUSES,
  INCIDENT_STATUSES,
  MAINTENANCE_STATUSES,
  SEVERITIES,
  type Incident,
  type StatusChange,
} from '../../src/core/model.ts';

const STORY = [...INCIDENT_STATUSES, ...MAINTENANCE_STATUSES] as readonly string[];

/** An ISO time the rest of the app can format: parses, and round-trips through Date. */
export const expectIso = (v: unknown, what: string): void => {
  expect(typeof v, what).toBe('string');
  const t = Date.parse(v as string);
  expect(Number.isFinite(t), `${what} = ${JSON.stringify(v)}`).toBe(true);
  expect(() => new Date(t).toISOString(), what).not.toThrow();
};

const expectText = (v: unknown, what: string): void => {
  expect(typeof v, what).toBe('string');
};

export const expectIncident = (i: Incident, sourceId: string): void => {
  expect(i.key.startsWith(`${sourceId}:`)).toBe(true);
  // Known bug 7: an empty Alertmanager/Grafana fingerprint gives the key "<source>:" (alerts merge).
  if (STRICT) expect(i.key.length).toBeGreaterThan(sourceId.length + 1);
  expect(i.sourceId).toBe(sourceId);
  expect(['incident', 'maintenance']).toContain(i.kind);
  expectText(i.name, 'incident.name');
  expect(STORY).toContain(i.status);
  expect(SEVERITIES).toContain(i.impact);
  expectIso(i.startedAt, 'startedAt');
  for (const k of ['resolvedAt', 'scheduledFor', 'scheduledUntil'] as const) if (i[k] !== undefined) expectIso(i[k], k);
  if (i.url !== undefined) expect(i.url).toMatch(/^https?:\/\//);
  if (i.cause !== undefined) expect(CAUSES).toContain(i.cause);
  expect(Array.isArray(i.componentIds)).toBe(true);
  for (const c of i.componentIds) expect(typeof c).toBe('string');
  for (const u of i.updates) {
    expectText(u.id, 'update.id');
    expect(STORY).toContain(u.status);
    expectText(u.body, 'update.body');
    expectIso(u.createdAt, 'update.createdAt');
    for (const a of u.affectedComponents ?? []) {
      expectText(a.name, 'affected.name');
      if (a.newStatus) expect(COMPONENT_STATUSES).toContain(a.newStatus);
      if (a.oldStatus) expect(COMPONENT_STATUSES).toContain(a.oldStatus);
    }
  }
};

/** What every source must hand the tracker: known enums, parseable times, keys under its own id. */
export const expectChange = (c: StatusChange, sourceId: string): void => {
  expect(c.sourceId).toBe(sourceId);
  expectIso(c.at, 'change.at');
  if (c.kind === 'incident') expectIncident(c.incident, sourceId);
  else if (c.kind === 'component') {
    // An empty id ("component": {"id": ""}) passes the Statuspage and Instatus parsers; reported, not refused here.
    expect(typeof c.component.id).toBe('string');
    expectText(c.component.name, 'component.name');
    expect(COMPONENT_STATUSES).toContain(c.component.status);
    if (c.component.updatedAt !== undefined) expectIso(c.component.updatedAt, 'component.updatedAt');
  } else {
    expect(c.kind).toBe('snapshot');
    for (const i of c.incidents) expectIncident(i, sourceId);
    for (const comp of c.components) {
      expect(COMPONENT_STATUSES).toContain(comp.status);
      if (comp.updatedAt !== undefined) expectIso(comp.updatedAt, 'component.updatedAt');
    }
  }
};
