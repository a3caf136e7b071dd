import { z } from 'zod';
import { PayloadError } from '../../core/errors.ts';
import {
  CAUSES,
  COMPONENT_STATUSES,
  INCIDENT_STATUSES,
  MAINTENANCE_STATUSES,
  SEVERITIES,
  type Incident,
  type StatusChange,
} from '../../core/model.ts';
import { htmlToText } from '../../core/text.ts';
import { describeZodError } from '../../core/errors.ts';
import type { SourceContext, StatusSource } from '../source.ts';

const isoTime = z
  .string()
  .refine(
    (v) => Number.isFinite(Date.parse(v)) && Math.abs(Date.parse(v)) <= 8.64e15,
    'expected an ISO-8601 time such as 2026-12-01T22:00:00Z',
  );

/** One status per component, where they differ (messaging down, calls slow); wins over `componentStatus` for the components it names. */
const componentStatuses = z
  .record(z.string().min(1), z.enum(COMPONENT_STATUSES))
  .refine((r) => Object.keys(r).length <= 100, 'at most 100 components');

export const newIncidentSchema = z.strictObject({
  name: z.string().min(1).max(500),
  kind: z.enum(['incident', 'maintenance']).default('incident'),
  status: z.enum([...INCIDENT_STATUSES, ...MAINTENANCE_STATUSES]).default('investigating'),
  impact: z.enum(SEVERITIES).default('major'),
  message: z.string().max(20_000).default(''),
  components: z.array(z.string().min(1)).max(100).default([]),
  componentStatus: z.enum(COMPONENT_STATUSES).optional(),
  componentStatuses: componentStatuses.optional(),
  cause: z.enum(CAUSES).optional(),
  url: z.url({ protocol: /^https?$/ }).optional(),
  scheduledFor: isoTime.optional(),
  scheduledUntil: isoTime.optional(),
});

export const incidentUpdateSchema = z.strictObject({
  status: z.enum([...INCIDENT_STATUSES, ...MAINTENANCE_STATUSES]),
  message: z.string().max(20_000).default(''),
  components: z.array(z.string().min(1)).max(100).optional(),
  componentStatus: z.enum(COMPONENT_STATUSES).optional(),
  componentStatuses: componentStatuses.optional(),
  impact: z.enum(SEVERITIES).optional(),
});

const parse = <T>(schema: z.ZodType<T>, body: unknown): T => {
  const r = schema.safeParse(body);
  if (!r.success) throw new PayloadError(describeZodError(r.error));
  return r.data;
};

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 40) || 'incident';

/** Incidents written by people through the admin API or `status-relay incident …`. */
export class ManualSource implements StatusSource {
  readonly type = 'manual';
  constructor(readonly id: string) {}

  async start(ctx: SourceContext): Promise<void> {
    ctx.health.state = 'ok';
  }

  open(body: unknown, now = new Date().toISOString()): { id: string; changes: StatusChange[] } {
    const b = parse(newIncidentSchema, body);
    const id = `${slug(b.name)}-${Date.parse(now).toString(36)}`;
    const incident: Incident = {
      key: `${this.id}:${id}`,
      sourceId: this.id,
      kind: b.kind,
      name: htmlToText(b.name),
      status: b.status,
      impact: b.kind === 'maintenance' ? 'maintenance' : b.impact,
      startedAt: now,
      componentIds: b.components,
      updates: [{ id: `${id}:1`, status: b.status, body: htmlToText(b.message), createdAt: now }],
      ...(b.cause ? { cause: b.cause } : {}),
      ...(b.url ? { url: b.url } : {}),
      ...(b.scheduledFor ? { scheduledFor: new Date(b.scheduledFor).toISOString() } : {}),
      ...(b.scheduledUntil ? { scheduledUntil: new Date(b.scheduledUntil).toISOString() } : {}),
    };
    return {
      id,
      changes: [
        { kind: 'incident', sourceId: this.id, incident, at: now },
        ...this.componentChanges(b.components, b.componentStatus, b.componentStatuses, now),
      ],
    };
  }

  update(existing: Incident, body: unknown, now = new Date().toISOString()): StatusChange[] {
    const b = parse(incidentUpdateSchema, body);
    const closed = b.status === 'resolved' || b.status === 'completed';
    const incident: Incident = {
      ...existing,
      status: b.status,
      ...(b.impact ? { impact: b.impact } : {}),
      componentIds: b.components ? [...new Set([...existing.componentIds, ...b.components])] : existing.componentIds,
      updates: [
        {
          id: `${existing.key.slice(this.id.length + 1)}:${existing.updates.length + 1}`,
          status: b.status,
          body: htmlToText(b.message),
          createdAt: now,
        },
      ],
      ...(closed ? { resolvedAt: now } : {}),
    };
    const status = b.componentStatus ?? (closed ? 'operational' : undefined);
    return [
      { kind: 'incident', sourceId: this.id, incident, at: now },
      // Closing sets every component operational, whatever an earlier per-component status said.
      ...this.componentChanges(incident.componentIds, status, closed && !b.componentStatus ? undefined : b.componentStatuses, now),
    ];
  }

  private componentChanges(
    components: readonly string[],
    status: (typeof COMPONENT_STATUSES)[number] | undefined,
    each: Readonly<Record<string, (typeof COMPONENT_STATUSES)[number]>> | undefined,
    now: string,
  ): StatusChange[] {
    return components.flatMap((name): StatusChange[] => {
      const s = each?.[name] ?? status;
      return s ? [{ kind: 'component', sourceId: this.id, component: { id: name, name, status: s, updatedAt: now }, at: now }] : [];
    });
  }
}
