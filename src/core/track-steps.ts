/**
 * The steps of tracking one change (src/core/tracker.ts), each a pure function so each can be
 * tested on its own (track-steps.test.ts): a component's new status, a story's merged state and
 * phase, the stories a snapshot no longer lists, the story a component change belongs to, the
 * baseline. The tracker feeds them its state and persists what they decide.
 */
import { createHash } from 'node:crypto';
import {
  isClosedStatus,
  severityOfComponent,
  severityRank,
  type ComponentState,
  type ComponentStatus,
  type Incident,
  type IncidentUpdate,
  type Severity,
  type StatusChange,
  type StatusEvent,
} from './model.ts';

export type Phase = Extract<StatusEvent, { type: 'incident' }>['phase'];

export interface TrackedComponent extends ComponentState {
  readonly sourceId: string;
  /** When the component entered its current status. */
  readonly since: string;
}

/** A component that recovers this soon after its incident closed is part of that story, not news. */
export const RECOVERY_GRACE_MS = 15 * 60_000;

const hash = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 12);

/** What a change brings: component states and stories (a snapshot brings both). */
export const incomingOf = (change: StatusChange): { components: readonly ComponentState[]; incidents: readonly Incident[] } => {
  if (change.kind === 'snapshot') return { components: change.components, incidents: change.incidents };
  if (change.kind === 'component') return { components: [change.component], incidents: [] };
  return { components: [], incidents: [change.incident] };
};

/** A snapshot of a source never seen before is its baseline: it is recorded and announces nothing (docs/contract.md §7). */
export const isBaseline = (change: StatusChange, baselines: ReadonlySet<string>): boolean =>
  change.kind === 'snapshot' && !baselines.has(change.sourceId);

export interface ComponentStep {
  /** The component's new tracked state; undefined when its status did not change. */
  readonly next?: TrackedComponent;
  /** The status it changed from, when the change is news (a component first seen healthy is not). */
  readonly previous?: ComponentStatus;
}

/** One component state against what is known of it (`id` is already canonical). */
export const componentStep = (
  id: string,
  before: TrackedComponent | undefined,
  raw: ComponentState,
  sourceId: string,
  at: string,
): ComponentStep => {
  if (before && before.status === raw.status) return {};
  const next: TrackedComponent = {
    id,
    name: before?.name ?? raw.name,
    status: raw.status,
    sourceId,
    since: raw.updatedAt ?? at,
    ...(raw.groupName ? { groupName: raw.groupName } : {}),
  };
  const firstSeenHealthy = !before && raw.status === 'operational';
  return firstSeenHealthy ? { next } : { next, previous: before?.status ?? 'operational' };
};

/**
 * A story's known state and a newer report of it: updates merged by id and ordered by time; a stale
 * push (none of its updates is the newest) does not move the status back; impact, cause and link
 * are kept when the newer report lacks them; components add up.
 */
export const mergeIncident = (before: Incident, next: Incident): Incident => {
  const byId = new Map(before.updates.map((u) => [u.id, u]));
  for (const u of next.updates) byId.set(u.id, u);
  const updates = [...byId.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  const newest = updates.at(-1);
  const status = newest && next.updates.length > 0 && !next.updates.some((u) => u.id === newest.id) ? before.status : next.status;
  return {
    ...before,
    ...next,
    status,
    impact: next.impact === 'none' && before.impact !== 'none' ? before.impact : next.impact,
    componentIds: [...new Set([...before.componentIds, ...next.componentIds])],
    updates,
    ...(before.cause && !next.cause ? { cause: before.cause } : {}),
    ...(before.url && !next.url ? { url: before.url } : {}),
  };
};

/** Which step of its story a state is: first post, update, start, resolution. */
export const phaseOf = (incident: Incident, before: Incident | undefined): Phase => {
  if (incident.kind === 'maintenance') {
    if (incident.status === 'completed') return 'completed';
    if (incident.status === 'scheduled') return before ? 'updated' : 'scheduled';
    if (!before || before.status === 'scheduled') return 'started';
    return 'updated';
  }
  const closed = isClosedStatus(incident.status);
  if (closed && (!before || !isClosedStatus(before.status))) return 'resolved';
  if (!before) return 'opened';
  return 'updated';
};

export interface StoryStep {
  /** The story's state to keep; undefined when nothing about it changed. */
  readonly save?: Incident;
  /** The step to announce; undefined for a report that brings no news (a duplicate, a rename). */
  readonly announce?: { readonly incident: Incident; readonly phase: Phase; readonly update?: IncidentUpdate; readonly idSuffix: string };
}

/** One reported story (its component refs already canonical) against what is known of it. */
export const storyStep = (before: Incident | undefined, reported: Incident, fromSnapshot: boolean): StoryStep => {
  // A snapshot may carry the final state of stories that left the source's list; one closed
  // before we ever saw it open is history, not news.
  if (fromSnapshot && !before && isClosedStatus(reported.status)) return {};
  const merged = before ? mergeIncident(before, reported) : reported;
  const known = new Set(before?.updates.map((u) => u.id) ?? []);
  const fresh = merged.updates.filter((u) => !known.has(u.id));
  const statusChanged = !before || before.status !== merged.status;
  const save = !before || fresh.length > 0 || statusChanged || before.name !== merged.name ? merged : undefined;
  if (before && fresh.length === 0 && !statusChanged) return save ? { save } : {};
  const latest = fresh.at(-1);
  return {
    ...(save ? { save } : {}),
    announce: {
      incident: merged,
      phase: phaseOf(merged, before),
      ...(latest ? { update: latest } : {}),
      idSuffix: latest ? `u:${latest.id}` : `s:${merged.status}`,
    },
  };
};

/** A source's summary lists only open stories: the open ones of this source it no longer lists were closed at `at`. */
export const vanishedStories = (known: Iterable<Incident>, sourceId: string, listed: ReadonlySet<string>, at: string): Incident[] => {
  const closed: Incident[] = [];
  for (const open of known) {
    if (open.sourceId !== sourceId || isClosedStatus(open.status) || listed.has(open.key)) continue;
    closed.push({ ...open, status: open.kind === 'maintenance' ? 'completed' : 'resolved', resolvedAt: at });
  }
  return closed;
};

/**
 * The story a component change belongs to (docs/contract.md §7 "one incident, one story"): an open
 * one covering the component, else one closed in the last minutes (its recovery).
 */
export const owningIncident = (componentId: string, stories: Iterable<Incident>, at: string): Incident | undefined => {
  const recent = (i: Incident) => !i.resolvedAt || Date.parse(at) - Date.parse(i.resolvedAt) <= RECOVERY_GRACE_MS;
  const covering = [...stories].filter((i) => i.componentIds.includes(componentId));
  return covering.find((i) => !isClosedStatus(i.status)) ?? covering.find((i) => isClosedStatus(i.status) && recent(i));
};

/** Event id of a component change: the same change re-derived after a crash gets the same id (and the same jobs). */
export const componentEventId = (id: string, previous: ComponentStatus, status: ComponentStatus, at: string): string =>
  `component:${id}:${hash(`${previous}>${status}@${at}`)}`;

/** Id suffix of a story update caused by its components' statuses (`c:<hash of id=status,…>`). */
export const componentsUpdateSuffix = (statuses: readonly (readonly [string, ComponentStatus | undefined])[]): string =>
  `c:${hash(statuses.map(([id, s]) => `${id}=${s}`).join(','))}`;

export const maxSeverity = (a: Severity, b: Severity): Severity => (severityRank(a) >= severityRank(b) ? a : b);

/** Severity of a component change: the worse of where it came from and where it is. */
export const componentChangeSeverity = (previous: ComponentStatus, status: ComponentStatus): Severity =>
  maxSeverity(severityOfComponent(previous), severityOfComponent(status));
