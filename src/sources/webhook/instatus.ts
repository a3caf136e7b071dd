import { PayloadError } from '../../core/errors.ts';
import { htmlToText } from '../../core/text.ts';
import {
  worstStatus,
  type AffectedComponent,
  type ComponentStatus,
  type Incident,
  type IncidentUpdate,
  type Severity,
  type StatusChange,
  type StoryStatus,
} from '../../core/model.ts';
import { toIso } from '../statuspage/parse.ts';

/**
 * Instatus webhooks (docs/formats.md §4). The documented enums are SHOUTING_CASE, real 2026 captures
 * use title case ("Major outage", "Investigating", "Planned") and `markdown` instead of `body`,
 * so every enum is normalized by letters only.
 */
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const letters = (v: unknown): string => (typeof v === 'string' ? v.toLowerCase().replace(/[^a-z]/g, '') : '');

const COMPONENT: Record<string, ComponentStatus> = {
  operational: 'operational',
  undermaintenance: 'under_maintenance',
  degradedperformance: 'degraded_performance',
  partialoutage: 'partial_outage',
  minoroutage: 'partial_outage',
  majoroutage: 'major_outage',
};
const STORY: Record<string, StoryStatus> = {
  investigating: 'investigating',
  identified: 'identified',
  monitoring: 'monitoring',
  resolved: 'resolved',
  postmortem: 'postmortem',
  planned: 'scheduled',
  notstartedyet: 'scheduled',
  scheduled: 'scheduled',
  inprogress: 'in_progress',
  verifying: 'verifying',
  completed: 'completed',
};
const IMPACT: Record<string, Severity> = {
  majoroutage: 'critical',
  partialoutage: 'major',
  minoroutage: 'major',
  degradedperformance: 'minor',
  undermaintenance: 'maintenance',
  operational: 'none',
};

export const instatusComponentStatus = (v: unknown): ComponentStatus | undefined => COMPONENT[letters(v)];

const impactOf = (raw: Obj, affected: readonly AffectedComponent[], kind: Incident['kind']): Severity => {
  if (kind === 'maintenance') return 'maintenance';
  const explicit = IMPACT[letters(raw.impact)];
  if (explicit && explicit !== 'none' && explicit !== 'maintenance') return explicit;
  const worst = worstStatus(affected.map((a) => a.newStatus ?? 'operational'));
  return worst === 'major_outage' ? 'critical' : worst === 'partial_outage' ? 'major' : 'minor';
};

const parseStory = (raw: Obj, kind: Incident['kind'], sourceId: string, now: string): Incident => {
  const id = str(raw.id);
  if (!id) throw new PayloadError(`${kind}.id is missing`);
  const status = STORY[letters(raw.status)] ?? (kind === 'maintenance' ? 'scheduled' : 'investigating');
  const startedAt = toIso(str(raw.started) ?? str(raw.created_at), now);
  const affected: AffectedComponent[] = (Array.isArray(raw.affected_components) ? raw.affected_components : [])
    .filter(isObj)
    .filter((a) => str(a.id) ?? str(a.name))
    .map((a) => {
      const newStatus = instatusComponentStatus(a.status);
      return { id: str(a.id) ?? str(a.name)!, name: str(a.name) ?? str(a.id)!, ...(newStatus ? { newStatus } : {}) };
    });
  const rawUpdates = (
    Array.isArray(raw.incident_updates) ? raw.incident_updates : Array.isArray(raw.maintenance_updates) ? raw.maintenance_updates : []
  ).filter(isObj);
  const updates: IncidentUpdate[] = rawUpdates
    .filter((u) => str(u.id))
    .map((u) => ({
      id: str(u.id)!,
      status: STORY[letters(u.status)] ?? status,
      body: htmlToText(str(u.markdown) ?? str(u.body) ?? ''),
      createdAt: toIso(str(u.created_at), startedAt),
    }))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  // Affected components belong to the newest update: that is when they were reported so.
  const last = updates.at(-1);
  if (last && affected.length) updates[updates.length - 1] = { ...last, affectedComponents: affected };
  const resolvedAt = str(raw.resolved_at);
  const url = str(raw.url);
  return {
    key: `${sourceId}:${id}`,
    sourceId,
    kind,
    name: htmlToText(str(raw.name) ?? id),
    status,
    impact: impactOf(raw, affected, kind),
    startedAt,
    componentIds: affected.map((a) => a.id!),
    updates,
    ...(resolvedAt
      ? { resolvedAt: toIso(resolvedAt, now) }
      : status === 'resolved' || status === 'completed'
        ? { resolvedAt: toIso(str(raw.updated_at), now) }
        : {}),
    ...(kind === 'maintenance' && str(raw.maintenance_start_date) ? { scheduledFor: toIso(str(raw.maintenance_start_date), now) } : {}),
    ...(kind === 'maintenance' && str(raw.maintenance_end_date) ? { scheduledUntil: toIso(str(raw.maintenance_end_date), now) } : {}),
    ...(url && /^https?:\/\//.test(url) ? { url } : {}),
  };
};

export const parseInstatus = (json: unknown, sourceId: string, now: string): StatusChange[] => {
  if (!isObj(json)) throw new PayloadError('body is not a JSON object');
  if (isObj(json.incident) || isObj(json.maintenance)) {
    const kind = isObj(json.incident) ? 'incident' : 'maintenance';
    const incident = parseStory((json.incident ?? json.maintenance) as Obj, kind, sourceId, now);
    const changes: StatusChange[] = [{ kind: 'incident', sourceId, incident, at: incident.updates.at(-1)?.createdAt ?? now }];
    // The incident lists its components' current states: keep the tracker's component states in step.
    if (kind === 'incident')
      for (const a of incident.updates.at(-1)?.affectedComponents ?? [])
        if (a.newStatus)
          changes.push({
            kind: 'component',
            sourceId,
            component: { id: a.id!, name: a.name, status: a.newStatus },
            at: incident.updates.at(-1)!.createdAt,
          });
    return changes;
  }
  if (isObj(json.component_update) || isObj(json.component)) {
    const c = isObj(json.component) ? json.component : {};
    const u = isObj(json.component_update) ? json.component_update : {};
    const status = instatusComponentStatus(u.new_status ?? c.status);
    const id = str(c.id) ?? str(u.component_id);
    if (!status || !id) throw new PayloadError('component_update needs component_id and a known new_status');
    const at = toIso(str(u.created_at), now);
    return [{ kind: 'component', sourceId, component: { id, name: str(c.name) ?? id, status, updatedAt: at }, at }];
  }
  throw new PayloadError('body has none of "incident", "maintenance" or "component_update"');
};
