import { createHash } from 'node:crypto';
import { z } from 'zod';
import { PayloadError } from '../../core/errors.ts';
import { truncate } from '../../core/text.ts';
import { worstStatus, type ComponentStatus, type Severity, type StatusChange } from '../../core/model.ts';
import { describeZodError } from '../../core/errors.ts';

/**
 * Prometheus Alertmanager webhook v4 (docs/formats.md §5); Grafana's unified alerting reuses it (§9).
 * Each alert is one incident (keyed by fingerprint); its component comes from the label named by
 * the source's `componentLabel` (default `component`), in the alert's labels or the group's common
 * labels. Firing alerts set their component's status from the `severity` label; a component whose
 * alerts in the payload all resolved is operational again.
 */
const labels = z.record(z.string(), z.string()).default({});
export const alertSchema = z.looseObject({
  // Optional: 2018 senders put the status only on the group.
  status: z.enum(['firing', 'resolved']).optional(),
  labels,
  annotations: labels,
  startsAt: z.string().optional(),
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().optional(),
});
export const alertGroupSchema = z.looseObject({
  status: z.enum(['firing', 'resolved']).optional(),
  alerts: z.array(alertSchema).max(10_000),
  commonLabels: labels,
  commonAnnotations: labels,
  externalURL: z.string().optional(),
  groupKey: z.string().optional(),
});
export type AlertGroup = z.infer<typeof alertGroupSchema>;

const SEVERITY: Record<string, Severity> = {
  critical: 'critical',
  page: 'critical',
  p0: 'critical',
  p1: 'critical',
  fatal: 'critical',
  major: 'major',
  error: 'major',
  high: 'major',
  p2: 'major',
  warning: 'minor',
  warn: 'minor',
  minor: 'minor',
  medium: 'minor',
  p3: 'minor',
  info: 'none',
  low: 'none',
  none: 'none',
};
const STATUS_OF: Record<Severity, ComponentStatus> = {
  critical: 'major_outage',
  major: 'partial_outage',
  minor: 'degraded_performance',
  none: 'degraded_performance',
  maintenance: 'under_maintenance',
};

/** Alertmanager writes nanoseconds and "0001-01-01T00:00:00Z" for "not yet". */
export const alertTime = (v: string | undefined): string | undefined => {
  if (!v || v.startsWith('0001-')) return undefined;
  const t = Date.parse(v.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isFinite(t) ? new Date(t).toISOString() : undefined;
};

/** Alert texts are plain text, not HTML ("failure on <no value>" must survive); renderers escape them. */
const plain = (s: string): string => s.replace(/\r\n?/g, '\n').trim();

const httpUrl = (v: string | undefined): string | undefined => (v && /^https?:\/\//.test(v) ? v : undefined);

export interface AlertOptions {
  readonly componentLabel: string;
  /** Fallback incident name (Grafana's `title`). */
  readonly title?: string;
}

export const alertsToChanges = (group: AlertGroup, sourceId: string, now: string, options: AlertOptions): StatusChange[] => {
  const changes: StatusChange[] = [];
  const componentStates = new Map<string, ComponentStatus[]>();
  for (const a of group.alerts) {
    const all = { ...group.commonLabels, ...a.labels };
    const notes = { ...group.commonAnnotations, ...a.annotations };
    const component = all[options.componentLabel];
    const severity = SEVERITY[(all.severity ?? all.priority ?? '').toLowerCase()] ?? 'minor';
    const status = a.status ?? group.status ?? 'firing';
    const firing = status === 'firing';
    const startedAt = alertTime(a.startsAt) ?? now;
    const endedAt = firing ? undefined : (alertTime(a.endsAt) ?? now);
    const at = endedAt ?? startedAt;
    const id =
      a.fingerprint ||
      createHash('sha256')
        .update(JSON.stringify(Object.entries(all).sort()))
        .digest('hex')
        .slice(0, 16);
    const name = plain(notes.summary ?? all.alertname ?? options.title ?? 'Alert') || 'Alert';
    // A resolved alert still carries the annotations of its last firing evaluation ("error rate above
    // 5 %"): they describe the problem, so the resolution must not repeat them as its own words.
    const body = firing ? truncate(plain(notes.description ?? notes.message ?? notes.summary ?? ''), 4000, { atWord: true }) : '';
    const url = httpUrl(notes.runbook_url) ?? httpUrl(a.generatorURL) ?? httpUrl(group.externalURL);
    changes.push({
      kind: 'incident',
      sourceId,
      at,
      incident: {
        key: `${sourceId}:${id}`,
        sourceId,
        kind: 'incident',
        name: truncate(name, 300, { atWord: true }),
        status: firing ? 'investigating' : 'resolved',
        impact: severity === 'none' ? 'minor' : severity,
        startedAt,
        componentIds: component ? [component] : [],
        updates: [{ id: `${status}@${at}`, status: firing ? 'investigating' : 'resolved', body, createdAt: at }],
        ...(endedAt ? { resolvedAt: endedAt } : {}),
        ...(url ? { url } : {}),
      },
    });
    if (component) {
      const list = componentStates.get(component) ?? [];
      list.push(firing ? STATUS_OF[severity] : 'operational');
      componentStates.set(component, list);
    }
  }
  for (const [component, statuses] of componentStates)
    changes.push({ kind: 'component', sourceId, component: { id: component, name: component, status: worstStatus(statuses) }, at: now });
  return changes;
};

export const parseAlertmanager = (json: unknown, sourceId: string, now: string, componentLabel: string): StatusChange[] => {
  const r = alertGroupSchema.safeParse(json);
  if (!r.success) throw new PayloadError(describeZodError(r.error));
  return alertsToChanges(r.data, sourceId, now, { componentLabel });
};
