import { isClosedStatus, severityOfComponent, type ComponentStatus, type StatusEvent } from '../core/model.ts';
import type { TrackedComponent } from '../core/tracker.ts';
import { formatDateTime } from '../i18n/format.ts';
import type { MessageField, MessageModel } from '../i18n/message.ts';
import type { CommandServices } from './context.ts';

const MAX_COMPONENT_FIELDS = 15;

/** `/status [component]`: overall state, components, open incidents with their latest update, KPIs, advice. */
export const statusReply = (services: CommandServices, locale: string, componentWord?: string): MessageModel => {
  const t = services.translator.t(locale);
  const now = services.now();
  const ctx = services.renderContext(now);
  // A configured component nobody reported a problem for is up: most sources only report changes.
  const tracked = services.tracker.currentComponents();
  const silent = services.catalog
    .configuredIds()
    .filter((id) => !tracked.some((c) => c.id === id))
    .map((id): TrackedComponent => ({
      id,
      name: ctx.componentName({ id, name: id }, locale),
      status: 'operational',
      sourceId: 'config',
      since: now,
    }));
  let components: TrackedComponent[] = [...tracked, ...silent];
  if (componentWord) {
    const id = services.catalog.lookup(componentWord);
    const hit = components.filter((c) => c.id === id || c.name.toLowerCase() === componentWord.toLowerCase());
    if (hit.length === 0) {
      const known =
        components
          .map((c) => ctx.componentName(c, locale))
          .slice(0, 20)
          .join(', ') || '—';
      return {
        locale,
        dir: services.translator.dir(locale),
        severity: 'none',
        title: t('status.unknownComponent', { name: componentWord, known }),
        fields: [],
        advice: [],
      };
    }
    components = hit;
  }
  const ids = new Set(components.map((c) => c.id));
  const overall: ComponentStatus = components.reduce<ComponentStatus>(
    (worst, c) => (severityRankOf(c.status) > severityRankOf(worst) ? c.status : worst),
    'operational',
  );
  const incidents = services.tracker.openIncidents().filter((i) => !componentWord || i.componentIds.some((c) => ids.has(c)));

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
  fields.push(...(ctx.kpiFields?.(componentWord ? [...ids] : [], locale) ?? []));

  const lines: string[] = [];
  if (incidents.length === 0) lines.push(t('status.noIncidents'));
  else {
    lines.push(`${t('status.openIncidents')}:`);
    for (const i of incidents.slice(0, 5)) {
      lines.push(
        `• ${t('status.incidentLine', { name: i.name, state: t(`storyStatus.${i.status}`), since: formatDateTime(i.startedAt, locale, services.renderContext(now).timezone) })}`,
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
      components: services.tracker.currentComponents().filter((c) => i.componentIds.includes(c.id)),
      severity: i.impact,
      at: now,
    };
    for (const k of ctx.adviceFor(event)) advice.add(k);
  }
  return {
    locale,
    dir: services.translator.dir(locale),
    severity: severityOfComponent(overall),
    title: t('status.title', { service: services.serviceName, overall: t(`overall.${overall}`) }),
    body: lines.join('\n'),
    fields,
    ...(advice.size ? { adviceTitle: t('announce.advice') } : {}),
    advice: [...advice].map((k) => t(`advice.${k}`)),
    ...(ctx.publicUrl ? { link: { label: t('announce.statusPage'), url: ctx.publicUrl } } : {}),
    footer: t('announce.updatedAt', { time: formatDateTime(now, locale, ctx.timezone) }),
  };
};

const RANK: Record<ComponentStatus, number> = {
  operational: 0,
  under_maintenance: 1,
  degraded_performance: 2,
  partial_outage: 3,
  major_outage: 4,
};
const severityRankOf = (s: ComponentStatus): number => RANK[s];
