import { createHash } from 'node:crypto';
import { z } from 'zod';
import { PayloadError, describeZodError } from '../../core/errors.ts';
import { kpiSampleSchema, type KpiSampleInput } from '../../kpi/model.ts';
import { htmlToText } from '../../core/text.ts';
import { CAUSES, COMPONENT_STATUSES, INCIDENT_STATUSES, MAINTENANCE_STATUSES, SEVERITIES, type StatusChange } from '../../core/model.ts';

/**
 * Status Relay's own webhook format, for senders that have none (scripts, CI, other monitors).
 * Documented in README "Generic webhook". Any combination of the three parts may be sent.
 *
 * ```json
 * {
 *   "components": [{ "name": "Messaging", "status": "major_outage" }],
 *   "incident": { "id": "db-42", "name": "Messages delayed", "status": "investigating", "impact": "major",
 *                 "message": "We are looking into it.", "components": ["Messaging"], "cause": "technical_fault" },
 *   "samples": [{ "component": "Messaging", "metric": "response_time_ms", "value": 1800 }]
 * }
 * ```
 */
const iso = z.string().refine((v) => Number.isFinite(Date.parse(v)), 'expected an ISO-8601 time');

export const genericSchema = z.strictObject({
  components: z
    .array(z.strictObject({ id: z.string().min(1).optional(), name: z.string().min(1), status: z.enum(COMPONENT_STATUSES) }))
    .max(500)
    .optional(),
  incident: z
    .strictObject({
      id: z.string().min(1).max(200),
      name: z.string().min(1).max(500),
      kind: z.enum(['incident', 'maintenance']).default('incident'),
      status: z.enum([...INCIDENT_STATUSES, ...MAINTENANCE_STATUSES]),
      impact: z.enum(SEVERITIES).default('minor'),
      message: z.string().max(20_000).default(''),
      updateId: z.string().min(1).max(200).optional(),
      components: z.array(z.string().min(1)).max(100).default([]),
      cause: z.enum(CAUSES).optional(),
      url: z.url({ protocol: /^https?$/ }).optional(),
      at: iso.optional(),
      startedAt: iso.optional(),
      scheduledFor: iso.optional(),
      scheduledUntil: iso.optional(),
    })
    .optional(),
  samples: z.array(kpiSampleSchema).max(10_000).optional(),
});

export type GenericPayload = z.infer<typeof genericSchema>;

/** Without an explicit updateId, the same status and text is the same update: a sender's retry is not news. */
const defaultUpdateId = (status: string, message: string, at: string | undefined): string =>
  `${status}:${createHash('sha256')
    .update(`${message}|${at ?? ''}`)
    .digest('hex')
    .slice(0, 16)}`;

export const parseGeneric = (
  json: unknown,
  sourceId: string,
  now = new Date().toISOString(),
): { changes: StatusChange[]; samples: KpiSampleInput[] } => {
  const result = genericSchema.safeParse(json);
  if (!result.success) throw new PayloadError(describeZodError(result.error));
  const p = result.data;
  if (!p.components && !p.incident && !p.samples)
    throw new PayloadError('body: send at least one of "components", "incident" or "samples"');
  const changes: StatusChange[] = [];
  if (p.incident) {
    const i = p.incident;
    const at = i.at ? new Date(i.at).toISOString() : now;
    changes.push({
      kind: 'incident',
      sourceId,
      at,
      incident: {
        key: `${sourceId}:${i.id}`,
        sourceId,
        kind: i.kind,
        name: htmlToText(i.name),
        status: i.status,
        impact: i.kind === 'maintenance' ? 'maintenance' : i.impact,
        startedAt: i.startedAt ? new Date(i.startedAt).toISOString() : at,
        componentIds: i.components,
        updates: [
          { id: i.updateId ?? defaultUpdateId(i.status, i.message, i.at), status: i.status, body: htmlToText(i.message), createdAt: at },
        ],
        ...(i.cause ? { cause: i.cause } : {}),
        ...(i.url ? { url: i.url } : {}),
        ...(i.scheduledFor ? { scheduledFor: new Date(i.scheduledFor).toISOString() } : {}),
        ...(i.scheduledUntil ? { scheduledUntil: new Date(i.scheduledUntil).toISOString() } : {}),
        ...(i.status === 'resolved' || i.status === 'completed' ? { resolvedAt: at } : {}),
      },
    });
  }
  // After the incident, so that its components' changes are part of its story (docs/contract.md §7).
  for (const c of p.components ?? [])
    changes.push({
      kind: 'component',
      sourceId,
      component: { id: c.id ?? c.name, name: c.name, status: c.status, updatedAt: now },
      at: now,
    });
  return { changes, samples: p.samples ?? [] };
};
