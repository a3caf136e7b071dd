import { PayloadError } from '../../core/errors.ts';
import { htmlToText } from '../../core/text.ts';
import type {
  AffectedComponent,
  ComponentState,
  ComponentStatus,
  Incident,
  IncidentUpdate,
  Severity,
  StatusChange,
  StoryStatus,
} from '../../core/model.ts';
import { COMPONENT_STATUSES, INCIDENT_STATUSES, MAINTENANCE_STATUSES, SEVERITIES } from '../../core/model.ts';

/* Atlassian Statuspage v2 shapes (docs/formats.md §1–2). Only the fields we read; everything optional because real pages drift. */
interface RawComponent {
  id?: string;
  name?: string;
  status?: string;
  group?: boolean;
  group_id?: string | null;
  components?: string[];
  updated_at?: string;
}
interface RawAffected {
  code?: string;
  name?: string;
  old_status?: string;
  new_status?: string;
}
interface RawUpdate {
  id?: string;
  status?: string;
  body?: string | null;
  created_at?: string;
  display_at?: string;
  affected_components?: RawAffected[] | null;
}
interface RawIncident {
  id?: string;
  name?: string;
  status?: string;
  impact?: string;
  created_at?: string;
  started_at?: string;
  resolved_at?: string | null;
  scheduled_for?: string | null;
  scheduled_until?: string | null;
  shortlink?: string;
  incident_updates?: RawUpdate[];
  components?: RawComponent[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const toIso = (value: unknown, fallback?: string): string => {
  if (typeof value === 'string' && value) {
    const t = Date.parse(value);
    if (Number.isFinite(t)) return new Date(t).toISOString();
  }
  if (fallback) return fallback;
  throw new PayloadError(`invalid timestamp ${JSON.stringify(value)}`);
};

const lower = (v: unknown): string =>
  typeof v === 'string'
    ? v
        .trim()
        .toLowerCase()
        .replace(/[\s-]+/g, '_')
    : '';

export const componentStatusOf = (v: unknown): ComponentStatus | undefined => {
  const s = lower(v);
  return (COMPONENT_STATUSES as readonly string[]).includes(s) ? (s as ComponentStatus) : undefined;
};

export const storyStatusOf = (v: unknown, kind: 'incident' | 'maintenance'): StoryStatus => {
  const s = lower(v);
  if ((INCIDENT_STATUSES as readonly string[]).includes(s) || (MAINTENANCE_STATUSES as readonly string[]).includes(s))
    return s as StoryStatus;
  return kind === 'maintenance' ? 'scheduled' : 'investigating';
};

export const severityOf = (v: unknown): Severity => {
  const s = lower(v);
  return (SEVERITIES as readonly string[]).includes(s) ? (s as Severity) : 'minor';
};

const parseAffected = (list: RawAffected[] | null | undefined): AffectedComponent[] | undefined => {
  if (!Array.isArray(list)) return undefined;
  const out: AffectedComponent[] = [];
  for (const a of list) {
    // 2016 quirk: [{"name":"No components were affected by this update."}] has no code.
    if (!a || typeof a !== 'object' || typeof a.name !== 'string' || typeof a.code !== 'string' || !a.code) continue;
    const item: { id?: string; name: string; oldStatus?: ComponentStatus; newStatus?: ComponentStatus } = { id: a.code, name: a.name };
    const o = componentStatusOf(a.old_status);
    const n = componentStatusOf(a.new_status);
    if (o) item.oldStatus = o;
    if (n) item.newStatus = n;
    out.push(item);
  }
  return out;
};

export const parseIncident = (raw: unknown, sourceId: string): Incident => {
  if (!isObject(raw)) throw new PayloadError('incident is not an object');
  const r: RawIncident = raw;
  if (typeof r.id !== 'string' || !r.id) throw new PayloadError('incident.id is missing');
  if (typeof r.name !== 'string') throw new PayloadError('incident.name is missing');
  const isMaintenance =
    Boolean(r.scheduled_for) || lower(r.impact) === 'maintenance' || (MAINTENANCE_STATUSES as readonly string[]).includes(lower(r.status));
  const kind = isMaintenance ? 'maintenance' : 'incident';
  const createdAt = toIso(r.started_at ?? r.created_at, new Date(0).toISOString());
  const updates: IncidentUpdate[] = (Array.isArray(r.incident_updates) ? r.incident_updates : [])
    .filter((u): u is RawUpdate => isObject(u) && typeof u.id === 'string')
    .map((u) => {
      const update: IncidentUpdate = {
        id: u.id!,
        status: storyStatusOf(u.status, kind),
        body: htmlToText(u.body),
        createdAt: toIso(u.display_at ?? u.created_at, createdAt),
      };
      const affected = parseAffected(u.affected_components);
      return affected?.length ? { ...update, affectedComponents: affected } : update;
    })
    // Pages list updates newest first; we keep them oldest first (docs/formats.md gotcha 1).
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  const componentIds = (Array.isArray(r.components) ? r.components : [])
    .filter((c): c is RawComponent => isObject(c) && (typeof c.id === 'string' || typeof c.name === 'string'))
    .map((c) => c.id ?? c.name!);
  for (const u of updates)
    for (const a of u.affectedComponents ?? []) {
      const ref = a.id ?? a.name;
      if (!componentIds.includes(ref)) componentIds.push(ref);
    }
  const incident: Incident = {
    key: `${sourceId}:${r.id}`,
    sourceId,
    kind,
    name: htmlToText(r.name),
    status: storyStatusOf(r.status, kind),
    impact: isMaintenance ? 'maintenance' : severityOf(r.impact),
    startedAt: createdAt,
    componentIds,
    updates,
    ...(r.resolved_at ? { resolvedAt: toIso(r.resolved_at) } : {}),
    ...(r.scheduled_for ? { scheduledFor: toIso(r.scheduled_for) } : {}),
    ...(r.scheduled_until ? { scheduledUntil: toIso(r.scheduled_until) } : {}),
    ...(typeof r.shortlink === 'string' && /^https?:\/\//.test(r.shortlink) ? { url: r.shortlink } : {}),
  };
  return incident;
};

/** Components without group rows; children carry their group's name. */
export const parseComponents = (list: unknown): ComponentState[] => {
  if (!Array.isArray(list)) throw new PayloadError('components is not a list');
  const groups = new Map<string, string>();
  for (const c of list as RawComponent[])
    if (c && typeof c === 'object' && c.group === true && typeof c.id === 'string') groups.set(c.id, String(c.name ?? ''));
  const out: ComponentState[] = [];
  for (const c of list as RawComponent[]) {
    if (!c || typeof c !== 'object' || c.group === true || typeof c.id !== 'string' || typeof c.name !== 'string') continue;
    const status = componentStatusOf(c.status);
    if (!status) continue;
    const group = c.group_id ? groups.get(c.group_id) : undefined;
    out.push({
      id: c.id,
      name: c.name,
      status,
      ...(group ? { groupName: group } : {}),
      ...(c.updated_at ? { updatedAt: toIso(c.updated_at) } : {}),
    });
  }
  return out;
};

/** `/api/v2/summary.json` → one snapshot. */
export const parseSummary = (
  json: unknown,
  sourceId: string,
  at = new Date().toISOString(),
): Extract<StatusChange, { kind: 'snapshot' }> => {
  if (!isObject(json) || !isObject(json.page)) throw new PayloadError('not a Statuspage summary: "page" is missing');
  const incidents = [
    ...(Array.isArray(json.incidents) ? json.incidents : []),
    ...(Array.isArray(json.scheduled_maintenances) ? json.scheduled_maintenances : []),
  ].map((i) => parseIncident(i, sourceId));
  return {
    kind: 'snapshot',
    sourceId,
    components: parseComponents(json.components ?? []),
    incidents,
    at,
  };
};

/** A Statuspage subscriber webhook: branch on which top-level key is present (there is no event type). */
export const parseStatuspageWebhook = (json: unknown, sourceId: string, at = new Date().toISOString()): StatusChange[] => {
  if (!isObject(json)) throw new PayloadError('body is not a JSON object');
  if (isObject(json.incident)) return [{ kind: 'incident', sourceId, incident: parseIncident(json.incident, sourceId), at }];
  if (isObject(json.component_update) || isObject(json.component)) {
    const c = (isObject(json.component) ? json.component : {}) as RawComponent;
    const u = (isObject(json.component_update) ? json.component_update : {}) as {
      new_status?: string;
      component_id?: string;
      created_at?: string;
    };
    const status = componentStatusOf(u.new_status ?? c.status);
    const id = c.id ?? u.component_id;
    if (!status || typeof id !== 'string') throw new PayloadError('component_update needs component id and new_status');
    return [
      {
        kind: 'component',
        sourceId,
        component: { id, name: typeof c.name === 'string' ? c.name : id, status, updatedAt: toIso(u.created_at ?? c.updated_at, at) },
        at: toIso(u.created_at, at),
      },
    ];
  }
  throw new PayloadError('not a Statuspage webhook: expected an "incident" or "component_update" object');
};
