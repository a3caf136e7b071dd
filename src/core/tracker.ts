import { createHash } from 'node:crypto';
import type { KeyValue, Store } from '../storage/store.ts';
import type { ComponentCatalog } from './components.ts';
import {
  isClosedStatus,
  severityOfComponent,
  severityRank,
  worstStatus,
  type ComponentState,
  type ComponentStatus,
  type Incident,
  type IncidentUpdate,
  type Severity,
  type StatusChange,
  type StatusEvent,
} from './model.ts';

type Phase = Extract<StatusEvent, { type: 'incident' }>['phase'];

export interface TrackedComponent extends ComponentState {
  readonly sourceId: string;
  /** When the component entered its current status. */
  readonly since: string;
}

export interface TrackerResult {
  readonly events: StatusEvent[];
  /** Persists the new state. Call after the events are safely recorded (fan-out), so a crash re-derives them. */
  commit(): Promise<void>;
}

const RESOLVED_RETENTION_MS = 30 * 86_400_000;
/** A component that recovers this soon after its incident closed is part of that story, not news. */
const RECOVERY_GRACE_MS = 15 * 60_000;

const hash = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 12);

/**
 * Owns status state: compares each change with what is stored and emits each event once.
 * The first snapshot of a source is its baseline and announces nothing (docs/contract.md §7).
 */
export class Tracker {
  private readonly components = new Map<string, TrackedComponent>();
  private readonly incidents = new Map<string, Incident>();
  private readonly baselines = new Set<string>();
  /** `<sourceId>|<source component id>` and `<sourceId>|name:<name>` → canonical id. */
  private readonly refs = new Map<string, string>();
  private readonly refsKv: KeyValue;
  private readonly componentsKv: KeyValue;
  private readonly incidentsKv: KeyValue;
  private readonly baselinesKv: KeyValue;

  constructor(
    store: Store,
    private readonly catalog: ComponentCatalog,
  ) {
    this.componentsKv = store.namespace('components');
    this.incidentsKv = store.namespace('incidents');
    this.baselinesKv = store.namespace('baselines');
    this.refsKv = store.namespace('componentRefs');
  }

  /** (Re)loads all state from the store; readers never see a half-loaded state. */
  async load(): Promise<void> {
    const components: [string, TrackedComponent][] = [];
    const incidents: [string, Incident][] = [];
    const baselines: string[] = [];
    const refs: [string, string][] = [];
    for await (const [id, c] of this.componentsKv.entries<TrackedComponent>()) components.push([id, c]);
    for await (const [key, i] of this.incidentsKv.entries<Incident>()) incidents.push([key, i]);
    for await (const [id] of this.baselinesKv.entries<boolean>()) baselines.push(id);
    for await (const [ref, id] of this.refsKv.entries<string>()) refs.push([ref, id]);
    this.components.clear();
    this.incidents.clear();
    this.baselines.clear();
    this.refs.clear();
    for (const [id, c] of components) {
      this.components.set(id, c);
      this.catalog.learn(id, c.name);
    }
    for (const [key, i] of incidents) this.incidents.set(key, i);
    for (const id of baselines) this.baselines.add(id);
    for (const [ref, id] of refs) this.refs.set(ref, id);
  }

  currentComponents(): TrackedComponent[] {
    return [...this.components.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  openIncidents(): Incident[] {
    return [...this.incidents.values()].filter((i) => !isClosedStatus(i.status)).sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  }

  /** Open stories and those closed within the retention (30 days), newest first: what `GET /api/incidents` lists. */
  knownIncidents(now = Date.now()): Incident[] {
    return [...this.incidents.values()]
      .filter((i) => !isClosedStatus(i.status) || !i.resolvedAt || now - Date.parse(i.resolvedAt) <= RESOLVED_RETENTION_MS)
      .sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  }

  incident(key: string): Incident | undefined {
    return this.incidents.get(key);
  }

  /** Worst status over all components, for the headline of `/status`. */
  overallStatus(): ComponentStatus {
    return worstStatus([...this.components.values()].map((c) => c.status));
  }

  async process(change: StatusChange): Promise<TrackerResult> {
    const pendingComponents = new Map<string, TrackedComponent>();
    const pendingIncidents = new Map<string, Incident>();
    const pendingRefs = new Map<string, string>();
    const componentChanges: { id: string; previous: ComponentStatus; at: string }[] = [];

    const applyComponent = (raw: ComponentState, at: string) => {
      const id = this.canonicalId(change.sourceId, raw, pendingRefs);
      const before = pendingComponents.get(id) ?? this.components.get(id);
      if (before && before.status === raw.status) return;
      const firstSeenHealthy = !before && raw.status === 'operational';
      const next: TrackedComponent = {
        id,
        name: before?.name ?? raw.name,
        status: raw.status,
        sourceId: change.sourceId,
        since: raw.updatedAt ?? at,
        ...(raw.groupName ? { groupName: raw.groupName } : {}),
      };
      pendingComponents.set(id, next);
      if (!firstSeenHealthy) componentChanges.push({ id, previous: before?.status ?? 'operational', at });
    };

    const incoming: Incident[] = [];
    if (change.kind === 'snapshot') {
      for (const c of change.components) applyComponent(c, change.at);
      incoming.push(...change.incidents);
    } else if (change.kind === 'component') {
      applyComponent(change.component, change.at);
    } else {
      incoming.push(change.incident);
    }

    const events: StatusEvent[] = [];
    const touched = new Set<string>();
    const incidentEvent = (incident: Incident, phase: Phase, update: IncidentUpdate | undefined, idSuffix: string): StatusEvent => ({
      type: 'incident',
      id: `${incident.key}:${idSuffix}`,
      phase,
      incident,
      ...(update ? { update } : {}),
      components: this.componentsOf(incident, pendingComponents),
      severity: this.severityOf(incident, pendingComponents),
      at: update?.createdAt ?? change.at,
    });

    for (const raw of incoming) {
      const normalized = this.normalizeIncident(raw, pendingRefs);
      const before = this.incidents.get(normalized.key);
      // A snapshot may carry the final state of stories that left the source's list; one closed
      // before we ever saw it open is history, not news.
      if (change.kind === 'snapshot' && !before && isClosedStatus(normalized.status)) continue;
      const merged = before ? mergeIncident(before, normalized) : normalized;
      const known = new Set(before?.updates.map((u) => u.id) ?? []);
      const fresh = merged.updates.filter((u) => !known.has(u.id));
      const statusChanged = !before || before.status !== merged.status;
      if (!before || fresh.length > 0 || statusChanged || before.name !== merged.name) pendingIncidents.set(merged.key, merged);
      if (before && fresh.length === 0 && !statusChanged) continue;
      const latest = fresh.at(-1);
      const phase = phaseOf(merged, before);
      touched.add(merged.key);
      events.push(incidentEvent(merged, phase, latest, latest ? `u:${latest.id}` : `s:${merged.status}`));
    }

    if (change.kind === 'snapshot') {
      // Summary lists only open incidents and upcoming/active maintenances: the ones gone were closed.
      const present = new Set(incoming.map((i) => i.key));
      for (const open of this.incidents.values()) {
        if (open.sourceId !== change.sourceId || isClosedStatus(open.status) || present.has(open.key)) continue;
        const closed: Incident = {
          ...open,
          status: open.kind === 'maintenance' ? 'completed' : 'resolved',
          resolvedAt: change.at,
        };
        pendingIncidents.set(closed.key, closed);
        touched.add(closed.key);
        events.push(incidentEvent(closed, closed.kind === 'maintenance' ? 'completed' : 'resolved', undefined, `s:${closed.status}`));
      }
    }

    // docs/contract.md §7 "one incident, one story": a component change inside an open incident edits that incident's post.
    for (const { id, previous, at } of componentChanges) {
      const owner = this.owningIncident(id, pendingIncidents, at);
      const current = pendingComponents.get(id)!;
      if (owner) {
        if (!touched.has(owner.key)) {
          touched.add(owner.key);
          const statuses = owner.componentIds.map((c) => `${c}=${(pendingComponents.get(c) ?? this.components.get(c))?.status}`).join(',');
          events.push(incidentEvent(owner, 'updated', undefined, `c:${hash(statuses)}`));
        }
        continue;
      }
      events.push({
        type: 'component',
        id: `component:${id}:${hash(`${previous}>${current.status}@${at}`)}`,
        component: current,
        previous,
        severity: maxSeverity(severityOfComponent(previous), severityOfComponent(current.status)),
        at,
      });
    }

    const isBaseline = change.kind === 'snapshot' && !this.baselines.has(change.sourceId);
    return {
      events: isBaseline ? [] : events,
      commit: async () => {
        for (const [ref, id] of pendingRefs) {
          if (this.refs.get(ref) === id) continue;
          this.refs.set(ref, id);
          await this.refsKv.set(ref, id);
        }
        for (const [id, c] of pendingComponents) {
          this.components.set(id, c);
          this.catalog.learn(id, c.name);
          await this.componentsKv.set(id, c);
        }
        for (const [key, i] of pendingIncidents) {
          this.incidents.set(key, i);
          await this.incidentsKv.set(key, i, isClosedStatus(i.status) ? RESOLVED_RETENTION_MS : undefined);
        }
        if (isBaseline) {
          this.baselines.add(change.sourceId);
          await this.baselinesKv.set(change.sourceId, true);
        }
      },
    };
  }

  /**
   * Reminders of maintenances whose window starts within `leadMs` of `now` and that are still
   * scheduled: one event each, as a step of the maintenance's story (it edits the post and replies
   * in its thread). `commit` records them, so a restart does not remind again.
   */
  reminders(now: string, leadMs: number): TrackerResult {
    const at = Date.parse(now);
    const due = [...this.incidents.values()].filter((i) => {
      if (i.kind !== 'maintenance' || i.status !== 'scheduled' || !i.scheduledFor || i.remindedFor === i.scheduledFor) return false;
      const starts = Date.parse(i.scheduledFor);
      return starts > at && starts - at <= leadMs;
    });
    const events: StatusEvent[] = due.map((i) => ({
      type: 'incident',
      id: `${i.key}:reminder:${i.scheduledFor}`,
      phase: 'reminder',
      incident: i,
      // The reminder's own step: no source text, so rendering says what it is (never an older update's words).
      update: { id: `reminder:${i.scheduledFor}`, status: 'scheduled', body: '', createdAt: now },
      components: this.componentsOf(i, new Map()),
      severity: 'maintenance',
      at: now,
    }));
    return {
      events,
      commit: async () => {
        for (const i of due) {
          const reminded: Incident = { ...i, remindedFor: i.scheduledFor! };
          this.incidents.set(i.key, reminded);
          await this.incidentsKv.set(i.key, reminded);
        }
      },
    };
  }

  /**
   * Canonical id of a source component: the config component it matches, else its name; a second
   * component of the same source with the same name (pages repeat names across groups) gets its
   * group's name added. Learned once and persisted, so ids never move.
   */
  private canonicalId(sourceId: string, raw: { id: string; name: string; groupName?: string }, pending: Map<string, string>): string {
    const refKey = `${sourceId}|${raw.id}`;
    const known = pending.get(refKey) ?? this.refs.get(refKey);
    if (known) return known;
    let id = this.catalog.resolve(raw);
    const taken = (candidate: string) =>
      [...this.refs.entries(), ...pending.entries()].some(
        ([k, v]) => v === candidate && k.startsWith(`${sourceId}|`) && k !== refKey && !k.includes('|name:'),
      );
    if (!this.catalog.lookup(id) && taken(id)) id = `${raw.name} (${raw.groupName ?? raw.id})`;
    pending.set(refKey, id);
    pending.set(`${sourceId}|name:${raw.name.toLowerCase()}`, id);
    return id;
  }

  /** Incident component refs (source ids or names) → canonical ids. */
  private normalizeIncident(raw: Incident, pending: Map<string, string>): Incident {
    const resolve = (ref: string) =>
      pending.get(`${raw.sourceId}|${ref}`) ??
      this.refs.get(`${raw.sourceId}|${ref}`) ??
      pending.get(`${raw.sourceId}|name:${ref.toLowerCase()}`) ??
      this.refs.get(`${raw.sourceId}|name:${ref.toLowerCase()}`) ??
      this.catalog.resolve({ name: ref, id: ref });
    return { ...raw, componentIds: [...new Set(raw.componentIds.map(resolve))] };
  }

  /** The incident a component change belongs to: an open one, or one closed in the last minutes (its recovery). */
  private owningIncident(componentId: string, pending: Map<string, Incident>, at: string): Incident | undefined {
    const latest = new Map(this.incidents);
    for (const [k, i] of pending) latest.set(k, i);
    const recent = (i: Incident) => !i.resolvedAt || Date.parse(at) - Date.parse(i.resolvedAt) <= RECOVERY_GRACE_MS;
    const covering = [...latest.values()].filter((i) => i.componentIds.includes(componentId));
    return covering.find((i) => !isClosedStatus(i.status)) ?? covering.find((i) => isClosedStatus(i.status) && recent(i));
  }

  private componentsOf(incident: Incident, pending: Map<string, TrackedComponent>): ComponentState[] {
    const affected = new Map<string, ComponentState>();
    for (const u of incident.updates)
      for (const a of u.affectedComponents ?? []) {
        const id = this.refs.get(`${incident.sourceId}|${a.id}`) ?? this.catalog.resolve(a);
        if (a.newStatus) affected.set(id, { id, name: a.name, status: a.newStatus });
      }
    return incident.componentIds.map((id) => {
      const tracked = pending.get(id) ?? this.components.get(id);
      if (tracked)
        return { id, name: tracked.name, status: tracked.status, ...(tracked.groupName ? { groupName: tracked.groupName } : {}) };
      return affected.get(id) ?? { id, name: id, status: isClosedStatus(incident.status) ? 'operational' : 'degraded_performance' };
    });
  }

  private severityOf(incident: Incident, pending: Map<string, TrackedComponent>): Severity {
    if (incident.kind === 'maintenance') return 'maintenance';
    const fromComponents = severityOfComponent(worstStatus(this.componentsOf(incident, pending).map((c) => c.status)));
    return maxSeverity(incident.impact, fromComponents === 'maintenance' ? 'none' : fromComponents);
  }
}

const maxSeverity = (a: Severity, b: Severity): Severity => (severityRank(a) >= severityRank(b) ? a : b);

const mergeIncident = (before: Incident, next: Incident): Incident => {
  const byId = new Map(before.updates.map((u) => [u.id, u]));
  for (const u of next.updates) byId.set(u.id, u);
  const updates = [...byId.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  // A stale push (older than what we have) must not move the status backwards.
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

const phaseOf = (incident: Incident, before: Incident | undefined): Phase => {
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
