import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { CAUSES, COMPONENT_STATUSES, INCIDENT_STATUSES, MAINTENANCE_STATUSES, SEVERITIES, type StatusEvent } from '../core/model.ts';
import { PayloadError, describeZodError } from '../core/errors.ts';
import { parseIncident } from '../sources/statuspage/parse.ts';

const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO-8601 time');
const componentStatus = z.enum(COMPONENT_STATUSES);
const storyStatus = z.enum([...INCIDENT_STATUSES, ...MAINTENANCE_STATUSES]);
const componentState = z.object({
  id: z.string(),
  name: z.string(),
  status: componentStatus,
  groupName: z.string().optional(),
  updatedAt: isoTime.optional(),
});
const update = z.object({
  id: z.string(),
  status: storyStatus,
  body: z.string(),
  createdAt: isoTime,
  affectedComponents: z
    .array(
      z.object({
        id: z.string().optional(),
        name: z.string(),
        oldStatus: componentStatus.optional(),
        newStatus: componentStatus.optional(),
      }),
    )
    .optional(),
});

/** The preview file's boundary: a StatusEvent as the tracker emits it (src/core/model.ts). */
export const statusEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('incident'),
    id: z.string(),
    phase: z.enum(['opened', 'updated', 'resolved', 'scheduled', 'reminder', 'started', 'completed']),
    incident: z.object({
      key: z.string(),
      sourceId: z.string(),
      kind: z.enum(['incident', 'maintenance']),
      name: z.string(),
      status: storyStatus,
      impact: z.enum(SEVERITIES),
      startedAt: isoTime,
      resolvedAt: isoTime.optional(),
      scheduledFor: isoTime.optional(),
      scheduledUntil: isoTime.optional(),
      url: z.string().optional(),
      cause: z.enum(CAUSES).optional(),
      componentIds: z.array(z.string()),
      updates: z.array(update),
    }),
    update: update.optional(),
    components: z.array(componentState),
    severity: z.enum(SEVERITIES),
    at: isoTime,
  }),
  z.object({
    type: z.literal('component'),
    id: z.string(),
    component: componentState,
    previous: componentStatus,
    severity: z.enum(SEVERITIES),
    at: isoTime,
  }),
]);

/**
 * A StatusEvent JSON, or a Statuspage incident object (as in incidents.json), as an event. Throws a
 * `PayloadError` whose message is one line naming the file and what is wrong with it.
 */
export const readEventFile = (path: string): StatusEvent => {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new PayloadError(
      `${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a JSON file' : `cannot read it (${code ?? (e as Error).message})`}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new PayloadError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json))
    throw new PayloadError(`${path}: expected a JSON object: a StatusEvent ({"type":"incident",…}) or a Statuspage incident`);
  const obj = json as Record<string, unknown>;
  if (obj.type === 'incident' || obj.type === 'component') {
    const parsed = statusEventSchema.safeParse(obj);
    if (!parsed.success) throw new PayloadError(`${path}: not a valid StatusEvent: ${describeZodError(parsed.error)}`);
    return parsed.data as StatusEvent;
  }
  const raw = (obj.incident ?? obj) as Record<string, unknown>;
  if (!Array.isArray(raw.incident_updates))
    throw new PayloadError(`${path}: expected a StatusEvent ({"type":"incident",…}) or a Statuspage incident (with incident_updates)`);
  let incident;
  try {
    incident = parseIncident(raw, 'preview');
  } catch (e) {
    throw new PayloadError(`${path}: not a valid Statuspage incident: ${(e as Error).message}`);
  }
  const closed = incident.status === 'resolved' || incident.status === 'completed' || incident.status === 'postmortem';
  return {
    type: 'incident',
    id: 'preview',
    phase: closed ? 'resolved' : 'opened',
    incident,
    ...(incident.updates.at(-1) ? { update: incident.updates.at(-1)! } : {}),
    components: incident.componentIds.map((id) => ({ id, name: id, status: closed ? 'operational' : 'major_outage' })),
    severity: incident.impact,
    at: incident.updates.at(-1)?.createdAt ?? incident.startedAt,
  };
};
