import { z } from 'zod';
import { describeZodError } from '../core/errors.ts';
import { CAUSES, COMPONENT_STATUSES, INCIDENT_STATUSES, MAINTENANCE_STATUSES, SEVERITIES, type ComponentStatus } from '../core/model.ts';
import { incidentUpdateSchema, newIncidentSchema } from '../sources/manual/index.ts';
import { NAMESPACES } from '../storage/namespaces.ts';
import type { KeyValue } from '../storage/store.ts';

/**
 * One draft model for every surface (docs/authoring.md): what a responder is writing, before it is
 * published. While being written every field may be missing; `validateDraft` checks it with the very
 * schemas of the admin API (`POST /api/incidents`, `POST /api/incidents/:id/updates`), so a draft
 * that validates is exactly a request the admin API would accept.
 */
export const SURFACES = ['web', 'slack', 'discord', 'telegram'] as const;
export type Surface = (typeof SURFACES)[number];

export const draftFieldsSchema = z.strictObject({
  name: z.string().max(500).optional(),
  kind: z.enum(['incident', 'maintenance']).optional(),
  status: z.enum([...INCIDENT_STATUSES, ...MAINTENANCE_STATUSES]).optional(),
  impact: z.enum(SEVERITIES).optional(),
  message: z.string().max(20_000).optional(),
  components: z.array(z.string().min(1)).max(100).optional(),
  componentStatuses: z.record(z.string().min(1), z.enum(COMPONENT_STATUSES)).optional(),
  cause: z.enum(CAUSES).optional(),
  scheduledFor: z.string().optional(),
  scheduledUntil: z.string().optional(),
});
export type DraftFields = z.infer<typeof draftFieldsSchema>;

export const draftSchema = z.strictObject({
  surface: z.enum(SURFACES),
  /** The author's id on the surface (the web session's label on `/admin`). */
  owner: z.string().min(1),
  /** The incident this draft updates or resolves (its key); absent: a new incident. */
  target: z.string().min(1).optional(),
  fields: draftFieldsSchema,
  /** Where the flow is (Telegram's guided steps); surfaces with one form leave it unset. */
  step: z.string().optional(),
  /** The locale the author reads the flow in. */
  locale: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Draft = z.infer<typeof draftSchema>;

export type ValidDraft =
  | { readonly ok: true; readonly mode: 'open'; readonly body: z.infer<typeof newIncidentSchema> }
  | { readonly ok: true; readonly mode: 'update'; readonly target: string; readonly body: z.infer<typeof incidentUpdateSchema> }
  | { readonly ok: false; readonly error: string };

const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '')) as T;

/** Only the statuses of listed components: a status left behind for a component taken out again means nothing. */
const statusesOf = (f: DraftFields): Record<string, ComponentStatus> | undefined => {
  if (!f.componentStatuses) return undefined;
  const listed = new Set(f.components ?? []);
  const kept = Object.entries(f.componentStatuses).filter(([id]) => listed.has(id));
  return kept.length ? Object.fromEntries(kept) : undefined;
};

/** The admin API request body the draft stands for (new incident, or update of `target`). */
export const requestBody = (draft: Pick<Draft, 'target' | 'fields'>): Record<string, unknown> => {
  const f = draft.fields;
  const componentStatuses = statusesOf(f);
  if (draft.target)
    return defined({ status: f.status, message: f.message ?? '', components: f.components, componentStatuses, impact: f.impact });
  return defined({
    name: f.name,
    kind: f.kind,
    status: f.status,
    impact: f.impact,
    message: f.message ?? '',
    components: f.components,
    componentStatuses,
    cause: f.cause,
    scheduledFor: f.scheduledFor,
    scheduledUntil: f.scheduledUntil,
  });
};

/** Validates with the admin API's schemas; the error names the field in the API's words. */
export const validateDraft = (draft: Pick<Draft, 'target' | 'fields'>): ValidDraft => {
  const body = requestBody(draft);
  if (draft.target) {
    const r = incidentUpdateSchema.safeParse(body);
    return r.success ? { ok: true, mode: 'update', target: draft.target, body: r.data } : { ok: false, error: describeZodError(r.error) };
  }
  const r = newIncidentSchema.safeParse(body);
  if (!r.success) return { ok: false, error: describeZodError(r.error) };
  if (r.data.kind === 'maintenance' && r.data.scheduledFor && r.data.scheduledUntil && r.data.scheduledUntil <= r.data.scheduledFor)
    return { ok: false, error: 'scheduledUntil: the window must end after it starts' };
  return { ok: true, mode: 'open', body: r.data };
};

/** Drafts in the store: one per author and surface, kept a day after the last step (src/storage/namespaces.ts). */
export class DraftStore {
  constructor(private readonly kv: KeyValue) {}

  static key(surface: Surface, owner: string): string {
    return `${surface}:${owner}`;
  }

  async get(surface: Surface, owner: string): Promise<Draft | undefined> {
    const raw = await this.kv.get<unknown>(DraftStore.key(surface, owner));
    const parsed = draftSchema.safeParse(raw);
    return parsed.success ? parsed.data : undefined;
  }

  async put(draft: Draft): Promise<void> {
    await this.kv.set(DraftStore.key(draft.surface, draft.owner), draftSchema.parse(draft), NAMESPACES.drafts.ttlMs);
  }

  async delete(surface: Surface, owner: string): Promise<void> {
    await this.kv.delete(DraftStore.key(surface, owner));
  }
}

export const newDraft = (
  surface: Surface,
  owner: string,
  now: string,
  init: Partial<Pick<Draft, 'target' | 'fields' | 'locale'>> = {},
): Draft => ({
  surface,
  owner,
  ...(init.target ? { target: init.target } : {}),
  fields: init.fields ?? {},
  ...(init.locale ? { locale: init.locale } : {}),
  createdAt: now,
  updatedAt: now,
});
