import { createHash } from 'node:crypto';
import type { StatusPageDeps } from './deps.ts';
import { HttpError, type RouteContext } from '../http/routes.ts';
import type { ComponentStatus } from '../core/model.ts';
import { formatPercent } from '../i18n/format.ts';
import { stripAllBidi } from '../i18n/bidi.ts';
import { KPI_WINDOWS, type KpiWindow } from '../kpi/model.ts';
import { forgetFigures, gatherPage, pageComponents, storyOf, type PageData } from './data.ts';
import { CSS_HASH, HISTORY_PAGE_SIZE, renderHistory, renderHome, renderIncident, renderNotFound } from './html.ts';
import { LANG_COOKIE, pageLocale } from './lang.ts';
import { atomFeed, rssFeed } from './feeds.ts';
import { badgeSvg, BADGE_COLOUR } from './badge.ts';
import {
  componentsJson,
  incidentsJson,
  maintenancesJson,
  statusJson,
  summaryJson,
  unresolvedJson,
  type StatuspageInput,
} from './statuspage-api.ts';

/** The public status page's security headers: no script at all, the one style sheet by its hash, nothing from other hosts. */
export const pageHeaders = (frameAncestors: readonly string[]): Record<string, string> => ({
  'content-security-policy': `default-src 'none'; style-src '${CSS_HASH}'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors ${frameAncestors.join(' ')}`,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
});

interface Cached {
  readonly body: string;
  readonly etag: string;
}

/**
 * What a page depends on: every component's status, every story's step, and the minute (KPIs
 * and "updated at" move with time). A change to any of them renders the page again.
 */
const stateOf = (deps: StatusPageDeps, now: string, withMinute = true): string => {
  const h = createHash('sha1');
  for (const c of deps.status.currentComponents()) h.update(`${c.id}=${c.status};`);
  for (const i of deps.status.knownIncidents(Date.parse(now))) h.update(`${i.key}=${i.status}/${i.updates.length}/${i.resolvedAt ?? ''};`);
  if (withMinute) h.update(now.slice(0, 16));
  return h.digest('base64url');
};

/**
 * Renders per (route, locale, state) once; readers of the same state get the cached bytes and ETag.
 * Every key ends with `|<state>`. A page is built across awaits (the KPI figures), so the state can
 * move while it is built: such a page is served once but not kept, or a state that comes back
 * later (a flapping component) would be answered with a page that mixes two states.
 */
export class PageCache {
  private readonly entries = new Map<string, Cached>();
  constructor(
    private readonly currentState: () => string,
    private readonly max = 512,
  ) {}

  async get(key: string, make: () => Promise<string> | string): Promise<Cached> {
    const hit = this.entries.get(key);
    if (hit) return hit;
    const body = await make();
    const entry = { body, etag: `"${createHash('sha1').update(body).digest('base64url')}"` };
    if (!key.endsWith(`|${this.currentState()}`)) return entry;
    if (this.entries.size >= this.max) this.entries.clear();
    this.entries.set(key, entry);
    return entry;
  }

  /** Drops every entry of an older state (called when the state changes). */
  keepOnly(state: string): void {
    for (const k of this.entries.keys()) if (!k.endsWith(`|${state}`)) this.entries.delete(k);
  }
}

const send = (ctx: RouteContext, status: number, type: string, entry: Cached, headers: Record<string, string>): void => {
  const common = { etag: entry.etag, ...headers };
  const inm = ctx.req.headers['if-none-match'];
  if (status === 200 && inm && inm.split(',').some((t) => t.trim() === entry.etag || t.trim() === `W/${entry.etag}`)) {
    ctx.res.writeHead(304, common);
    ctx.res.end();
    return;
  }
  ctx.res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(entry.body), ...common });
  ctx.res.end(entry.body);
};

const WINDOWS = new Set<string>(KPI_WINDOWS);

/** `GET /`, `/incidents/:id`, `/history`, the feeds, the Statuspage-compatible API and the badges (docs/status-page.md). */
export const registerWebRoutes = (deps: StatusPageDeps, now: () => string = () => new Date().toISOString()): void => {
  const r = deps.router;
  const cache = new PageCache(() => stateOf(deps, now()));
  let lastState = '';
  let lastStories = '';
  const state = (at: string): string => {
    const s = stateOf(deps, at);
    if (s !== lastState) {
      cache.keepOnly(s);
      lastState = s;
      // A status or story changed (not only the minute): the KPI figures are read afresh.
      const stories = stateOf(deps, at, false);
      if (stories !== lastStories) forgetFigures(deps);
      lastStories = stories;
    }
    return s;
  };
  const offered = () => deps.service.locales;
  const html = pageHeaders(deps.service.frameAncestors ?? ["'none'"]);
  const negotiate = (ctx: RouteContext) => {
    const { locale, chosen } = pageLocale(ctx.req, ctx.url.searchParams, offered(), deps.defaultLocale);
    const headers: Record<string, string> = {
      ...html,
      'cache-control': 'public, max-age=30',
      vary: 'Accept-Language, Cookie',
      'content-language': locale,
    };
    // The picker's choice is remembered for pages opened without ?lang=.
    if (chosen) headers['set-cookie'] = `${LANG_COOKIE}=${encodeURIComponent(locale)}; Path=/; Max-Age=31536000; SameSite=Lax`;
    return { locale, headers };
  };
  const data = (locale: string, at: string): Promise<PageData> => gatherPage(deps, locale, at);
  const HTML = 'text/html; charset=utf-8';

  r.add('GET', '/', async (ctx) => {
    const at = now();
    const { locale, headers } = negotiate(ctx);
    const entry = await cache.get(`home|${locale}|${state(at)}`, async () => renderHome(await data(locale, at), deps.translator));
    send(ctx, 200, HTML, entry, headers);
  });

  r.add('GET', '/incidents/:id', async (ctx) => {
    const at = now();
    const { locale, headers } = negotiate(ctx);
    const incident = deps.status.incident(ctx.params.id!);
    if (!incident) {
      const entry = await cache.get(`404|${locale}|${state(at)}`, async () => renderNotFound(await data(locale, at), deps.translator));
      return send(ctx, 404, HTML, entry, headers);
    }
    const entry = await cache.get(`incident:${incident.key}|${locale}|${state(at)}`, async () =>
      renderIncident(await data(locale, at), storyOf(deps, incident, locale, at), deps.translator),
    );
    send(ctx, 200, HTML, entry, headers);
  });

  r.add('GET', '/history', async (ctx) => {
    const at = now();
    const { locale, headers } = negotiate(ctx);
    const known = deps.status.knownIncidents(Date.parse(at));
    const pages = Math.max(1, Math.ceil(known.length / HISTORY_PAGE_SIZE));
    const asked = Number(ctx.url.searchParams.get('page') ?? '1');
    const page = Number.isInteger(asked) && asked >= 1 ? Math.min(asked, pages) : 1;
    const entry = await cache.get(`history:${page}|${locale}|${state(at)}`, async () =>
      renderHistory(
        await data(locale, at),
        known.slice((page - 1) * HISTORY_PAGE_SIZE, page * HISTORY_PAGE_SIZE).map((i) => storyOf(deps, i, locale, at)),
        page,
        pages,
        deps.translator,
      ),
    );
    send(ctx, 200, HTML, entry, headers);
  });

  const base = (ctx: RouteContext): string => {
    const configured = deps.service.publicUrl;
    if (configured) return configured.endsWith('/') ? configured : `${configured}/`;
    const host = ctx.req.headers.host ?? 'localhost';
    return `http://${/^[A-Za-z0-9.:[\]-]+$/.test(host) ? host : 'localhost'}/`;
  };
  const feed = (kind: 'atom' | 'rss') => async (ctx: RouteContext) => {
    const at = now();
    const { locale, headers } = negotiate(ctx);
    const b = base(ctx);
    const entry = await cache.get(`${kind}:${b}|${locale}|${state(at)}`, () => {
      const input = {
        locale,
        service: deps.service.name,
        base: b,
        now: at,
        incidents: deps.status.knownIncidents(Date.parse(at)),
        translator: deps.translator,
      };
      return kind === 'atom' ? atomFeed(input) : rssFeed(input);
    });
    send(ctx, 200, kind === 'atom' ? 'application/atom+xml; charset=utf-8' : 'application/rss+xml; charset=utf-8', entry, headers);
  };
  r.add('GET', '/feed.atom', feed('atom'));
  r.add('GET', '/feed.rss', feed('rss'));

  const apiInput = (ctx: RouteContext, at: string): StatuspageInput => ({
    pageId: createHash('sha1').update(deps.service.name).digest('hex').slice(0, 12),
    name: deps.service.name,
    url: base(ctx),
    timezone: deps.service.timezone,
    now: at,
    components: pageComponents(deps, at),
    incidents: deps.status.knownIncidents(Date.parse(at)),
    componentName: (c) => deps.catalog.localizedName(c.id, deps.defaultLocale, deps.defaultLocale) ?? c.name,
  });
  const api = (name: string, build: (i: StatuspageInput) => unknown) => async (ctx: RouteContext) => {
    const at = now();
    const entry = await cache.get(`api:${name}:${base(ctx)}|-|${state(at)}`, () => JSON.stringify(build(apiInput(ctx, at))));
    // Public and read-only, like Statuspage's own API: any page may read it.
    send(ctx, 200, 'application/json; charset=utf-8', entry, {
      'cache-control': 'public, max-age=30',
      'access-control-allow-origin': '*',
      'x-content-type-options': 'nosniff',
    });
  };
  r.add('GET', '/api/v2/summary.json', api('summary', summaryJson));
  r.add('GET', '/api/v2/status.json', api('status', statusJson));
  r.add('GET', '/api/v2/components.json', api('components', componentsJson));
  r.add('GET', '/api/v2/incidents.json', api('incidents', incidentsJson));
  r.add('GET', '/api/v2/incidents/unresolved.json', api('unresolved', unresolvedJson));
  r.add('GET', '/api/v2/scheduled-maintenances.json', api('maintenances', maintenancesJson));

  r.add('GET', '/badge/:component.svg', async (ctx) => {
    const at = now();
    const { locale } = negotiate(ctx);
    const t = deps.translator.t(locale);
    const id = ctx.params.component!;
    const c = pageComponents(deps, at).find((x) => x.id === id);
    if (!c) throw new HttpError(404, `no component "${id}": GET /api/v2/components.json lists them`);
    const metric = ctx.url.searchParams.get('metric');
    const window = ctx.url.searchParams.get('window') ?? '30d';
    if (metric !== null && metric !== 'uptime') throw new HttpError(400, 'metric: expected uptime (or no metric for the status)');
    if (!WINDOWS.has(window)) throw new HttpError(400, `window: expected one of ${KPI_WINDOWS.join(', ')}`);
    const name = stripAllBidi(deps.catalog.localizedName(c.id, locale, deps.defaultLocale) ?? c.name);
    let value: string;
    let colour: string;
    if (metric === 'uptime') {
      const kpi = deps.kpi();
      const u = kpi ? (await kpi.engine.summary([c.id], window as KpiWindow)).uptimePercent : undefined;
      value = u === undefined ? stripAllBidi(t('kpi.notEnoughData')) : `${formatPercent(u, locale, 2)} · ${t(`kpi.window.${window}`)}`;
      colour =
        u === undefined
          ? BADGE_COLOUR.unknown
          : u >= 99.9
            ? BADGE_COLOUR.operational
            : u >= 99
              ? BADGE_COLOUR.degraded_performance
              : BADGE_COLOUR.major_outage;
    } else {
      value = t(`componentStatus.${c.status}`);
      colour = BADGE_COLOUR[c.status as ComponentStatus];
    }
    const body = badgeSvg(name, stripAllBidi(value), colour);
    send(
      ctx,
      200,
      'image/svg+xml; charset=utf-8',
      { body, etag: `"${createHash('sha1').update(body).digest('base64url')}"` },
      {
        'cache-control': 'public, max-age=60',
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
        'x-content-type-options': 'nosniff',
        vary: 'Accept-Language, Cookie',
      },
    );
  });
};
