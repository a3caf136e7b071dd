import { z } from 'zod';
import {
  CAUSES,
  COMPONENT_STATUSES,
  INCIDENT_STATUSES,
  MAINTENANCE_STATUSES,
  SEVERITIES,
  isClosedStatus,
  type Incident,
} from '../core/model.ts';

/**
 * What the HTTP routes answer (docs/api.md). Each schema is the contract of one answer: handlers build
 * their bodies as its inferred type, the tests validate live answers against it, and `/openapi.json`
 * is generated from it (src/http/openapi.ts).
 */

const isoTime = z.iso.datetime();
const storyStatus = z.enum([...INCIDENT_STATUSES, ...MAINTENANCE_STATUSES]);

export const errorSchema = z.strictObject({
  error: z.string().meta({ description: 'What went wrong and, where it helps, how to fix the request.' }),
});
export type ApiError = z.infer<typeof errorSchema>;

export const healthSchema = z.strictObject({ ok: z.literal(true) });

const sourceHealthSchema = z
  .looseObject({
    state: z.enum(['pending', 'ok', 'error']),
    lastSuccessAt: z.string().optional(),
    lastError: z.string().optional(),
  })
  .meta({ description: 'How a status source is doing.' });

export const readinessSchema = z
  .union([
    z.strictObject({
      ready: z.boolean(),
      store: z.enum(['ok', 'down']),
      leader: z.boolean().meta({ description: 'This instance holds the leadership lease (it fans out and runs leader-only adapters).' }),
      leaseToken: z
        .number()
        .int()
        .nullable()
        .meta({ description: 'The fencing token of the lease this instance holds; null when it holds none.' }),
      adapters: z.record(z.string(), z.enum(['connecting', 'connected', 'down'])),
      sources: z.record(z.string(), sourceHealthSchema),
      pausedTargets: z.array(z.string()).meta({ description: 'Chats the bot stopped posting to (removed, forbidden or moved).' }),
      circuits: z
        .record(z.string(), z.enum(['closed', 'open', 'half_open']))
        .meta({ description: 'Per platform: open while the platform is in an outage and delivery waits.' }),
    }),
    z.strictObject({ ready: z.literal(false), stopping: z.literal(true).meta({ description: 'Shutdown has begun.' }) }),
  ])
  .meta({ description: 'Ready when the store answers and every adapter this instance runs is connected.' });
export type Readiness = z.infer<typeof readinessSchema>;

export const webhookAcceptedSchema = z.strictObject({
  accepted: z.literal(true),
  changes: z.number().int().nonnegative().meta({ description: 'Status changes queued from this push.' }),
  samples: z.number().int().nonnegative().meta({ description: 'KPI samples recorded from this push.' }),
});
export type WebhookAccepted = z.infer<typeof webhookAcceptedSchema>;

export const incidentCreatedSchema = z.strictObject({
  id: z.string().meta({ description: "The manual source's own id: use it in `/api/incidents/{id}/updates`." }),
  key: z.string().meta({ description: 'The key across sources, `<sourceId>:<id>`.' }),
});
export type IncidentCreated = z.infer<typeof incidentCreatedSchema>;

export const updateAcceptedSchema = z.strictObject({ id: z.string(), accepted: z.literal(true) });
export type UpdateAccepted = z.infer<typeof updateAcceptedSchema>;

const affectedComponentSchema = z.strictObject({
  id: z.string().optional(),
  name: z.string(),
  oldStatus: z.enum(COMPONENT_STATUSES).optional(),
  newStatus: z.enum(COMPONENT_STATUSES).optional(),
});

const incidentUpdateSchema = z.strictObject({
  id: z.string(),
  status: storyStatus,
  body: z.string().meta({ description: 'Plain text as the source wrote it (HTML removed). Untrusted: escape it before showing it.' }),
  createdAt: isoTime,
  affectedComponents: z.array(affectedComponentSchema).optional(),
});

export const apiIncidentSchema = z
  .strictObject({
    key: z.string().meta({ description: "Unique across sources: `<sourceId>:<the source's id>`. `GET /api/incidents/{key}` reads it." }),
    sourceId: z.string(),
    kind: z.enum(['incident', 'maintenance']),
    name: z.string(),
    status: storyStatus,
    open: z.boolean().meta({ description: 'Not resolved, postmortem or completed.' }),
    impact: z.enum(SEVERITIES),
    startedAt: isoTime,
    resolvedAt: isoTime.optional(),
    scheduledFor: isoTime.optional(),
    scheduledUntil: isoTime.optional(),
    url: z.string().optional().meta({ description: "The source's page about it, when it has one." }),
    cause: z.enum(CAUSES).optional(),
    componentIds: z.array(z.string()).meta({ description: 'Canonical component ids (as in `/api/status`).' }),
    updates: z.array(incidentUpdateSchema).meta({ description: 'Every update the tracker has seen, oldest first.' }),
  })
  .meta({ description: 'An incident or maintenance as the tracker knows it: one story from its start to its resolution.' });
export type ApiIncident = z.infer<typeof apiIncidentSchema>;

export const incidentListSchema = z.strictObject({
  incidents: z.array(apiIncidentSchema).meta({ description: 'Newest first (by startedAt).' }),
  total: z.number().int().nonnegative().meta({ description: 'How many matched before `limit` was applied.' }),
  generatedAt: isoTime,
});
export type IncidentList = z.infer<typeof incidentListSchema>;

/** The query of `GET /api/incidents`; unknown parameters are refused, so a misspelt filter is not silently ignored. */
export const incidentListQuerySchema = z.strictObject({
  state: z
    .enum(['open', 'closed', 'all'])
    .default('all')
    .meta({ description: '`open`: still going or upcoming; `closed`: resolved, postmortem or completed (kept 30 days); `all`: both.' }),
  source: z.string().min(1).optional().meta({ description: 'Only the stories of this source id.' }),
  limit: z.coerce.number().int().min(1).max(1000).default(100).meta({ description: 'At most this many, newest first.' }),
});
export type IncidentListQuery = z.infer<typeof incidentListQuerySchema>;

/** Slack's URL verification handshake, answered by bolt; other Slack requests get an empty 200. */
export const slackChallengeSchema = z.strictObject({ challenge: z.string() });

export const telegramAcceptedSchema = z.strictObject({ ok: z.literal(true) });
export type TelegramAccepted = z.infer<typeof telegramAcceptedSchema>;

/** A time a source gave in another offset reads as UTC; one that is no time at all stays as it came, rather than failing the whole answer. */
const iso = (t: string): string => {
  const ms = Date.parse(t);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : t;
};

/** The API form of a tracked incident: a fixed set of fields (internal bookkeeping stays inside), times in UTC. */
export const toApiIncident = (i: Incident): ApiIncident => ({
  key: i.key,
  sourceId: i.sourceId,
  kind: i.kind,
  name: i.name,
  status: i.status,
  open: !isClosedStatus(i.status),
  impact: i.impact,
  startedAt: iso(i.startedAt),
  ...(i.resolvedAt ? { resolvedAt: iso(i.resolvedAt) } : {}),
  ...(i.scheduledFor ? { scheduledFor: iso(i.scheduledFor) } : {}),
  ...(i.scheduledUntil ? { scheduledUntil: iso(i.scheduledUntil) } : {}),
  ...(i.url ? { url: i.url } : {}),
  ...(i.cause ? { cause: i.cause } : {}),
  componentIds: [...i.componentIds],
  updates: i.updates.map((u) => ({
    id: u.id,
    status: u.status,
    body: u.body,
    createdAt: iso(u.createdAt),
    ...(u.affectedComponents
      ? {
          affectedComponents: u.affectedComponents.map((a) => ({
            ...(a.id !== undefined ? { id: a.id } : {}),
            name: a.name,
            ...(a.oldStatus ? { oldStatus: a.oldStatus } : {}),
            ...(a.newStatus ? { newStatus: a.newStatus } : {}),
          })),
        }
      : {}),
  })),
});

/** What `POST /telegram/webhook` checks of a body before telegraf handles it (the rest is Telegram's Update). */
export const telegramUpdateSchema = z
  .looseObject({ update_id: z.number().int() })
  .meta({ description: 'A Telegram Update (core.telegram.org/bots/api#update).' });

export const openApiDocumentSchema = z.looseObject({
  openapi: z.string(),
  jsonSchemaDialect: z.string(),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.record(z.string(), z.unknown())),
  components: z.looseObject({}),
  tags: z.array(z.looseObject({ name: z.string() })),
});
