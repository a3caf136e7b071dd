import type { TFunction } from 'i18next';
import { isClosedStatus, type ComponentState, type Incident, type StatusEvent } from '../core/model.ts';
import type { MessageField, MessageModel } from '../i18n/message.ts';
import { formatDateTime, formatDuration, formatList, formatParenthetical } from '../i18n/format.ts';
import { isolatorFor } from '../i18n/bidi.ts';
import type { RenderContext } from './context.ts';

/** A change of one component's status (or the one summary of a flapping episode). */
export type ComponentEvent = Extract<StatusEvent, { type: 'component' }>;
/** One step of an incident's or a maintenance's story (first post, update, reminder, resolution). */
export type StoryEvent = Extract<StatusEvent, { type: 'incident' }>;
export type IncidentStoryEvent = StoryEvent & { readonly incident: { readonly kind: 'incident' } };
export type MaintenanceEvent = StoryEvent & { readonly incident: { readonly kind: 'maintenance' } };

export const isMaintenance = (event: StoryEvent): event is MaintenanceEvent => event.incident.kind === 'maintenance';

const componentList = (components: readonly ComponentState[], locale: string, ctx: RenderContext, t: TFunction): string =>
  components.length
    ? formatList(
        // Each name isolated, so in Arabic the list (and its "و") runs right to left around Latin names.
        components.map((c) =>
          formatParenthetical(
            isolatorFor(ctx.translator.dir(locale))(ctx.componentName(c, locale)),
            t(`componentStatus.${c.status}`),
            locale,
          ),
        ),
        locale,
      )
    : t('announce.noComponents');

/**
 * The text this event shows: its own update's, else the story's latest. A closed story shows only
 * a closing update's words: one closed without any (a source dropped it from its list) must not
 * repeat the previous update ("we are monitoring…") as if it were the resolution.
 */
const latestBody = (incident: Incident, event: StatusEvent): string | undefined => {
  if (event.type === 'incident' && event.update) return event.update.body || undefined;
  const last = incident.updates.at(-1);
  if (!last || (isClosedStatus(incident.status) && !isClosedStatus(last.status))) return undefined;
  return last.body || undefined;
};

/** What every announcement starts from: the reader's words for "since", the advice that applies. */
const common = (event: StatusEvent, locale: string, ctx: RenderContext) => {
  const t = ctx.translator.t(locale);
  const dir = ctx.translator.dir(locale);
  const service = ctx.serviceName;
  const since = (iso: string) =>
    t('announce.sinceValue', {
      time: formatDateTime(iso, locale, ctx.timezone),
      duration: formatDuration(Date.parse(ctx.now) - Date.parse(iso), locale),
    });
  const adviceKeys = ctx.adviceFor(event);
  const advice = adviceKeys.map((k) => t(`advice.${k}`));

  return { t, dir, service, since, advice };
};

/** Component change → MessageModel. Pure. */
export const buildComponentChange = (event: ComponentEvent, locale: string, ctx: RenderContext): MessageModel => {
  const { t, dir, service, since, advice } = common(event, locale, ctx);
  const name = ctx.componentName(event.component, locale);
  const status = t(`componentStatus.${event.component.status}`);
  const fields: MessageField[] = [{ label: t('announce.since'), value: since(event.at), inline: true }];
  fields.push(...(ctx.kpiFields?.([event.component.id], locale) ?? []));
  const headline = event.flaps
    ? t('announce.flapping', {
        component: name,
        count: event.flaps.changes,
        since: formatDateTime(event.flaps.since, locale, ctx.timezone),
        status,
      })
    : t('announce.componentHeadline', { component: name, previous: t(`componentStatus.${event.previous}`), status });
  return {
    locale,
    dir,
    severity: event.component.status === 'operational' ? 'none' : event.severity,
    title: t('announce.componentTitle', { service, component: name, status }),
    headline,
    fields,
    ...(advice.length ? { adviceTitle: t('announce.advice') } : {}),
    advice,
    footer: t('announce.updatedAt', { time: formatDateTime(ctx.now, locale, ctx.timezone) }),
  };
};

/** A story step, incident or maintenance alike: the two kinds differ only in their words and fields. */
const buildStory = (event: StoryEvent, locale: string, ctx: RenderContext): MessageModel => {
  const { t, dir, service, since, advice } = common(event, locale, ctx);
  const incident = event.incident;
  const closed = isClosedStatus(incident.status);
  const state = t(`storyStatus.${incident.status}`);
  const fields: MessageField[] = [{ label: t('announce.affected'), value: componentList(event.components, locale, ctx, t) }];
  if (incident.kind === 'maintenance' && incident.scheduledFor) {
    fields.push({
      label: t('announce.scheduled'),
      value: incident.scheduledUntil
        ? t('announce.window', {
            from: formatDateTime(incident.scheduledFor, locale, ctx.timezone),
            until: formatDateTime(incident.scheduledUntil, locale, ctx.timezone),
          })
        : formatDateTime(incident.scheduledFor, locale, ctx.timezone),
    });
  }
  const end = incident.resolvedAt ?? event.at;
  if (closed) {
    fields.push({
      label: t('announce.duration'),
      value: formatDuration(Date.parse(end) - Date.parse(incident.startedAt), locale),
      inline: true,
    });
  } else if (incident.kind === 'incident' || incident.status !== 'scheduled') {
    fields.push({ label: t('announce.since'), value: since(incident.startedAt), inline: true });
  }
  fields.push(
    ...(ctx.kpiFields?.(
      event.components.map((c) => c.id),
      locale,
    ) ?? []),
  );

  const reminder = event.phase === 'reminder' && incident.scheduledFor;
  const originalBody = reminder ? undefined : latestBody(incident, event);
  const headline = ctx.translated?.(incident.name, locale) ?? incident.name;
  let body = originalBody ? (ctx.translated?.(originalBody, locale) ?? originalBody) : undefined;
  const machine = headline !== incident.name || body !== originalBody;
  // The source's own words stay one tap away, and a reader is told the text is a machine's.
  if (machine)
    fields.push({ label: t('translate.original'), value: [incident.name, originalBody].filter(Boolean).join('\n\n').slice(0, 1000) });
  if (reminder) {
    body = t('announce.reminder', {
      // Whole minutes up: checked a few seconds late, a 1 h reminder still says "1 hr".
      duration: formatDuration(Math.ceil(Math.max(0, Date.parse(reminder) - Date.parse(ctx.now)) / 60_000) * 60_000, locale),
      time: formatDateTime(reminder, locale, ctx.timezone),
    });
  }
  if (closed) {
    const duration = formatDuration(Date.parse(end) - Date.parse(incident.startedAt), locale);
    const summary =
      incident.kind === 'maintenance'
        ? t('announce.completedSummary', { duration })
        : t('announce.resolvedSummary', {
            duration,
            components: event.components.length
              ? formatList(
                  event.components.map((c) => isolatorFor(dir)(ctx.componentName(c, locale))),
                  locale,
                )
              : t('announce.noComponents'),
          });
    body = body ? `${summary}\n\n${body}` : summary;
  }
  return {
    locale,
    dir,
    severity: closed ? 'none' : event.severity,
    title: t('announce.title', { service, severity: t(`severity.${event.severity}`), state }),
    headline,
    ...(body ? { body } : {}),
    fields,
    ...(advice.length ? { adviceTitle: t('announce.advice') } : {}),
    advice,
    ...(storyUrl(incident, ctx) ? { link: { label: t('announce.statusPage'), url: storyUrl(incident, ctx)! } } : {}),
    footer: `${t('announce.updatedAt', { time: formatDateTime(ctx.now, locale, ctx.timezone) })}${machine ? ` · ${t('translate.machine')}` : ''}`,
  };
};

/** The story on our own status page (`GET /incidents/:id`), under `service.publicUrl`. */
export const publicIncidentUrl = (publicUrl: string, key: string): string =>
  new URL(`incidents/${encodeURIComponent(key)}`, publicUrl.endsWith('/') ? publicUrl : `${publicUrl}/`).href;

/** The source's own page for the story, else ours when `service.publicUrl` is set. */
const storyUrl = (incident: Incident, ctx: RenderContext): string | undefined =>
  incident.url ?? (ctx.publicUrl ? publicIncidentUrl(ctx.publicUrl, incident.key) : undefined);

/** Incident story step (opened, updated, resolved) → MessageModel. Pure. */
export const buildIncidentStory = (
  event: StoryEvent & { incident: { kind: 'incident' } },
  locale: string,
  ctx: RenderContext,
): MessageModel => buildStory(event, locale, ctx);

/** Maintenance story step (scheduled, reminder, started, updated, completed) → MessageModel. Pure. */
export const buildMaintenance = (
  event: StoryEvent & { incident: { kind: 'maintenance' } },
  locale: string,
  ctx: RenderContext,
): MessageModel => buildStory(event, locale, ctx);

/** Any tracker event → MessageModel: the builder of its kind. Pure. */
export const buildEventMessage = (event: StatusEvent, locale: string, ctx: RenderContext): MessageModel =>
  event.type === 'component' ? buildComponentChange(event, locale, ctx) : buildStory(event, locale, ctx);

/** One direct message for everything held back during a subscriber's quiet hours: the latest state of each story. */
export const buildHeldSummary = (events: readonly StatusEvent[], locale: string, ctx: RenderContext): MessageModel => {
  const t = ctx.translator.t(locale);
  const latest = new Map<string, StatusEvent>();
  for (const e of events) latest.set(e.type === 'incident' ? e.incident.key : e.component.id, e);
  const lines = [...latest.values()].map((e) => {
    const m = buildEventMessage(e, locale, ctx);
    return `• ${m.title}${m.headline ? ` — ${m.headline}` : ''}`;
  });
  const worst = [...latest.values()].some((e) => e.severity === 'major' || e.severity === 'critical') ? 'major' : 'minor';
  return {
    locale,
    dir: ctx.translator.dir(locale),
    severity: [...latest.values()].every((e) =>
      e.type === 'incident' ? isClosedStatus(e.incident.status) : e.component.status === 'operational',
    )
      ? 'none'
      : worst,
    title: t('quiet.summaryTitle', { service: ctx.serviceName, count: events.length }),
    body: lines.join('\n'),
    fields: [],
    advice: [],
    footer: t('announce.updatedAt', { time: formatDateTime(ctx.now, locale, ctx.timezone) }),
  };
};
