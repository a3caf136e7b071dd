import { createHash } from 'node:crypto';
import type { TFunction } from 'i18next';
import {
  CAUSES,
  COMPONENT_STATUSES,
  INCIDENT_STATUSES,
  MAINTENANCE_STATUSES,
  SEVERITIES,
  isClosedStatus,
  type Incident,
} from '../core/model.ts';
import { messageHtml } from '../web/html.ts';
import type { AuditEntry } from './audit.ts';
import type { Draft } from './draft.ts';
import type { LocalePreview } from './service.ts';

/**
 * The `/admin` composer's HTML (docs/authoring.md). Pure: data in, a string out. Every interpolated
 * value goes through `esc`; the only markup taken from elsewhere is the platforms' own renderings,
 * re-read through an allow-list (`slackHtml`, `discordHtml`, `telegramHtml`). No script at all: the
 * page works with forms and is served under a CSP that allows nothing but this stylesheet's hash.
 */
export const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

export const STYLE = `
:root{color-scheme:light;font-family:system-ui,sans-serif;line-height:1.45;color:#1b1b1b;background:#fff}
body{margin:0}header,main{padding:0 1.25rem}header{display:flex;gap:1rem;align-items:center;justify-content:space-between;border-bottom:1px solid #767676}
h1{font-size:1.4rem}h2{font-size:1.2rem;margin-top:1.75rem}h3{font-size:1.05rem}h4{font-size:.95rem;margin:.25rem 0}
.notice{padding:.6rem .8rem;border:2px solid #1a5e20;background:#eef7ee}.error{padding:.6rem .8rem;border:2px solid #a1110a;background:#fdeeee}
form.inline{display:inline}label{display:block;font-weight:600;margin-top:.6rem}
input[type=text],input[type=password],input[type=datetime-local],select,textarea{font:inherit;padding:.35rem;border:1px solid #595959;border-radius:4px;max-width:100%}
textarea{width:40rem;min-height:6rem}input[type=text]{width:30rem}
fieldset{border:1px solid #767676;border-radius:4px;margin-top:.75rem}legend{font-weight:600}
.comp{display:flex;gap:.75rem;align-items:center;margin:.25rem 0}.comp label{margin:0;font-weight:400;min-width:12rem}
button{font:inherit;padding:.4rem .9rem;margin:.6rem .4rem 0 0;border:1px solid #0b3d91;border-radius:4px;background:#0b3d91;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#0b3d91}
table{border-collapse:collapse;margin-top:.5rem}th,td{border:1px solid #767676;padding:.3rem .5rem;text-align:start;vertical-align:top}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(16rem,1fr));gap:.75rem}
.card{border:1px solid #767676;border-radius:6px;padding:.6rem;overflow-wrap:anywhere}
.card h4{color:#1b1b1b}.card p{margin:.3rem 0;white-space:pre-wrap}
.discord{border-inline-start:5px solid #4e5058}.slack .header{font-weight:700}.context,.footer{font-size:.85rem;color:#4a4a4a}
dl{margin:.3rem 0}dt{font-weight:600}dd{margin:0 0 .3rem 0}.tag{font-size:.8rem;border:1px solid #595959;border-radius:3px;padding:0 .3rem}
`;
/** The CSP allows this stylesheet by its hash: no inline script, no other style, no external resource. */
export const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;
export const CSP = `default-src 'none'; style-src ${STYLE_HASH}; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`;

const page = (t: TFunction, locale: string, dir: string, title: string, body: string): string =>
  `<!doctype html><html lang="${esc(locale)}" dir="${dir}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
  `<title>${esc(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;

export interface PageText {
  readonly t: TFunction;
  readonly locale: string;
  readonly dir: 'ltr' | 'rtl';
  readonly serviceName: string;
}

export const loginPage = (p: PageText, error?: string): string =>
  page(
    p.t,
    p.locale,
    p.dir,
    `${p.t('authoring:admin.loginTitle')} · ${p.serviceName}`,
    `<header><h1>${esc(p.t('authoring:admin.title'))} · ${esc(p.serviceName)}</h1></header><main>` +
      `<h2>${esc(p.t('authoring:admin.loginTitle'))}</h2>` +
      (error ? `<p class="error" role="alert">${esc(error)}</p>` : '') +
      `<form method="post" action="/admin?lang=${esc(p.locale)}"><input type="hidden" name="action" value="login">` +
      `<label for="token">${esc(p.t('authoring:admin.tokenLabel'))}</label><input type="password" id="token" name="token" autocomplete="current-password" required>` +
      `<div><button type="submit">${esc(p.t('authoring:admin.signIn'))}</button></div></form></main>`,
  );

export const messagePage = (p: PageText, text: string): string =>
  page(
    p.t,
    p.locale,
    p.dir,
    `${p.t('authoring:admin.title')} · ${p.serviceName}`,
    `<header><h1>${esc(p.t('authoring:admin.title'))} · ${esc(p.serviceName)}</h1></header><main><p class="error" role="alert">${esc(text)}</p>` +
      `<p><a href="/admin?lang=${esc(p.locale)}">${esc(p.t('authoring:admin.title'))}</a></p></main>`,
  );

// --- the platforms' renderings, as HTML -------------------------------------------------------

/** Slack mrkdwn, already escaped by the Slack renderer with &amp; &lt; &gt; (HTML's entities too): only *bold* and newlines become markup. */
const mrkdwnHtml = (escaped: string): string =>
  escaped
    .replace(/"/g, '&quot;')
    .replace(/\*([^*\n]+)\*/g, '<b>$1</b>')
    .replace(/\n/g, '<br>');

export const slackHtml = (payload: LocalePreview['slack']): string =>
  payload.blocks
    .map((b) => {
      const block = b as {
        type: string;
        text?: { text: string };
        fields?: { text: string }[];
        elements?: { text?: string | { text: string } }[];
      };
      if (block.type === 'header') return `<p class="header">${mrkdwnHtml(block.text!.text)}</p>`;
      if (block.type === 'section')
        return block.text
          ? `<p>${mrkdwnHtml(block.text.text)}</p>`
          : `<p>${(block.fields ?? []).map((f) => mrkdwnHtml(f.text)).join('<br>')}</p>`;
      if (block.type === 'context')
        return `<p class="context">${(block.elements ?? []).map((e) => mrkdwnHtml(typeof e.text === 'string' ? e.text : (e.text?.text ?? ''))).join(' ')}</p>`;
      if (block.type === 'actions')
        return `<p>${(block.elements ?? []).map((e) => `<span class="tag">${mrkdwnHtml(typeof e.text === 'string' ? e.text : (e.text?.text ?? ''))}</span>`).join(' ')}</p>`;
      return '';
    })
    .join('');

/** Discord markdown as escaped by the Discord renderer: backslash escapes are undone for display, then all of it is HTML-escaped. */
const discordText = (s: string): string =>
  esc(s.replace(/\\([\\*_~`|>#[\]()<:@.-])/g, '$1'))
    .replace(/\*\*([^*\n]+)\*\*/g, '<b>$1</b>')
    .replace(/\n/g, '<br>');

export const discordHtml = (payload: LocalePreview['discord']): string =>
  payload.embeds
    .map((e) => {
      const colour = typeof e.color === 'number' ? `#${e.color.toString(16).padStart(6, '0')}` : '#4e5058';
      return (
        `<div class="card discord" data-colour="${esc(colour)}">` +
        (e.title ? `<h4>${discordText(e.title)}</h4>` : '') +
        (e.description ? `<p>${discordText(e.description)}</p>` : '') +
        ((e.fields ?? []).length
          ? `<dl>${(e.fields ?? []).map((f) => `<dt>${discordText(f.name)}</dt><dd>${discordText(f.value)}</dd>`).join('')}</dl>`
          : '') +
        (e.footer ? `<p class="footer">${discordText(e.footer.text)}</p>` : '') +
        `</div>`
      );
    })
    .join('') +
  payload.components
    .flatMap((row) => row.components.map((c) => ('label' in c && c.label ? `<span class="tag">${esc(c.label)}</span>` : '')))
    .join(' ');

/**
 * Telegram's HTML as our renderer writes it: text already entity-escaped, tags only <b>, <i> and
 * <a href="http…">. Anything else that looks like a tag is shown as text, so the preview cannot run
 * markup even if a renderer bug let some through.
 */
export const telegramHtml = (payload: LocalePreview['telegram']): string =>
  payload.text
    .split(/(<[^>]*>)/)
    .map((part) => {
      if (!part.startsWith('<')) return part.replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, '<br>');
      if (/^<\/?(b|i)>$/.test(part)) return part;
      if (part === '</a>') return part;
      const a = /^<a href="(https?:\/\/[^"<>]*)">$/.exec(part);
      return a ? `<a href="${a[1]}" rel="noreferrer">` : esc(part);
    })
    .join('');

// --- the composer ----------------------------------------------------------------------------

export interface ComposerView {
  readonly csrf: string;
  readonly draft: Draft | undefined;
  /** The incident the draft updates, when it does. */
  readonly target?: Incident;
  readonly components: readonly { readonly id: string; readonly name: string }[];
  readonly incidents: readonly Incident[];
  /** The incident whose audit log is shown, with it. */
  readonly selected?: { readonly incident: Incident; readonly audit: readonly AuditEntry[] };
  readonly preview?: readonly LocalePreview[];
  readonly notice?: string;
  readonly error?: string;
  readonly languageName: (locale: string) => string;
  readonly formatTime: (iso: string) => string;
}

const option = (value: string, label: string, selected: boolean): string =>
  `<option value="${esc(value)}"${selected ? ' selected' : ''}>${esc(label)}</option>`;

const hidden = (name: string, value: string): string => `<input type="hidden" name="${esc(name)}" value="${esc(value)}">`;

const button = (action: string, label: string, secondary = false): string =>
  `<button type="submit" name="action" value="${esc(action)}"${secondary ? ' class="secondary"' : ''}>${esc(label)}</button>`;

/** A small form posting one action, with the CSRF token. */
const actionForm = (p: PageText, csrf: string, action: string, label: string, extra: Record<string, string>, secondary = false): string =>
  `<form class="inline" method="post" action="/admin?lang=${esc(p.locale)}">${hidden('csrf', csrf)}${Object.entries(extra)
    .map(([k, v]) => hidden(k, v))
    .join('')}${button(action, label, secondary)}</form>`;

const draftForm = (p: PageText, v: ComposerView): string => {
  const t = p.t;
  const f = v.draft?.fields ?? {};
  const updating = Boolean(v.draft?.target);
  const kind = v.target?.kind ?? f.kind ?? 'incident';
  const statuses = kind === 'maintenance' ? MAINTENANCE_STATUSES : INCIDENT_STATUSES;
  const field = (id: string, label: string, control: string) => `<label for="${id}">${esc(label)}</label>${control}`;
  const comps = v.components
    .map((c, i) => {
      const current = f.componentStatuses?.[c.id] ?? (f.components?.includes(c.id) ? 'degraded_performance' : '');
      return (
        `<div class="comp"><label for="comp-${i}">${esc(c.name)}</label><select id="comp-${i}" name="component:${esc(c.id)}">` +
        option('', t('authoring:admin.notAffected'), current === '') +
        COMPONENT_STATUSES.map((s) => option(s, t(`componentStatus.${s}`), current === s)).join('') +
        `</select></div>`
      );
    })
    .join('');
  return (
    `<form method="post" action="/admin?lang=${esc(p.locale)}">${hidden('csrf', v.csrf)}` +
    (updating ? hidden('target', v.draft!.target!) : hidden('kind', kind)) +
    (updating
      ? `<h2>${esc(t('authoring:admin.updating', { name: v.target?.name ?? v.draft!.target! }))}</h2>`
      : `<h2>${esc(kind === 'maintenance' ? t('authoring:admin.newMaintenance') : t('authoring:admin.newIncident'))}</h2>` +
        field(
          'name',
          t('authoring:admin.name'),
          `<input type="text" id="name" name="name" maxlength="500" value="${esc(f.name ?? '')}">`,
        )) +
    field(
      'status',
      t('authoring:admin.status'),
      `<select id="status" name="status">${statuses.map((s) => option(s, t(`storyStatus.${s}`), (f.status ?? statuses[0]) === s)).join('')}</select>`,
    ) +
    (kind === 'maintenance'
      ? ''
      : field(
          'impact',
          t('authoring:admin.impact'),
          `<select id="impact" name="impact">${SEVERITIES.filter((s) => s !== 'maintenance' && s !== 'none')
            .map((s) => option(s, t(`severity.${s}`), (f.impact ?? v.target?.impact ?? 'major') === s))
            .join('')}</select>`,
        )) +
    (updating
      ? ''
      : field(
          'cause',
          t('authoring:admin.cause'),
          `<select id="cause" name="cause">${option('', t('authoring:admin.noCause'), !f.cause)}${CAUSES.map((c) => option(c, t(`authoring:cause.${c}`), f.cause === c)).join('')}</select>`,
        )) +
    (kind === 'maintenance' && !updating
      ? field(
          'scheduledFor',
          t('authoring:admin.scheduledFor'),
          `<input type="datetime-local" id="scheduledFor" name="scheduledFor" value="${esc((f.scheduledFor ?? '').slice(0, 16))}">`,
        ) +
        field(
          'scheduledUntil',
          t('authoring:admin.scheduledUntil'),
          `<input type="datetime-local" id="scheduledUntil" name="scheduledUntil" value="${esc((f.scheduledUntil ?? '').slice(0, 16))}">`,
        )
      : '') +
    (comps ? `<fieldset><legend>${esc(t('authoring:admin.components'))}</legend>${comps}</fieldset>` : '') +
    field(
      'message',
      t('authoring:admin.message'),
      `<textarea id="message" name="message" maxlength="20000">${esc(f.message ?? '')}</textarea>`,
    ) +
    `<div>${button('preview', t('authoring:admin.preview'))}${button('publish', t('authoring:admin.publish'))}${button('discard', t('authoring:admin.discard'), true)}</div></form>`
  );
};

const previewSection = (p: PageText, v: ComposerView): string => {
  if (!v.preview) return '';
  const t = p.t;
  return (
    `<section aria-labelledby="preview-title"><h2 id="preview-title">${esc(t('authoring:admin.previewTitle'))}</h2><p>${esc(t('authoring:admin.previewHint'))}</p>` +
    v.preview
      .map(
        (l) =>
          `<section class="locale" lang="${esc(l.locale)}" dir="${l.model.dir}" aria-label="${esc(v.languageName(l.locale))}"><h3 lang="${esc(p.locale)}" dir="${p.dir}">${esc(v.languageName(l.locale))}` +
          (l.machineTranslated ? ` <span class="tag">${esc(t('authoring:admin.machineTranslated'))}</span>` : '') +
          `</h3><div class="grid">` +
          `<div class="card slack"><h4>Slack</h4>${slackHtml(l.slack)}</div>` +
          `<div class="card"><h4>Discord</h4>${discordHtml(l.discord)}</div>` +
          `<div class="card telegram"><h4>Telegram</h4><p>${telegramHtml(l.telegram)}</p></div>` +
          `<div class="card page"><h4>${esc(t('authoring:admin.statusPage'))}</h4>${messageHtml(l.model, 3)}</div>` +
          `</div></section>`,
      )
      .join('') +
    `</section>`
  );
};

const incidentList = (p: PageText, v: ComposerView): string => {
  const t = p.t;
  if (!v.incidents.length) return `<h2>${esc(t('authoring:admin.incidents'))}</h2><p>${esc(t('authoring:admin.noIncidents'))}</p>`;
  const rows = v.incidents
    .map((i) => {
      const open = !isClosedStatus(i.status);
      const actions = open
        ? actionForm(p, v.csrf, 'edit', t('authoring:admin.update'), { target: i.key }, true) +
          actionForm(p, v.csrf, 'resolve', t('authoring:admin.resolve'), { target: i.key }, true)
        : '';
      return (
        `<tr><td><a href="/admin?lang=${esc(p.locale)}&amp;incident=${encodeURIComponent(i.key)}">${esc(i.name)}</a></td>` +
        `<td>${esc(t(`storyStatus.${i.status}`))}</td><td>${esc(v.formatTime(i.startedAt))}</td><td>${actions}</td></tr>`
      );
    })
    .join('');
  return (
    `<h2>${esc(t('authoring:admin.incidents'))}</h2><table><thead><tr><th scope="col">${esc(t('authoring:admin.name'))}</th><th scope="col">${esc(t('authoring:admin.status'))}</th>` +
    `<th scope="col">${esc(t('authoring:admin.when'))}</th><th scope="col"><span class="tag">${esc(t('authoring:admin.update'))} / ${esc(t('authoring:admin.resolve'))}</span></th></tr></thead><tbody>${rows}</tbody></table>`
  );
};

const auditSection = (p: PageText, v: ComposerView): string => {
  if (!v.selected) return '';
  const t = p.t;
  const { incident, audit } = v.selected;
  const rows = audit
    .map(
      (e) =>
        `<tr><td>${esc(v.formatTime(e.at))}</td><td>${esc(e.who.name ? `${e.who.name} (${e.who.platform} ${e.who.id})` : `${e.who.platform} ${e.who.id}`)}</td>` +
        `<td>${esc(e.where)}</td><td>${esc(t(`storyStatus.${e.what.status}`))}${e.what.message ? ` — ${esc(e.what.message)}` : ''}</td></tr>`,
    )
    .join('');
  return (
    `<section aria-labelledby="audit-title"><h2 id="audit-title">${esc(t('authoring:admin.audit'))}: ${esc(incident.name)}</h2>` +
    (audit.length
      ? `<table><thead><tr><th scope="col">${esc(t('authoring:admin.when'))}</th><th scope="col">${esc(t('authoring:admin.who'))}</th><th scope="col">${esc(t('authoring:admin.where'))}</th><th scope="col">${esc(t('authoring:admin.what'))}</th></tr></thead><tbody>${rows}</tbody></table>`
      : `<p>${esc(t('authoring:admin.noAudit'))}</p>`) +
    `</section>`
  );
};

export const composerPage = (p: PageText, v: ComposerView): string => {
  const t = p.t;
  return page(
    t,
    p.locale,
    p.dir,
    `${t('authoring:admin.title')} · ${p.serviceName}`,
    `<header><h1>${esc(t('authoring:admin.title'))} · ${esc(p.serviceName)}</h1>` +
      `<div>${actionForm(p, v.csrf, 'new-incident', t('authoring:admin.newIncident'), {}, true)}${actionForm(p, v.csrf, 'new-maintenance', t('authoring:admin.newMaintenance'), {}, true)}` +
      `${actionForm(p, v.csrf, 'logout', t('authoring:admin.signOut'), {}, true)}</div></header><main>` +
      (v.notice ? `<p class="notice" role="status">${esc(v.notice)}</p>` : '') +
      (v.error ? `<p class="error" role="alert">${esc(v.error)}</p>` : '') +
      draftForm(p, v) +
      previewSection(p, v) +
      incidentList(p, v) +
      auditSection(p, v) +
      `</main>`,
  );
};
