import { isClosedStatus, worstStatus, type ComponentState, type ComponentStatus, type Incident, type Severity } from '../core/model.ts';
import { publicIncidentUrl } from '../messages/announcement.ts';

/**
 * This service's own state in the shapes of Atlassian Statuspage's public API v2
 * (https://developer.statuspage.io/ → "Status API", e.g. https://www.githubstatus.com/api/v2/summary.json),
 * so that anything that follows a Statuspage page — another Status Relay's `statuspage` source
 * included — can follow this one. Field names and value sets are Statuspage's.
 */
export interface StatuspageInput {
  readonly pageId: string;
  readonly name: string;
  readonly url: string;
  readonly timezone: string;
  readonly now: string;
  readonly components: readonly ComponentState[];
  /** Known stories, newest first (open and recently closed). */
  readonly incidents: readonly Incident[];
  /** Localized display name of a component (the default locale). */
  readonly componentName: (c: ComponentState) => string;
}

const INDICATOR: Record<ComponentStatus, 'none' | 'minor' | 'major' | 'critical'> = {
  operational: 'none',
  under_maintenance: 'none',
  degraded_performance: 'minor',
  partial_outage: 'major',
  major_outage: 'critical',
};
/** Statuspage's own descriptions of its indicator, in its words (English, as its API gives them). */
const DESCRIPTION = {
  none: 'All Systems Operational',
  minor: 'Minor Service Outage',
  major: 'Partial System Outage',
  critical: 'Major System Outage',
  maintenance: 'Service Under Maintenance',
} as const;

/** Statuspage ids are opaque strings; ours are the story keys, which its per-id paths accept percent-encoded. */
const groupId = (pageId: string, name: string): string => `${pageId}-group-${Buffer.from(name).toString('hex').slice(0, 24)}`;

export const page = (i: StatuspageInput) => ({ id: i.pageId, name: i.name, url: i.url, time_zone: i.timezone, updated_at: i.now });

export const status = (i: StatuspageInput) => {
  const worst = worstStatus(i.components.map((c) => c.status));
  const maintenance = i.incidents.some((x) => x.kind === 'maintenance' && (x.status === 'in_progress' || x.status === 'verifying'));
  const indicator = INDICATOR[worst];
  return {
    indicator: indicator === 'none' && maintenance ? 'maintenance' : indicator,
    description: DESCRIPTION[indicator === 'none' && maintenance ? 'maintenance' : indicator],
  };
};

export const components = (i: StatuspageInput) => {
  const out: Record<string, unknown>[] = [];
  const groups = new Map<string, string[]>();
  i.components.forEach((c, position) => {
    const gid = c.groupName ? groupId(i.pageId, c.groupName) : null;
    if (gid) groups.set(c.groupName!, [...(groups.get(c.groupName!) ?? []), c.id]);
    out.push({
      id: c.id,
      name: i.componentName(c),
      status: c.status,
      created_at: c.updatedAt ?? i.now,
      updated_at: c.updatedAt ?? i.now,
      position: position + 1,
      description: null,
      showcase: true,
      start_date: null,
      group_id: gid,
      page_id: i.pageId,
      group: false,
      only_show_if_degraded: false,
    });
  });
  let position = out.length;
  for (const [name, ids] of groups) {
    const members = i.components.filter((c) => ids.includes(c.id));
    out.push({
      id: groupId(i.pageId, name),
      name,
      status: worstStatus(members.map((c) => c.status)),
      created_at: i.now,
      updated_at: i.now,
      position: ++position,
      description: null,
      showcase: false,
      start_date: null,
      group_id: null,
      page_id: i.pageId,
      group: true,
      only_show_if_degraded: false,
      components: ids,
    });
  }
  return out;
};

const impactOf = (s: Severity): 'none' | 'minor' | 'major' | 'critical' | 'maintenance' => s;

export const incident = (i: StatuspageInput, x: Incident) => {
  const byId = new Map(i.components.map((c) => [c.id, c]));
  const comps = x.componentIds.flatMap((id) => {
    const c = byId.get(id);
    return c ? [{ id: c.id, name: i.componentName(c), status: c.status, group_id: null, page_id: i.pageId, group: false }] : [];
  });
  const last = x.updates.at(-1)?.createdAt ?? x.startedAt;
  const monitoring = x.updates.find((u) => u.status === 'monitoring')?.createdAt ?? null;
  return {
    id: x.key,
    name: x.name,
    status: x.status,
    created_at: x.startedAt,
    updated_at: x.resolvedAt ?? last,
    monitoring_at: monitoring,
    resolved_at: isClosedStatus(x.status) ? (x.resolvedAt ?? last) : null,
    impact: impactOf(x.impact),
    shortlink: x.url ?? publicIncidentUrl(i.url, x.key),
    started_at: x.startedAt,
    page_id: i.pageId,
    ...(x.kind === 'maintenance' ? { scheduled_for: x.scheduledFor ?? x.startedAt, scheduled_until: x.scheduledUntil ?? null } : {}),
    // Newest first, as Statuspage lists them.
    incident_updates: [...x.updates].reverse().map((u) => ({
      id: u.id,
      status: u.status,
      body: u.body,
      incident_id: x.key,
      created_at: u.createdAt,
      updated_at: u.createdAt,
      display_at: u.createdAt,
      affected_components:
        u.affectedComponents?.map((a) => ({
          code: a.id ?? a.name,
          name: a.name,
          old_status: a.oldStatus ?? 'operational',
          new_status: a.newStatus ?? 'operational',
        })) ?? null,
      deliver_notifications: true,
      custom_tweet: null,
      tweet_id: null,
    })),
    components: comps,
  };
};

const incidentsOnly = (i: StatuspageInput) => i.incidents.filter((x) => x.kind === 'incident');
const maintenancesOnly = (i: StatuspageInput) => i.incidents.filter((x) => x.kind === 'maintenance');
/** Statuspage's lists keep the 50 most recent. */
const LIST_MAX = 50;

export const statusJson = (i: StatuspageInput) => ({ page: page(i), status: status(i) });
export const componentsJson = (i: StatuspageInput) => ({ page: page(i), components: components(i) });
export const incidentsJson = (i: StatuspageInput) => ({
  page: page(i),
  incidents: incidentsOnly(i)
    .slice(0, LIST_MAX)
    .map((x) => incident(i, x)),
});
export const unresolvedJson = (i: StatuspageInput) => ({
  page: page(i),
  incidents: incidentsOnly(i)
    .filter((x) => !isClosedStatus(x.status))
    .map((x) => incident(i, x)),
});
export const maintenancesJson = (i: StatuspageInput) => ({
  page: page(i),
  scheduled_maintenances: maintenancesOnly(i)
    .slice(0, LIST_MAX)
    .map((x) => incident(i, x)),
});
/** `summary.json`: components, unresolved incidents, upcoming and active maintenances, the indicator. */
export const summaryJson = (i: StatuspageInput) => ({
  page: page(i),
  components: components(i),
  incidents: unresolvedJson(i).incidents,
  scheduled_maintenances: maintenancesOnly(i)
    .filter((x) => !isClosedStatus(x.status))
    .map((x) => incident(i, x)),
  status: status(i),
});
