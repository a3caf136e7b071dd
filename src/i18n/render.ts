import type { TFunction } from 'i18next';
import { isClosedStatus, type ComponentState, type Incident, type StatusEvent } from '../core/model.ts';
import type { MessageField, MessageModel } from './message.ts';
import type { Translator } from './i18n.ts';
import { formatDateTime, formatDuration, formatList, formatParenthetical } from './format.ts';
import { isolatorFor } from './bidi.ts';

/** Numbers for the KPI fields, already computed; absent values are left out. */
export interface KpiFigures {
  readonly window: '24h' | '7d' | '30d' | '90d';
  readonly uptimePercent?: number;
  readonly responseP50Ms?: number;
  readonly responseP95Ms?: number;
  readonly errorRatePercent?: number;
  readonly latencyP95Ms?: number;
  /** What the data spans; absent means the whole window (providers that do not know). */
  readonly coverage?: { readonly coveredFrom: string; readonly coveredMs: number; readonly covered: boolean };
}

/** Everything rendering needs besides the event: pure data and pure functions, no I/O. */
export interface RenderContext {
  readonly translator: Translator;
  readonly serviceName: string;
  readonly timezone: string;
  /** ISO time "now", so rendering stays pure and testable. */
  readonly now: string;
  readonly fallbackLocale: string;
  /** Localized display name of a component. */
  componentName(component: { id: string; name: string }, locale: string): string;
  /** Advice keys that apply to the event (empty once resolved). */
  adviceFor(event: StatusEvent): readonly string[];
  /** Localized KPI fields for the event's components, when the KPI engine knows any. */
  kpiFields?(componentIds: readonly string[], locale: string): readonly MessageField[];
  /** `service.publicUrl`: the link of a story whose source has no page of its own. */
  readonly publicUrl?: string;
  /** Machine translation of source text into the locale, when one was fetched before rendering. */
  translated?(text: string, locale: string): string | undefined;
}

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

/** The story on our own status page (`GET /incidents/:id`), under `service.publicUrl`. */
export const publicIncidentUrl = (publicUrl: string, key: string): string =>
  new URL(`incidents/${encodeURIComponent(key)}`, publicUrl.endsWith('/') ? publicUrl : `${publicUrl}/`).href;

/** The source's own page for the story, else ours when `service.publicUrl` is set. */
const storyUrl = (incident: Incident, ctx: RenderContext): string | undefined =>
  incident.url ?? (ctx.publicUrl ? publicIncidentUrl(ctx.publicUrl, incident.key) : undefined);

/** event + locale → MessageModel. Pure. */
export const renderEvent = (event: StatusEvent, locale: string, ctx: RenderContext): MessageModel => {
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

  if (event.type === 'component') {
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
  }

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

/** One direct message for everything held back during a subscriber's quiet hours: the latest state of each story. */
export const renderHeldSummary = (events: readonly StatusEvent[], locale: string, ctx: RenderContext): MessageModel => {
  const t = ctx.translator.t(locale);
  const latest = new Map<string, StatusEvent>();
  for (const e of events) latest.set(e.type === 'incident' ? e.incident.key : e.component.id, e);
  const lines = [...latest.values()].map((e) => {
    const m = renderEvent(e, locale, ctx);
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
