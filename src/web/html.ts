import { createHash } from 'node:crypto';
import type { TFunction } from 'i18next';
import { isClosedStatus, severityOfComponent, type ComponentStatus, type Incident, type Severity } from '../core/model.ts';
import type { MessageModel } from '../i18n/message.ts';
import { stripAllBidi } from '../i18n/bidi.ts';
import { formatDateTime, formatDuration, formatPercent } from '../i18n/format.ts';
import { memoT, type Translator } from '../i18n/i18n.ts';
import type { PageComponent, PageData, PageStory } from './data.ts';
import { nativeName } from './lang.ts';

/** Escapes text for HTML content and quoted attributes; untrusted source text goes through here and nowhere else. */
const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const SPECIAL = /[&<>"']/;
const SPECIALS = /[&<>"']/g;
/** Most strings have nothing to escape: the test is much cheaper than a replace with a callback (the page escapes thousands). */
export const esc = (s: string): string => (SPECIAL.test(s) ? s.replace(SPECIALS, (c) => ESCAPES[c]!) : s);

/** A name or number inside a sentence of either direction (`<bdi>`, HTML's bidi isolate). Our own isolate marks are dropped. */
const bdi = (s: string): string => `<bdi>${esc(stripAllBidi(s))}</bdi>`;

/** Plain text with line breaks → paragraphs. */
const paragraphs = (s: string): string =>
  s
    .split(/\n{2,}/)
    .map((p) => `<p>${esc(p).replace(/\n/g, '<br>')}</p>`)
    .join('');

/**
 * The one style sheet, inline and allowed by its hash in the CSP (no inline style attributes, no
 * other host). Colours meet WCAG AA contrast in both schemes; status is always also a word and an icon.
 */
export const CSS = `:root{color-scheme:light dark;--bg:#fff;--fg:#1b1f24;--mute:#4a525c;--line:#d0d5db;--card:#f6f8fa;--link:#0a58ca;--ok:#1a7f37;--minor:#9a6700;--major:#bc4c00;--bad:#cf222e;--none:#8c959f}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--mute:#a8b1bb;--line:#3d444d;--card:#161b22;--link:#6cb6ff;--ok:#3fb950;--minor:#d29922;--major:#f0883e;--bad:#ff7b72;--none:#6e7681}}
@media (prefers-reduced-motion:reduce){*{animation:none!important;transition:none!important;scroll-behavior:auto!important}}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,"Noto Sans","Noto Sans CJK SC","Noto Sans Arabic","DejaVu Sans",sans-serif}
a{color:var(--link)}a:focus-visible,summary:focus-visible{outline:3px solid var(--link);outline-offset:2px}
.skip,.vh{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}.skip:focus{width:auto;height:auto;clip-path:none;inset-inline-start:8px;top:8px;background:var(--bg);padding:4px 8px}
header,main,footer{max-width:60rem;margin:0 auto;padding:0 1rem}header{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:baseline;justify-content:space-between;padding-top:1rem}
h1{font-size:1.5rem;margin:.25rem 0}h2{font-size:1.25rem;margin:1.5rem 0 .5rem}h3{font-size:1.05rem;margin:.5rem 0}
nav ul,.plain{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem .75rem}
.overall{border:2px solid var(--line);border-radius:8px;padding:.75rem 1rem;font-size:1.2rem;font-weight:600;background:var(--card)}
.card{border:1px solid var(--line);border-radius:8px;padding:.75rem 1rem;margin:.5rem 0;background:var(--card)}
.s-operational{color:var(--ok)}.s-degraded_performance{color:var(--minor)}.s-partial_outage{color:var(--major)}.s-major_outage{color:var(--bad)}.s-under_maintenance{color:var(--link)}
.st{font-weight:600}.mute{color:var(--mute)}dl{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;margin:.5rem 0}dt{color:var(--mute)}dd{margin:0}
svg.bars{width:100%;height:28px;display:block}.b0{fill:var(--ok)}.b1{fill:var(--minor)}.b2{fill:var(--major)}.b3{fill:var(--bad)}.b4{fill:var(--none)}
.axis{display:flex;justify-content:space-between;font-size:.85rem}table{border-collapse:collapse;width:100%;font-size:.95rem}th,td{text-align:start;padding:.2rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
ol.tl{list-style:none;padding:0;margin:.5rem 0;border-inline-start:3px solid var(--line)}ol.tl li{padding:.25rem .75rem}ol.tl p{margin:.2rem 0}
details summary{cursor:pointer}footer{padding:2rem 1rem;color:var(--mute)}`;

export const CSS_HASH = `sha256-${createHash('sha256').update(CSS).digest('base64')}`;

/**
 * The page's status marks: shapes that text fonts carry (chat's emoji need an emoji font, which a
 * server-rendered page cannot count on), so status shows as shape and word as well as colour.
 */
export const PAGE_ICON: Record<Severity, string> = { none: '✓', maintenance: '⚙', minor: '⚠', major: '▲', critical: '✕' };

/** Building an Intl formatter costs ~0.1 ms: one per language and zone, not one per bar. */
const dayFormats = new Map<string, Intl.DateTimeFormat>();
const dayFormat = (locale: string, timeZone: string): Intl.DateTimeFormat => {
  const key = `${locale}|${timeZone}`;
  let f = dayFormats.get(key);
  if (!f) dayFormats.set(key, (f = new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric', timeZone })));
  return f;
};

/** The bar classes: colour and, never colour alone, height. */
const band = (u: number | undefined): number => (u === undefined ? 4 : u >= 99.9 ? 0 : u >= 99 ? 1 : u >= 95 ? 2 : 3);
const HEIGHT = [24, 18, 12, 6, 2];

/** A 90-day bar chart as one path per band (small: 20 components stay far below 100 KB) with its text alternative. */
const uptimeBars = (c: PageComponent, d: PageData, t: TFunction): string => {
  const paths: string[][] = [[], [], [], [], []];
  const n = c.days.length;
  c.days.forEach((u, i) => {
    const b = band(u);
    const x = d.dir === 'rtl' ? (n - 1 - i) * 4 : i * 4;
    paths[b]!.push(`M${x} ${26 - HEIGHT[b]!}h3v${HEIGHT[b]}h-3z`);
  });
  const dayMs = 86_400_000;
  const today = Math.floor(Date.parse(d.now) / dayMs) * dayMs;
  const dayLabel = (i: number) => dayFormat(d.locale, d.timezone).format(new Date(today - (n - 1 - i) * dayMs));
  const bad = c.days.flatMap((u, i) => (u !== undefined && u < 99.9 ? [`${dayLabel(i)} (${formatPercent(u, d.locale, 2)})`] : []));
  const missing = c.days.filter((u) => u === undefined).length;
  // The 90-day uptime as the KPI fields state it: over less data, its label says what it covers.
  const field = c.kpis.find((k) => k.window === '90d')?.fields[0];
  const total = field ? stripAllBidi(`${field.label}: ${field.value}`) : t('kpi.notEnoughData');
  const days = [
    bad.length ? t('web:downtimeDays', { list: bad.slice(-10).join(', ') }) : t('web:noDowntimeDays'),
    ...(missing ? [t('web:daysNoData', { count: missing })] : []),
  ].join(' ');
  const alt = stripAllBidi(t('web:uptimeAlt', { component: c.name, total, days }));
  const id = `u-${createHash('sha1').update(c.id).digest('hex').slice(0, 8)}`;
  return `<svg class="bars" viewBox="0 0 ${n * 4} 26" preserveAspectRatio="none" role="img" aria-labelledby="${id}"><title id="${id}">${esc(alt)}</title>${paths
    .map((p, b) => (p.length ? `<path class="b${b}" d="${p.join('')}"/>` : ''))
    .join(
      '',
    )}</svg><div class="axis mute" aria-hidden="true"><span>${esc(t('web:ago90'))}</span><span>${esc(total)}</span><span>${esc(t('web:today'))}</span></div>`;
};

const statusWord = (s: ComponentStatus, t: TFunction): string =>
  `<span class="st s-${s}"><span aria-hidden="true">${PAGE_ICON[severityOfComponent(s)]} </span>${esc(t(`componentStatus.${s}`))}</span>`;

const kpiTable = (c: PageComponent, t: TFunction): string => {
  const rows = c.kpis.filter((k) => k.fields.length);
  if (!rows.length) return `<p class="mute">${esc(t('kpi.notEnoughData'))}</p>`;
  return `<table><caption class="vh">${esc(t('web:kpis'))}: ${bdi(c.name)}</caption><thead><tr><th scope="col">${esc(t('web:window'))}</th><th scope="col">${esc(t('web:figures'))}</th></tr></thead><tbody>${rows
    .map(
      (k) =>
        `<tr><th scope="row">${esc(t(`kpi.window.${k.window}`))}</th><td>${k.fields.map((f) => `${esc(stripAllBidi(f.label))}: ${bdi(f.value)}`).join('<br>')}</td></tr>`,
    )
    .join('')}</tbody></table>`;
};

const componentsSection = (d: PageData, t: TFunction): string => {
  const groups = new Map<string, PageComponent[]>();
  for (const c of d.components) {
    const g = c.group ?? '';
    groups.set(g, [...(groups.get(g) ?? []), c]);
  }
  const one = (c: PageComponent) =>
    `<li class="card"><h3>${bdi(c.name)} — ${statusWord(c.status, t)}</h3><p class="mute">${esc(t('web:uptime90'))}</p>${uptimeBars(c, d, t)}<details><summary>${esc(t('web:kpis'))}</summary>${kpiTable(c, t)}</details></li>`;
  const parts = [...groups.entries()].map(([g, list]) =>
    g
      ? `<section aria-label="${esc(g)}"><h3>${bdi(g)}</h3><ul class="plain" role="list">${list.map(one).join('')}</ul></section>`
      : `<ul class="plain" role="list">${list.map(one).join('')}</ul>`,
  );
  return `<section aria-labelledby="components"><h2 id="components">${esc(t('web:components'))}</h2><p class="mute">${esc(t('web:legend'))}</p>${parts.join('')}</section>`;
};

/** A chat message model as HTML: the same words as every platform's message. */
export const messageHtml = (m: MessageModel, level: 1 | 2 | 3, href?: string): string => {
  const title = `${esc(stripAllBidi(m.title))}`;
  const heading = `<h${level}><span aria-hidden="true">${PAGE_ICON[m.severity]} </span>${href ? `<a href="${esc(href)}">${title}</a>` : title}</h${level}>`;
  return [
    heading,
    m.headline ? `<p><strong>${bdi(m.headline)}</strong></p>` : '',
    m.body ? `<div dir="auto">${paragraphs(m.body)}</div>` : '',
    m.fields.length ? `<dl>${m.fields.map((f) => `<dt>${esc(stripAllBidi(f.label))}</dt><dd>${bdi(f.value)}</dd>`).join('')}</dl>` : '',
    m.advice.length
      ? `<p><strong>${esc(m.adviceTitle ?? '')}</strong></p><ul>${m.advice.map((a) => `<li>${esc(stripAllBidi(a))}</li>`).join('')}</ul>`
      : '',
    m.link && !m.link.url.startsWith('/') && /^https?:\/\//.test(m.link.url)
      ? `<p><a href="${esc(m.link.url)}" rel="nofollow noopener">${esc(m.link.label)}</a></p>`
      : '',
  ].join('');
};

const timeline = (i: Incident, d: PageData, t: TFunction): string =>
  i.updates.length
    ? `<h4>${esc(t('web:timeline'))}</h4><ol class="tl" reversed>${[...i.updates]
        .reverse()
        .map(
          (u) =>
            `<li><strong>${esc(t(`storyStatus.${u.status}`))}</strong> · <time datetime="${esc(u.createdAt)}">${bdi(formatDateTime(u.createdAt, d.locale, d.timezone))}</time>${u.body ? `<div dir="auto">${paragraphs(u.body)}</div>` : ''}</li>`,
        )
        .join('')}</ol>`
    : '';

export const incidentHref = (key: string, locale: string): string =>
  `/incidents/${encodeURIComponent(key)}?lang=${encodeURIComponent(locale)}`;

const storyCard = (s: PageStory, d: PageData, t: TFunction): string =>
  `<article class="card">${messageHtml({ ...s.model, advice: [] }, 3, incidentHref(s.incident.key, d.locale))}${timeline(s.incident, d, t)}</article>`;

const languagePicker = (d: PageData, path: string, t: TFunction): string =>
  `<nav aria-label="${esc(t('web:language'))}"><ul>${d.locales
    .map(
      (l) =>
        `<li><a href="${esc(`${path}${path.includes('?') ? '&' : '?'}lang=${encodeURIComponent(l)}`)}" hreflang="${esc(l)}" lang="${esc(l)}"${l === d.locale ? ' aria-current="page"' : ''}>${esc(nativeName(l))}</a></li>`,
    )
    .join('')}</ul></nav>`;

const layout = (d: PageData, t: TFunction, title: string, path: string, main: string): string =>
  `<!doctype html><html lang="${esc(d.locale)}" dir="${d.dir}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title><meta name="color-scheme" content="light dark"><link rel="alternate" type="application/atom+xml" href="/feed.atom?lang=${esc(d.locale)}" title="${esc(t('web:atom'))}"><link rel="alternate" type="application/rss+xml" href="/feed.rss?lang=${esc(d.locale)}" title="${esc(t('web:rss'))}"><style>${CSS}</style></head><body><a class="skip" href="#main">${esc(t('web:skip'))}</a><header><p><a href="/?lang=${esc(d.locale)}">${bdi(d.service)}</a></p>${languagePicker(d, path, t)}</header><main id="main" tabindex="-1">${main}</main><footer><p>${esc(stripAllBidi(t('announce.updatedAt', { time: formatDateTime(d.now, d.locale, d.timezone) })))}</p><ul class="plain"><li><a href="/history?lang=${esc(d.locale)}">${esc(t('web:history'))}</a></li><li><a href="/feed.atom?lang=${esc(d.locale)}">${esc(t('web:atom'))}</a></li><li><a href="/feed.rss?lang=${esc(d.locale)}">${esc(t('web:rss'))}</a></li><li><a href="/api/v2/summary.json">${esc(t('web:api'))}</a></li></ul></footer></body></html>`;

const adviceOf = (stories: readonly PageStory[]): string[] => [...new Set(stories.flatMap((s) => s.model.advice))];

/** `GET /`: overall state, open incidents, what to do, components with bars and KPIs, maintenance, subscribe. */
export const renderHome = (d: PageData, translator: Translator): string => {
  const t = memoT(translator.t(d.locale));
  const advice = adviceOf(d.open);
  const labels = { telegram: t('web:telegram'), discord: t('web:discord'), slack: t('web:slack') };
  const main = [
    `<h1>${esc(stripAllBidi(t('web:pageTitle', { service: d.service })))}</h1>`,
    `<p class="overall s-${d.overall}" role="status"><span aria-hidden="true">${PAGE_ICON[severityOfComponent(d.overall)]} </span>${esc(t(`overall.${d.overall}`))}</p>`,
    `<section aria-labelledby="incidents"><h2 id="incidents">${esc(t('status.openIncidents'))}</h2>${d.open.length ? d.open.map((s) => storyCard(s, d, t)).join('') : `<p>${esc(t('status.noIncidents'))}</p>`}</section>`,
    advice.length
      ? `<section aria-labelledby="advice"><h2 id="advice">${esc(t('web:whatYouCanDo'))}</h2><ul>${advice.map((a) => `<li>${esc(stripAllBidi(a))}</li>`).join('')}</ul></section>`
      : '',
    componentsSection(d, t),
    `<section aria-labelledby="maint"><h2 id="maint">${esc(t('web:maintenances'))}</h2>${d.maintenances.length ? d.maintenances.map((s) => storyCard(s, d, t)).join('') : `<p>${esc(t('web:noMaintenances'))}</p>`}</section>`,
    d.subscribe.length
      ? `<section aria-labelledby="sub"><h2 id="sub">${esc(t('web:subscribe'))}</h2><ul>${d.subscribe.map((s) => `<li><a href="${esc(s.url)}" rel="noopener">${esc(labels[s.platform])}</a></li>`).join('')}</ul></section>`
      : '',
  ].join('');
  return layout(d, t, t('web:pageTitle', { service: d.service }), '/', main);
};

/** `GET /incidents/:id`: one story from its first post to its resolution. */
export const renderIncident = (d: PageData, story: PageStory, translator: Translator): string => {
  const t = memoT(translator.t(d.locale));
  const i = story.incident;
  const closed = isClosedStatus(i.status);
  const end = i.resolvedAt ?? d.now;
  const main = [
    `<p><a href="/?lang=${esc(d.locale)}">${esc(t('web:back'))}</a></p>`,
    `<article>${messageHtml(story.model, 1)}`,
    `<dl><dt>${esc(t('web:started'))}</dt><dd><time datetime="${esc(i.startedAt)}">${bdi(formatDateTime(i.startedAt, d.locale, d.timezone))}</time></dd>${closed ? `<dt>${esc(t('announce.duration'))}</dt><dd>${bdi(formatDuration(Date.parse(end) - Date.parse(i.startedAt), d.locale))}</dd>` : ''}</dl>`,
    `${timeline(i, d, t)}</article>`,
  ].join('');
  return layout(
    d,
    t,
    `${stripAllBidi(i.name)} · ${stripAllBidi(t('web:pageTitle', { service: d.service }))}`,
    `/incidents/${encodeURIComponent(i.key)}`,
    main,
  );
};

export const HISTORY_PAGE_SIZE = 10;

/** `GET /history?page=`: every known story, newest first, ten a page. */
export const renderHistory = (d: PageData, shown: readonly PageStory[], page: number, pages: number, translator: Translator): string => {
  const t = memoT(translator.t(d.locale));
  const link = (p: number, label: string, rel: string) =>
    `<a href="/history?page=${p}&amp;lang=${esc(d.locale)}" rel="${rel}">${esc(label)}</a>`;
  const nav = `<nav aria-label="${esc(t('web:pageOf', { page, pages }))}"><ul class="plain">${page > 1 ? `<li>${link(page - 1, t('web:newer'), 'prev')}</li>` : ''}<li>${esc(stripAllBidi(t('web:pageOf', { page, pages })))}</li>${page < pages ? `<li>${link(page + 1, t('web:older'), 'next')}</li>` : ''}</ul></nav>`;
  const main = [
    `<h1>${esc(t('web:history'))}</h1>`,
    shown.length
      ? shown
          .map(
            (s) => `<article class="card">${messageHtml({ ...s.model, advice: [] }, 2, incidentHref(s.incident.key, d.locale))}</article>`,
          )
          .join('')
      : `<p>${esc(t('web:historyEmpty'))}</p>`,
    nav,
  ].join('');
  return layout(d, t, `${t('web:history')} · ${stripAllBidi(t('web:pageTitle', { service: d.service }))}`, `/history?page=${page}`, main);
};

/** `404` for an unknown story, in the reader's language. */
export const renderNotFound = (d: PageData, translator: Translator): string => {
  const t = memoT(translator.t(d.locale));
  return layout(
    d,
    t,
    t('web:notFound'),
    '/',
    `<h1>${esc(t('web:notFound'))}</h1><p><a href="/?lang=${esc(d.locale)}">${esc(t('web:back'))}</a></p>`,
  );
};
