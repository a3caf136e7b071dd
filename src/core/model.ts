/**
 * The domain model shared by every layer. Sources produce `StatusChange`s, the tracker turns them
 * into `StatusEvent`s, fan-out turns events into delivery jobs. All times are ISO-8601 strings in UTC.
 */

export const COMPONENT_STATUSES = ['operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance'] as const;
export type ComponentStatus = (typeof COMPONENT_STATUSES)[number];

export const SEVERITIES = ['none', 'maintenance', 'minor', 'major', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const INCIDENT_STATUSES = ['investigating', 'identified', 'monitoring', 'resolved', 'postmortem'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

export const MAINTENANCE_STATUSES = ['scheduled', 'in_progress', 'verifying', 'completed'] as const;
export type MaintenanceStatus = (typeof MAINTENANCE_STATUSES)[number];

export type StoryStatus = IncidentStatus | MaintenanceStatus;

export const CAUSES = ['technical_fault', 'network_congestion', 'security_incident', 'external_provider', 'maintenance'] as const;
export type Cause = (typeof CAUSES)[number];

export const PLATFORMS = ['telegram', 'slack', 'discord', 'console'] as const;
export type Platform = (typeof PLATFORMS)[number];

export interface ComponentState {
  /** Canonical id: the config component id when matched, else the source's own id. */
  readonly id: string;
  readonly name: string;
  readonly status: ComponentStatus;
  readonly groupName?: string;
  readonly updatedAt?: string;
}

export interface AffectedComponent {
  readonly id?: string;
  readonly name: string;
  readonly oldStatus?: ComponentStatus;
  readonly newStatus?: ComponentStatus;
}

export interface IncidentUpdate {
  readonly id: string;
  readonly status: StoryStatus;
  /** Plain text (HTML already removed by the source parser). Untrusted. */
  readonly body: string;
  readonly createdAt: string;
  readonly affectedComponents?: readonly AffectedComponent[];
}

export interface Incident {
  /** Unique across sources: `<sourceId>:<source's id>`. */
  readonly key: string;
  readonly sourceId: string;
  readonly kind: 'incident' | 'maintenance';
  readonly name: string;
  readonly status: StoryStatus;
  readonly impact: Severity;
  readonly startedAt: string;
  readonly resolvedAt?: string;
  readonly scheduledFor?: string;
  readonly scheduledUntil?: string;
  /** The `scheduledFor` a reminder was announced for (set by the tracker; a new time is reminded again). */
  readonly remindedFor?: string;
  readonly url?: string;
  readonly cause?: Cause;
  /** Canonical component ids. */
  readonly componentIds: readonly string[];
  /** Oldest first. */
  readonly updates: readonly IncidentUpdate[];
}

/** What a source reports. A snapshot is the whole picture of a source; the others are single facts. */
export type StatusChange =
  | {
      readonly kind: 'snapshot';
      readonly sourceId: string;
      readonly components: readonly ComponentState[];
      /**
       * Every incident and maintenance the source considers open or upcoming, plus the final state
       * of open ones that just left its list; closed ones the tracker never saw open are ignored.
       */
      readonly incidents: readonly Incident[];
      readonly at: string;
    }
  | { readonly kind: 'incident'; readonly sourceId: string; readonly incident: Incident; readonly at: string }
  | { readonly kind: 'component'; readonly sourceId: string; readonly component: ComponentState; readonly at: string };

export type IncidentPhase = 'opened' | 'updated' | 'resolved';
/** `reminder`: the window starts soon (config `maintenance.reminder`); one more step of the story. */
export type MaintenancePhase = 'scheduled' | 'reminder' | 'started' | 'updated' | 'completed';

export type StatusEvent =
  | {
      readonly type: 'incident';
      readonly id: string;
      readonly phase: IncidentPhase | MaintenancePhase;
      readonly incident: Incident;
      /** The newest update this event reports; absent when only component states changed. */
      readonly update?: IncidentUpdate;
      /** Current state of the incident's components. */
      readonly components: readonly ComponentState[];
      readonly severity: Severity;
      readonly at: string;
    }
  | {
      readonly type: 'component';
      readonly id: string;
      readonly component: ComponentState;
      readonly previous: ComponentStatus;
      readonly severity: Severity;
      readonly at: string;
      /** Set on the one summary that stands for changes held back while the component flapped. */
      readonly flaps?: { readonly changes: number; readonly since: string };
    };

/** A place messages go: a channel/group or a user's direct-message chat. */
export interface Target {
  readonly platform: Platform;
  /** Channel or chat id; for direct messages the user id (adapters open the DM). */
  readonly chatId: string;
  readonly kind: 'channel' | 'dm';
  /** Telegram forum topic or similar sub-thread. */
  readonly threadId?: string;
}

export const targetKey = (t: Target): string => `${t.platform}:${t.kind}:${t.chatId}${t.threadId ? `:${t.threadId}` : ''}`;

/**
 * The scheduled KPI digest (src/kpi/digest.ts) on its way to the announce channels: it travels
 * through the outbox like a tracker event, but it is its own kind, not a component change.
 */
export interface DigestAnnouncement {
  readonly type: 'digest';
  /** `digest:<until ISO time>`: one per period, so a re-post of the same period is refused. */
  readonly id: string;
  readonly digestId: string;
  readonly severity: 'none';
  readonly at: string;
}

/** What the outbox carries to delivery: a tracker event or a digest. */
export type Announcement = StatusEvent | DigestAnnouncement;

export const DIGEST_ID_PREFIX = 'digest:';

/**
 * An announcement as stored. Before the digest was its own kind it travelled as a component event
 * with a `digest:` id; such a job still in an outbox or a dead letter at an upgrade reads as a digest.
 */
export const storedAnnouncement = (stored: Announcement): Announcement =>
  stored.type === 'component' && stored.id.startsWith(DIGEST_ID_PREFIX)
    ? { type: 'digest', id: stored.id, digestId: stored.id.slice(DIGEST_ID_PREFIX.length), severity: 'none', at: stored.at }
    : stored;

export const storyKey = (event: Announcement): string =>
  event.type === 'incident' ? `incident:${event.incident.key}` : event.type === 'component' ? `component:${event.id}` : event.id;

const STATUS_RANK: Record<ComponentStatus, number> = {
  operational: 0,
  under_maintenance: 1,
  degraded_performance: 2,
  partial_outage: 3,
  major_outage: 4,
};

export const severityOfComponent = (status: ComponentStatus): Severity => {
  switch (status) {
    case 'operational':
      return 'none';
    case 'under_maintenance':
      return 'maintenance';
    case 'degraded_performance':
      return 'minor';
    case 'partial_outage':
      return 'major';
    case 'major_outage':
      return 'critical';
  }
};

export const worstStatus = (statuses: Iterable<ComponentStatus>): ComponentStatus => {
  let worst: ComponentStatus = 'operational';
  for (const s of statuses) if (STATUS_RANK[s] > STATUS_RANK[worst]) worst = s;
  return worst;
};

export const severityRank = (s: Severity): number => SEVERITIES.indexOf(s);

export const isClosedStatus = (s: StoryStatus): boolean => s === 'resolved' || s === 'postmortem' || s === 'completed';
