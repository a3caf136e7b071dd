import type { StatusPageDeps } from './deps.ts';
import { isClosedStatus, worstStatus, type ComponentState, type ComponentStatus, type Incident, type StatusEvent } from '../core/model.ts';
import type { MessageField, MessageModel } from '../i18n/message.ts';
import { renderEvent, type KpiFigures } from '../i18n/render.ts';
import { kpiFields } from '../kpi/fields.ts';
import { toFigures } from '../kpi/engine.ts';
import { KPI_WINDOWS, type KpiWindow } from '../kpi/model.ts';

/** One component as the page shows it: everything already localized except the numbers of the bars. */
export interface PageComponent {
  readonly id: string;
  readonly name: string;
  readonly group?: string;
  readonly status: ComponentStatus;
  /** Daily uptime %, oldest first (90 days); undefined where there is no data. */
  readonly days: readonly (number | undefined)[];
  /** The same KPI fields as chat messages, per window (honest about coverage: `kpiFields`). */
  readonly kpis: readonly { readonly window: KpiWindow; readonly fields: readonly MessageField[] }[];
}

/** A story as the page shows it: the chat's message model plus its timeline. */
export interface PageStory {
  readonly incident: Incident;
  readonly model: MessageModel;
}

/** Everything a page needs, gathered once per (locale, state); rendering is pure over it. */
export interface PageData {
  readonly locale: string;
  readonly dir: 'ltr' | 'rtl';
  readonly service: string;
  readonly timezone: string;
  readonly now: string;
  readonly overall: ComponentStatus;
  readonly components: readonly PageComponent[];
  readonly open: readonly PageStory[];
  readonly maintenances: readonly PageStory[];
  readonly locales: readonly string[];
  readonly subscribe: readonly { readonly platform: 'telegram' | 'discord' | 'slack'; readonly url: string }[];
}

/** The event a story's page shows: its latest step, as announcements render it. */
export const storyEvent = (deps: StatusPageDeps, incident: Incident, now: string): StatusEvent => {
  const byId = new Map(deps.status.currentComponents().map((c) => [c.id, c]));
  const components: ComponentState[] = incident.componentIds.map(
    (id) => byId.get(id) ?? { id, name: id, status: isClosedStatus(incident.status) ? 'operational' : 'major_outage' },
  );
  const closed = isClosedStatus(incident.status);
  return {
    type: 'incident',
    id: `page:${incident.key}`,
    phase: closed
      ? incident.kind === 'maintenance'
        ? 'completed'
        : 'resolved'
      : incident.status === 'scheduled'
        ? 'scheduled'
        : 'updated',
    incident,
    components,
    severity: closed ? 'none' : incident.impact,
    at: incident.resolvedAt ?? incident.updates.at(-1)?.createdAt ?? now,
  };
};

export const storyOf = (deps: StatusPageDeps, incident: Incident, locale: string, now: string): PageStory => ({
  incident,
  model: renderEvent(storyEvent(deps, incident, now), locale, deps.renderContext(now)),
});

/** Components the config names and those sources reported, configured ones first in their order. */
export const pageComponents = (deps: StatusPageDeps, now: string): ComponentState[] => {
  const tracked = new Map(deps.status.currentComponents().map((c) => [c.id, c]));
  const out: ComponentState[] = [];
  for (const c of deps.components) {
    const t = tracked.get(c.id);
    out.push({ ...(t ?? { id: c.id, name: c.id, status: 'operational', updatedAt: now }), ...(c.group ? { groupName: c.group } : {}) });
    tracked.delete(c.id);
  }
  return [...out, ...tracked.values()];
};

/**
 * How long a window's figures are reused between state changes. A 90-day summary merges 90 daily
 * rollups (~15 ms a component): recomputing 20 of them per page view would cost far more than the
 * page. The 24 h window moves with every minute; the long ones change by hundredths in minutes.
 * Any change of a status or story drops them all (`forgetFigures`), so a new outage shows at once.
 */
export const FIGURES_TTL_MS: Record<KpiWindow, number> = { '24h': 60_000, '7d': 300_000, '30d': 300_000, '90d': 300_000 };

interface Memo {
  readonly figures: KpiFigures | undefined;
  readonly days?: readonly (number | undefined)[];
  readonly at: number;
}
const memos = new WeakMap<StatusPageDeps, Map<string, Memo>>();
const memoOf = (deps: StatusPageDeps): Map<string, Memo> => {
  let m = memos.get(deps);
  if (!m) memos.set(deps, (m = new Map()));
  return m;
};

/** Drops the reused figures: the state changed. */
export const forgetFigures = (deps: StatusPageDeps): void => memoOf(deps).clear();

const figuresFor = async (deps: StatusPageDeps, id: string, window: KpiWindow, now: number): Promise<KpiFigures | undefined> => {
  const engine = deps.kpi()?.engine;
  if (!engine) return undefined;
  const memo = memoOf(deps);
  const key = `${id}|${window}`;
  const hit = memo.get(key);
  if (hit && now - hit.at < FIGURES_TTL_MS[window]) return hit.figures;
  const figures = toFigures(window === '24h' ? engine.recentSummary([id]) : await engine.summary([id], window));
  memo.set(key, { figures, at: now });
  return figures;
};

const daysFor = async (deps: StatusPageDeps, id: string, now: number): Promise<readonly (number | undefined)[]> => {
  const kpi = deps.kpi();
  if (!kpi) return Array.from({ length: 90 }, () => undefined);
  const memo = memoOf(deps);
  const hit = memo.get(`${id}|days`);
  if (hit?.days && now - hit.at < FIGURES_TTL_MS['24h']) return hit.days;
  const days = await kpi.dailyUptime(id, 90);
  memo.set(`${id}|days`, { figures: undefined, days, at: now });
  return days;
};

/** Reads the state and the KPI engine once for a page in one language. */
export const gatherPage = async (deps: StatusPageDeps, locale: string, now: string): Promise<PageData> => {
  const ctx = deps.renderContext(now);
  // 20 components × 4 windows share a handful of labels: each is looked up once for this page.
  const translator = deps.translator.memoized();
  const components: PageComponent[] = [];
  for (const c of pageComponents(deps, now)) {
    const kpis = [];
    for (const window of KPI_WINDOWS)
      kpis.push({
        window,
        fields: kpiFields(await figuresFor(deps, c.id, window, Date.parse(now)), locale, translator, deps.service.timezone, {
          uptimeDigits: 2,
        }),
      });
    components.push({
      id: c.id,
      name: ctx.componentName(c, locale),
      ...(c.groupName ? { group: c.groupName } : {}),
      status: c.status,
      days: await daysFor(deps, c.id, Date.parse(now)),
      kpis,
    });
  }
  const stories = deps.status.openIncidents();
  return {
    locale,
    dir: deps.translator.dir(locale),
    service: deps.service.name,
    timezone: deps.service.timezone,
    now,
    overall: worstStatus(components.map((c) => c.status)),
    components,
    open: stories.filter((i) => i.kind === 'incident' || i.status !== 'scheduled').map((i) => storyOf(deps, i, locale, now)),
    maintenances: stories
      .filter((i) => i.kind === 'maintenance' && i.status === 'scheduled')
      .sort((a, b) => (a.scheduledFor ?? a.startedAt).localeCompare(b.scheduledFor ?? b.startedAt))
      .map((i) => storyOf(deps, i, locale, now)),
    locales: deps.service.locales,
    subscribe: subscribeLinks(deps),
  };
};

/** Only platforms that are on, each with the link that adds the bot there. */
export const subscribeLinks = (deps: StatusPageDeps): PageData['subscribe'] => {
  const out: { platform: 'telegram' | 'discord' | 'slack'; url: string }[] = [];
  const bot = deps.subscribe.telegramBot();
  // https://core.telegram.org/bots/features#deep-linking
  if (bot) out.push({ platform: 'telegram', url: `https://t.me/${encodeURIComponent(bot)}?start=subscribe` });
  const discordApp = deps.subscribe.discordApplicationId();
  // https://discord.com/developers/docs/topics/oauth2#bot-authorization-flow
  if (discordApp)
    out.push({
      platform: 'discord',
      url: `https://discord.com/oauth2/authorize?client_id=${encodeURIComponent(discordApp)}&scope=bot%20applications.commands`,
    });
  const slack = deps.subscribe.slackAppRedirect();
  if (slack) out.push({ platform: 'slack', url: slack });
  return out;
};
