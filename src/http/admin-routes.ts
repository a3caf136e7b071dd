import type { Authoring } from '../authoring/service.ts';
import type { ComponentCatalog } from '../core/components.ts';
import type { AppConfig } from '../core/config.ts';
import type { Tracker } from '../core/tracker.ts';
import type { Translator } from '../i18n/i18n.ts';
import type { Store } from '../storage/store.ts';
import type { Actor } from '../authoring/authors.ts';
import { newDraft, type Draft, type DraftFields } from '../authoring/draft.ts';
import {
  AdminSessions,
  SESSION_COOKIE,
  clearedCookie,
  csrfOk,
  readCookie,
  sessionCookie,
  type AdminSession,
} from '../authoring/sessions.ts';
import { CSP, composerPage, loginPage, messagePage, type PageText } from '../authoring/web.ts';
import { sameSecret } from '../core/secrets.ts';
import { PayloadError } from '../core/errors.ts';
import { COMPONENT_STATUSES, isClosedStatus, type ComponentStatus } from '../core/model.ts';
import { formatDateTime } from '../i18n/format.ts';
import { SUPPORTED_LOCALES, matchLocale } from '../i18n/locales.ts';
import type { RouteContext, Router } from './routes.ts';

/** Headers of every `/admin` answer: a strict CSP (no script at all), never cached, never framed. */
const SECURITY_HEADERS = {
  'content-security-policy': CSP,
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
} as const;

const send = (ctx: RouteContext, status: number, html: string, headers: Record<string, string> = {}): void => {
  ctx.res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    ...SECURITY_HEADERS,
    ...headers,
  });
  ctx.res.end(html);
};

const redirect = (ctx: RouteContext, location: string, headers: Record<string, string> = {}): void => {
  ctx.res.writeHead(303, { location, 'cache-control': 'no-store', ...headers });
  ctx.res.end();
};

/** What `/admin` reads and calls: the authoring service, and the state its forms start from. */
export interface AdminRoutesDeps {
  readonly config: Pick<AppConfig, 'env' | 'service'>;
  readonly defaultLocale: string;
  readonly router: Router;
  readonly store: Pick<Store, 'namespace'>;
  readonly authoring: Authoring;
  readonly tracker: Pick<Tracker, 'currentComponents' | 'knownIncidents'>;
  readonly catalog: Pick<ComponentCatalog, 'configuredIds' | 'localizedName'>;
  readonly translator: Pick<Translator, 't' | 'dir'>;
}

/** The page's language: `?lang=`, then `Accept-Language`, then the default. All twelve languages are offered to operators. */
const uiLocale = (app: AdminRoutesDeps, ctx: RouteContext): string => {
  const offered = [...SUPPORTED_LOCALES];
  const asked = matchLocale(ctx.url.searchParams.get('lang'), offered);
  if (asked) return asked;
  for (const part of (ctx.req.headers['accept-language'] ?? '').split(',')) {
    const m = matchLocale(part.split(';')[0], offered);
    if (m) return m;
  }
  return app.defaultLocale;
};

/** Behind a TLS proxy the cookie is Secure; plain http (a local run, the tests) cannot keep a Secure cookie. */
const isHttps = (app: AdminRoutesDeps, ctx: RouteContext): boolean =>
  ctx.req.headers['x-forwarded-proto'] === 'https' || (app.config.service.url ?? '').startsWith('https://');

/** The draft's fields from the composer's form; a component left "not affected" is not in the draft. */
const fieldsOf = (form: URLSearchParams, kind: 'incident' | 'maintenance'): DraftFields => {
  const statuses: Record<string, ComponentStatus> = {};
  for (const [k, v] of form)
    if (k.startsWith('component:') && (COMPONENT_STATUSES as readonly string[]).includes(v)) statuses[k.slice(10)] = v as ComponentStatus;
  const text = (k: string) => form.get(k)?.trim() || undefined;
  const time = (k: string) => {
    const v = text(k);
    if (!v) return undefined;
    // <input type=datetime-local> sends no zone (and no seconds): the label says UTC.
    if (/^\d{4}-\d\d-\d\dT\d\d:\d\d$/.test(v)) return `${v}:00Z`;
    return /(Z|[+-]\d\d:\d\d)$/i.test(v) ? v : `${v}Z`;
  };
  const f: Record<string, unknown> = {
    name: text('name'),
    kind,
    status: text('status'),
    impact: kind === 'maintenance' ? undefined : text('impact'),
    message: form.get('message') ?? '',
    components: Object.keys(statuses),
    componentStatuses: statuses,
    cause: text('cause'),
    scheduledFor: time('scheduledFor'),
    scheduledUntil: time('scheduledUntil'),
  };
  return Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) as DraftFields;
};

/**
 * `/admin` (docs/authoring.md): the web composer. `GET` shows the login or the composer; `POST` takes
 * every form (login, logout, new, edit, resolve, preview, publish, discard) with the session's CSRF
 * token. Off, like the admin API, while ADMIN_API_TOKEN is unset.
 */
export const registerAdminRoutes = (app: AdminRoutesDeps): void => {
  const sessions = new AdminSessions(app.store.namespace('admin-sessions'));
  const r = app.router;

  const text = (ctx: RouteContext): PageText => {
    const locale = uiLocale(app, ctx);
    return { t: app.translator.t(locale), locale, dir: app.translator.dir(locale), serviceName: app.config.service.name };
  };

  const actorOf = (s: AdminSession): Actor => ({ platform: 'web', userId: s.label, name: 'admin' });

  const components = (locale: string) => {
    const ids = new Set([...app.catalog.configuredIds(), ...app.tracker.currentComponents().map((c) => c.id)]);
    return [...ids].map((id) => ({
      id,
      name:
        app.catalog.localizedName(id, locale, app.defaultLocale) ?? app.tracker.currentComponents().find((c) => c.id === id)?.name ?? id,
    }));
  };

  const languageName = (ui: string) => {
    const names = new Intl.DisplayNames([ui], { type: 'language' });
    return (l: string) => names.of(l) ?? l;
  };

  const render = async (
    ctx: RouteContext,
    p: PageText,
    session: AdminSession,
    extra: { preview?: boolean; notice?: string; error?: string; status?: number } = {},
  ) => {
    const draft = await app.authoring.drafts.get('web', session.label);
    const target = draft?.target ? app.authoring.incident(draft.target) : undefined;
    const selectedKey = ctx.url.searchParams.get('incident') ?? draft?.target;
    const selectedIncident = selectedKey ? app.authoring.incident(selectedKey) : undefined;
    let preview;
    let error = extra.error;
    if (extra.preview && draft) {
      const result = await app.authoring.preview(draft);
      if (result.ok) preview = result.locales;
      else error = p.t('authoring:admin.invalid', { error: result.error });
    }
    const html = composerPage(p, {
      csrf: session.csrf,
      draft,
      ...(target ? { target } : {}),
      components: components(p.locale),
      // The same list `GET /api/incidents` answers: open ones and those closed in the last 30 days, newest first.
      incidents: app.tracker.knownIncidents(),
      ...(selectedIncident ? { selected: { incident: selectedIncident, audit: await app.authoring.audit.of(selectedIncident.key) } } : {}),
      ...(preview ? { preview } : {}),
      ...(extra.notice ? { notice: extra.notice } : {}),
      ...(error ? { error } : {}),
      languageName: languageName(p.locale),
      formatTime: (iso) => formatDateTime(iso, p.locale, app.config.service.timezone),
    });
    send(ctx, extra.status ?? (error ? 400 : 200), html);
  };

  const sessionOf = (ctx: RouteContext) => sessions.get(readCookie(ctx.req.headers.cookie, SESSION_COOKIE));

  r.add('GET', '/admin', async (ctx) => {
    const p = text(ctx);
    if (!app.config.env.ADMIN_API_TOKEN) return send(ctx, 404, messagePage(p, p.t('authoring:admin.off')));
    const session = await sessionOf(ctx);
    if (!session) return send(ctx, 200, loginPage(p));
    const published = ctx.url.searchParams.get('published');
    const incident = published ? app.authoring.incident(published) : undefined;
    await render(ctx, p, session, incident ? { notice: p.t('authoring:admin.published', { name: incident.name }) } : {});
  });

  r.add('POST', '/admin', async (ctx) => {
    const p = text(ctx);
    const token = app.config.env.ADMIN_API_TOKEN;
    if (!token) return send(ctx, 404, messagePage(p, p.t('authoring:admin.off')));
    const form = new URLSearchParams((await ctx.body()).toString('utf8'));
    const action = form.get('action') ?? '';
    const here = `/admin?lang=${encodeURIComponent(p.locale)}`;

    if (action === 'login') {
      if (!sameSecret(form.get('token') ?? '', token)) return send(ctx, 401, loginPage(p, p.t('authoring:admin.badToken')));
      const session = await sessions.create(new Date().toISOString());
      return redirect(ctx, here, { 'set-cookie': sessionCookie(session.id, isHttps(app, ctx)) });
    }

    const session = await sessionOf(ctx);
    if (!session) return send(ctx, 401, loginPage(p, p.t('authoring:admin.signInFirst')));
    // Every other form changes something: it must carry this session's token (a cross-site form cannot read it).
    if (!csrfOk(session, form.get('csrf'))) return send(ctx, 403, messagePage(p, p.t('authoring:admin.csrf')));

    const actor = actorOf(session);
    const now = new Date().toISOString();
    const existing = await app.authoring.drafts.get('web', session.label);

    switch (action) {
      case 'logout':
        await sessions.end(session.id);
        return redirect(ctx, here, { 'set-cookie': clearedCookie(isHttps(app, ctx)) });
      case 'new-incident':
      case 'new-maintenance':
        await app.authoring.drafts.put(
          newDraft('web', session.label, now, { fields: { kind: action === 'new-maintenance' ? 'maintenance' : 'incident' } }),
        );
        return redirect(ctx, here);
      case 'edit':
      case 'resolve': {
        const incident = app.authoring.incident(form.get('target') ?? '');
        if (!incident || isClosedStatus(incident.status))
          return render(ctx, p, session, { error: p.t('authoring:admin.noSuchIncident'), status: 404 });
        const closing = incident.kind === 'maintenance' ? 'completed' : 'resolved';
        await app.authoring.drafts.put(
          newDraft('web', session.label, now, {
            target: incident.key,
            fields: {
              kind: incident.kind,
              status: action === 'resolve' ? closing : incident.status,
              impact: incident.impact,
              components: [...incident.componentIds],
              // The form starts from what the components are now; resolving sets them operational.
              componentStatuses: Object.fromEntries(
                app.tracker
                  .currentComponents()
                  .filter((c) => incident.componentIds.includes(c.id))
                  .map((c) => [c.id, action === 'resolve' ? 'operational' : c.status] as const),
              ),
              message: '',
            },
          }),
        );
        return redirect(ctx, `${here}&incident=${encodeURIComponent(incident.key)}`);
      }
      case 'discard':
        await app.authoring.drafts.delete('web', session.label);
        return redirect(ctx, here);
      case 'preview':
      case 'publish': {
        const target = form.get('target') ?? undefined;
        const kind = target
          ? (app.authoring.incident(target)?.kind ?? 'incident')
          : form.get('kind') === 'maintenance'
            ? 'maintenance'
            : 'incident';
        const draft: Draft = {
          ...(existing ?? newDraft('web', session.label, now)),
          ...(target ? { target } : {}),
          fields: fieldsOf(form, kind),
          updatedAt: now,
        };
        if (!target) delete (draft as { target?: string }).target;
        await app.authoring.drafts.put(draft);
        if (action === 'preview') return render(ctx, p, session, { preview: true });
        let published;
        try {
          published = await app.authoring.publish(draft, actor, '/admin');
        } catch (e) {
          if (!(e instanceof PayloadError)) throw e;
          return render(ctx, p, session, { error: p.t('authoring:admin.invalid', { error: e.message }) });
        }
        await app.authoring.drafts.delete('web', session.label);
        return redirect(ctx, `${here}&published=${encodeURIComponent(published.key)}&incident=${encodeURIComponent(published.key)}`);
      }
      default:
        return render(ctx, p, session, { error: p.t('authoring:admin.invalid', { error: `action "${action}"` }) });
    }
  });
};
