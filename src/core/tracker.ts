import type { KeyValue, Store } from '../storage/store.ts';
import type { ComponentCatalog } from './components.ts';
import {
  isClosedStatus,
  severityOfComponent,
  worstStatus,
  type ComponentState,
  type ComponentStatus,
  type Incident,
  type IncidentUpdate,
  type Severity,
  type StatusChange,
  type StatusEvent,
} from './model.ts';
import {
  componentChangeSeverity,
  componentEventId,
  componentStep,
  componentsUpdateSuffix,
  incomingOf,
  isBaseline,
  maxSeverity,
  owningIncident,
  storyStep,
  vanishedStories,
  type Phase,
  type TrackedComponent,
} from './track-steps.ts';

export type { TrackedComponent } from './track-steps.ts';

/** What one change leaves to keep, until `commit`. */
interface Pending {
  readonly components: Map<string, TrackedComponent>;
  readonly incidents: Map<string, Incident>;
  /** `<sourceId>|<source component id>` and `<sourceId>|name:<name>` → canonical id. */
  readonly refs: Map<string, string>;
}

interface ComponentChange {
  readonly id: string;
  readonly previous: ComponentStatus;
  readonly at: string;
}

export interface TrackerResult {
  readonly events: StatusEvent[];
  /** Persists the new state. Call after the events are safely recorded (fan-out), so a crash re-derives them. */
  commit(): Promise<void>;
}

const RESOLVED_RETENTION_MS = 30 * 86_400_000;

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

  /**
   * One change, in named steps (src/core/track-steps.ts): components, reported stories, stories a
   * snapshot no longer lists, component changes folded into their stories, the baseline. Nothing is
   * kept until `commit`, so a crash before it re-derives the same events.
   */
  async process(change: StatusChange): Promise<TrackerResult> {
    const pending: Pending = { components: new Map(), incidents: new Map(), refs: new Map() };
    const incoming = incomingOf(change);
    const componentChanges = this.trackComponents(change, incoming.components, pending);
    const events: StatusEvent[] = [];
    const touched = new Set<string>();
    const announce = (incident: Incident, phase: Phase, update: IncidentUpdate | undefined, idSuffix: string) => {
      touched.add(incident.key);
      events.push(this.storyEvent(change, pending, incident, phase, update, idSuffix));
    };

    for (const reported of incoming.incidents) {
      const step = storyStep(this.incidents.get(reported.key), this.normalizeIncident(reported, pending.refs), change.kind === 'snapshot');
      if (step.save) pending.incidents.set(step.save.key, step.save);
      if (step.announce) announce(step.announce.incident, step.announce.phase, step.announce.update, step.announce.idSuffix);
    }

    if (change.kind === 'snapshot') {
      const listed = new Set(incoming.incidents.map((i) => i.key));
      for (const closed of vanishedStories(this.incidents.values(), change.sourceId, listed, change.at)) {
        pending.incidents.set(closed.key, closed);
        announce(closed, closed.kind === 'maintenance' ? 'completed' : 'resolved', undefined, `s:${closed.status}`);
      }
    }

    // docs/contract.md §7 "one incident, one story": a component change inside an open incident edits that incident's post.
    const stories = new Map([...this.incidents, ...pending.incidents]);
    for (const { id, previous, at } of componentChanges) {
      const owner = owningIncident(id, stories.values(), at);
      const current = pending.components.get(id)!;
      if (!owner) {
        events.push({
          type: 'component',
          id: componentEventId(id, previous, current.status, at),
          component: current,
          previous,
          severity: componentChangeSeverity(previous, current.status),
          at,
        });
      } else if (!touched.has(owner.key)) {
        const statuses = owner.componentIds.map((c) => [c, (pending.components.get(c) ?? this.components.get(c))?.status] as const);
        announce(owner, 'updated', undefined, componentsUpdateSuffix(statuses));
      }
    }

    const baseline = isBaseline(change, this.baselines);
    return { events: baseline ? [] : events, commit: () => this.commit(change.sourceId, pending, baseline) };
  }

  /** Each reported component against what is known; returns the changes that are news. */
  private trackComponents(change: StatusChange, components: readonly ComponentState[], pending: Pending): ComponentChange[] {
    const changes: ComponentChange[] = [];
    for (const raw of components) {
      const id = this.canonicalId(change.sourceId, raw, pending.refs);
      const { next, previous } = componentStep(id, pending.components.get(id) ?? this.components.get(id), raw, change.sourceId, change.at);
      if (next) pending.components.set(id, next);
      if (previous) changes.push({ id, previous, at: change.at });
    }
    return changes;
  }

  private storyEvent(
    change: StatusChange,
    pending: Pending,
    incident: Incident,
    phase: Phase,
    update: IncidentUpdate | undefined,
    idSuffix: string,
  ): StatusEvent {
    return {
      type: 'incident',
      id: `${incident.key}:${idSuffix}`,
      phase,
      incident,
      ...(update ? { update } : {}),
      components: this.componentsOf(incident, pending.components),
      severity: this.severityOf(incident, pending.components),
      at: update?.createdAt ?? change.at,
    };
  }

  /** Keeps what one change decided: component refs, components, stories, the baseline. */
  private async commit(sourceId: string, pending: Pending, baseline: boolean): Promise<void> {
    for (const [ref, id] of pending.refs) {
      if (this.refs.get(ref) === id) continue;
      this.refs.set(ref, id);
      await this.refsKv.set(ref, id);
    }
    for (const [id, c] of pending.components) {
      this.components.set(id, c);
      this.catalog.learn(id, c.name);
      await this.componentsKv.set(id, c);
    }
    for (const [key, i] of pending.incidents) {
      this.incidents.set(key, i);
      await this.incidentsKv.set(key, i, isClosedStatus(i.status) ? RESOLVED_RETENTION_MS : undefined);
    }
    if (baseline) {
      this.baselines.add(sourceId);
      await this.baselinesKv.set(sourceId, true);
    }
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
