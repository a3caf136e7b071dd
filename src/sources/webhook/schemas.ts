import { z } from 'zod';
import { PayloadError } from '../../core/errors.ts';
import { describeZodError } from '../../core/errors.ts';

/**
 * The vendors' documented webhook shapes (docs/formats.md), checked before a body is parsed: a field
 * of the wrong type is a 400 that names it, and nothing is stored or announced. Objects stay loose
 * (vendors add fields over time); the fields we read are typed strictly. Enum values are not
 * checked here: they drift in case and wording (Instatus's title case), the parsers normalize them.
 */
const text = z.string();
const optionalText = text.nullish();
const time = z.string().nullish();

const statuspageComponent = z.looseObject({
  id: text.min(1),
  name: optionalText,
  status: optionalText,
  created_at: time,
  updated_at: time,
  group_id: optionalText,
  description: optionalText,
  position: z.number().nullish(),
});

const statuspageAffected = z.looseObject({ code: optionalText, name: optionalText, old_status: optionalText, new_status: optionalText });

const statuspageUpdate = z.looseObject({
  id: text.min(1),
  status: optionalText,
  body: optionalText,
  created_at: time,
  updated_at: time,
  display_at: time,
  // 2016 pages sent null here, or name-only items (docs/formats.md gotcha 2).
  affected_components: z.array(statuspageAffected).nullish(),
});

const statuspageIncident = z.looseObject({
  id: text.min(1),
  name: text,
  status: optionalText,
  impact: optionalText,
  created_at: time,
  updated_at: time,
  started_at: time,
  monitoring_at: time,
  resolved_at: time,
  scheduled_for: time,
  scheduled_until: time,
  shortlink: optionalText,
  incident_updates: z.array(statuspageUpdate).max(10_000).default([]),
  components: z.array(statuspageComponent).max(10_000).nullish(),
});

/** https://support.atlassian.com/statuspage/docs/enable-webhook-notifications/ — no event field: one of these keys is present. */
export const statuspageWebhookSchema = z.union([
  z.looseObject({ incident: statuspageIncident }),
  z.looseObject({
    component_update: z.looseObject({
      id: optionalText,
      component_id: optionalText,
      old_status: optionalText,
      new_status: text,
      created_at: time,
    }),
    component: statuspageComponent.partial({ id: true }).optional(),
  }),
]);

const instatusComponentRef = z.looseObject({ id: optionalText, name: optionalText, status: optionalText });

const instatusUpdate = z.looseObject({
  id: text.min(1),
  // The documented field is `body`; real 2026 captures send `markdown` (docs/formats.md §4).
  body: optionalText,
  markdown: optionalText,
  status: optionalText,
  created_at: time,
  updated_at: time,
});

const instatusStory = z.looseObject({
  id: text.min(1),
  name: text,
  status: optionalText,
  impact: optionalText,
  url: optionalText,
  started: time,
  created_at: time,
  updated_at: time,
  resolved_at: time,
  backfilled: z.boolean().nullish(),
  maintenance_start_date: time,
  maintenance_end_date: time,
  affected_components: z.array(instatusComponentRef).max(10_000).nullish(),
  incident_updates: z.array(instatusUpdate).max(10_000).nullish(),
  maintenance_updates: z.array(instatusUpdate).max(10_000).nullish(),
});

/** https://instatus.com/help/webhooks */
export const instatusWebhookSchema = z.union([
  z.looseObject({ incident: instatusStory }),
  z.looseObject({ maintenance: instatusStory }),
  z.looseObject({
    component_update: z.looseObject({ component_id: optionalText, new_status: text, old_status: optionalText, created_at: time }),
    component: instatusComponentRef.optional(),
  }),
]);

/**
 * Validates against a vendor schema. A union's error names the branch whose key the body has
 * (`incident.name: …`), not the union as a whole, so the sender learns which field is wrong.
 */
export const validateWebhook = (schema: z.ZodType, json: unknown, expected: string): void => {
  const r = schema.safeParse(json);
  if (r.success) return;
  const first = r.error.issues[0];
  if (first?.code !== 'invalid_union') throw new PayloadError(describeZodError(r.error));
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new PayloadError('body: expected a JSON object');
  const meant = first.errors
    .filter((issues) => issues.every((i) => i.path.length > 0 && String(i.path[0]) in json))
    .sort((a, b) => Math.max(...b.map((i) => i.path.length)) - Math.max(...a.map((i) => i.path.length)))[0];
  if (!meant) throw new PayloadError(`body: expected ${expected}`);
  throw new PayloadError(describeZodError(new z.ZodError(meant)));
};
