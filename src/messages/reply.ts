import {
  isClosedStatus,
  severityOfComponent,
  type ComponentState,
  type ComponentStatus,
  type Incident,
  type StatusEvent,
} from '../core/model.ts';
import { formatDateTime } from '../i18n/format.ts';
import { ERROR_ICON, INFO_ICON, type MessageField, type MessageModel } from '../i18n/message.ts';
import { kpiFields, KPI_REPLY_FIELDS } from '../kpi/fields.ts';
import type { KpiWindow } from '../kpi/model.ts';
import type { KpiFigures, RenderContext } from './context.ts';

/** How a command reply presents itself: a plain answer, an informative one (ℹ️), or the asker's mistake (⚠️, never ✅). */
export type ReplyTone = 'plain' | 'info' | 'error';

export interface CommandReplyInput {
  readonly title: string;
  readonly tone?: ReplyTone;
  readonly body?: string;
  readonly fields?: readonly MessageField[];
  readonly image?: MessageModel['image'];
}

const TONE_ICON: Record<ReplyTone, string | undefined> = { plain: undefined, info: INFO_ICON, error: ERROR_ICON };

/** A command's answer (`/subscribe`, `/language`, `/help`, an error…) → MessageModel. Pure. */
export const buildCommandReply = (input: CommandReplyInput, locale: string, ctx: Pick<RenderContext, 'translator'>): MessageModel => {
  const icon = TONE_ICON[input.tone ?? 'plain'];
  return {
    locale,
    dir: ctx.translator.dir(locale),
    severity: 'none',
    title: input.title,
    fields: input.fields ?? [],
    advice: [],
    ...(input.body !== undefined ? { body: input.body } : {}),
    ...(input.image ? { image: input.image } : {}),
    ...(icon ? { icon } : {}),
  };
};

export interface KpiReplyInput {
  readonly window: KpiWindow;
  /** Undefined when no KPI engine knows any figure. */
  readonly figures: KpiFigures | undefined;
  readonly chart?: Buffer;
}

/** `/kpi [window]` → MessageModel: the service's figures over the window, with its chart. Pure. */
export const buildKpiReply = (
  input: KpiReplyInput,
  locale: string,
  ctx: Pick<RenderContext, 'translator' | 'serviceName' | 'timezone'>,
): MessageModel => {
  const t = ctx.translator.t(locale);
  const windowName = t(`kpi.window.${input.window}`);
  const title = t('kpi.title', { service: ctx.serviceName, window: windowName });
  if (!input.figures) return buildCommandReply({ title, body: t('kpi.none') }, locale, ctx);
  const fields = kpiFields(input.figures, locale, ctx.translator, ctx.timezone, KPI_REPLY_FIELDS);
  const image = input.chart ? { png: input.chart, alt: t('chart.alt', { service: ctx.serviceName, window: windowName }) } : undefined;
  return buildCommandReply({ title, fields, ...(image ? { image } : {}) }, locale, ctx);
};

export interface StatusOverviewInput {
  /** The components shown, already narrowed to the one asked for. */
  readonly components: readonly ComponentState[];
  /** Every tracked component: an incident's advice looks at the states of its components. */
  readonly tracked: readonly ComponentState[];
  /** The open stories shown (newest first). */
  readonly incidents: readonly Incident[];
  /** KPI fields for these component ids; empty is the whole service. */
  readonly kpiScope: readonly string[];
}

const MAX_COMPONENT_FIELDS = 15;
const MAX_INCIDENTS = 5;

const STATUS_RANK: Record<ComponentStatus, number> = {
  operational: 0,
  under_maintenance: 1,
  degraded_performance: 2,
  partial_outage: 3,
  major_outage: 4,
};

/**
 * `/status` (and any status overview): the overall state, the components (problems first), the open
 * incidents with their latest update, KPIs and the advice that applies → MessageModel. Pure.
 */
export const buildStatusOverview = (input: StatusOverviewInput, locale: string, ctx: RenderContext): MessageModel => {
  const t = ctx.translator.t(locale);
  const { components, incidents } = input;
  const overall: ComponentStatus = components.reduce<ComponentStatus>(
    (worst, c) => (STATUS_RANK[c.status] > STATUS_RANK[worst] ? c.status : worst),
    'operational',
  );

  const fields: MessageField[] = [];
  const notOk = components.filter((c) => c.status !== 'operational');
  const ok = components.filter((c) => c.status === 'operational');
  const listed = [...notOk, ...ok].slice(0, MAX_COMPONENT_FIELDS);
  for (const c of listed) fields.push({ label: ctx.componentName(c, locale), value: t(`componentStatus.${c.status}`), inline: true });
  if (components.length > listed.length) {
    const rest = components.length - listed.length;
    fields.push({ label: '…', value: `+${rest} ${t('componentStatus.operational')}`, inline: true });
  }
  if (components.length === 0) fields.push({ label: t('status.components'), value: t('status.noComponentsYet') });
  fields.push(...(ctx.kpiFields?.(input.kpiScope, locale) ?? []));

  const lines: string[] = [];
  if (incidents.length === 0) lines.push(t('status.noIncidents'));
  else {
    lines.push(`${t('status.openIncidents')}:`);
    for (const i of incidents.slice(0, MAX_INCIDENTS)) {
      lines.push(
        `• ${t('status.incidentLine', { name: i.name, state: t(`storyStatus.${i.status}`), since: formatDateTime(i.startedAt, locale, ctx.timezone) })}`,
      );
      const latest = i.updates.at(-1);
      if (latest?.body) lines.push(`  ${t('status.latest')}: ${latest.body}`);
    }
  }

  const advice = new Set<string>();
  for (const i of incidents) {
    if (isClosedStatus(i.status)) continue;
    const event: StatusEvent = {
      type: 'incident',
      id: `status:${i.key}`,
      phase: 'updated',
      incident: i,
      components: input.tracked.filter((c) => i.componentIds.includes(c.id)),
      severity: i.impact,
      at: ctx.now,
    };
    for (const k of ctx.adviceFor(event)) advice.add(k);
  }
  return {
    locale,
    dir: ctx.translator.dir(locale),
    severity: severityOfComponent(overall),
    title: t('status.title', { service: ctx.serviceName, overall: t(`overall.${overall}`) }),
    body: lines.join('\n'),
    fields,
    ...(advice.size ? { adviceTitle: t('announce.advice') } : {}),
    advice: [...advice].map((k) => t(`advice.${k}`)),
    ...(ctx.publicUrl ? { link: { label: t('announce.statusPage'), url: ctx.publicUrl } } : {}),
    footer: t('announce.updatedAt', { time: formatDateTime(ctx.now, locale, ctx.timezone) }),
  };
};
