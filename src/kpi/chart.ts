import { Resvg } from '@resvg/resvg-js';
import { fontsFor, type FontChoice } from './fonts.ts';

/** One component's 90 daily uptime values, oldest first (undefined = no data that day). */
export interface UptimeRow {
  readonly name: string;
  readonly days: readonly (number | undefined)[];
  /** Already formatted, e.g. "99.2%". */
  readonly total: string;
}

export interface ResponsePoint {
  readonly p50?: number;
  readonly p95?: number;
}

/** Everything shown, already localized and formatted by the caller. */
export interface ChartInput {
  readonly lang: string;
  readonly dir: 'ltr' | 'rtl';
  readonly title: string;
  readonly uptimeTitle: string;
  readonly responseTitle: string;
  readonly p50Label: string;
  readonly p95Label: string;
  readonly noData: string;
  /** Labels under the time axis: start and end of the period. */
  readonly fromLabel: string;
  readonly toLabel: string;
  readonly rows: readonly UptimeRow[];
  readonly response: readonly ResponsePoint[];
  readonly formatMs: (ms: number) => string;
}

export interface RenderedChart {
  readonly png: Buffer;
  readonly width: number;
  readonly height: number;
  readonly fonts: FontChoice;
}

const W = 800;
const PAD = 20;
const ROW_H = 26;
const NAME_W = 190;
const TOTAL_W = 80;
const MAX_ROWS = 12;

/** XML 1.0 forbids most C0 controls even escaped; status text may contain them. */
// eslint-disable-next-line no-control-regex
const XML_FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g;
const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(XML_FORBIDDEN, '');
const clip = (s: string, max: number): string => ([...s].length > max ? `${[...s].slice(0, max - 1).join('')}…` : s);

const barColour = (v: number | undefined): string =>
  v === undefined ? '#d0d4da' : v >= 99.9 ? '#2da44e' : v >= 99 ? '#9bd14b' : v >= 95 ? '#f0a020' : '#d93f0b';

/** Builds the SVG: uptime bars per component, then the response-time line with its p95 band. Mirrored for RTL. */
export const chartSvg = (input: ChartInput, fontFamily: string): { svg: string; height: number } => {
  const rtl = input.dir === 'rtl';
  const x = (v: number) => (rtl ? W - v : v);
  const anchorStart = rtl ? 'end' : 'start';
  const anchorEnd = rtl ? 'start' : 'end';
  const rows = input.rows.slice(0, MAX_ROWS);
  const parts: string[] = [];
  const text = (px: number, py: number, s: string, size: number, anchor: string, extra = '') =>
    parts.push(
      `<text x="${x(px).toFixed(1)}" y="${py}" font-size="${size}" text-anchor="${anchor}" fill="#1f2328"${extra}>${esc(s)}</text>`,
    );

  text(PAD, 34, input.title, 20, anchorStart, ' font-weight="bold"');
  text(PAD, 66, input.uptimeTitle, 15, anchorStart);
  let y = 80;
  const barsW = W - 2 * PAD - NAME_W - TOTAL_W;
  for (const row of rows) {
    text(PAD, y + 17, clip(row.name, 22), 13, anchorStart);
    const n = Math.max(1, row.days.length);
    const step = barsW / n;
    row.days.forEach((v, i) => {
      const left = PAD + NAME_W + i * step;
      const bx = rtl ? W - left - step : left;
      parts.push(
        `<rect x="${(bx + 0.5).toFixed(2)}" y="${y + 3}" width="${Math.max(1, step - 1).toFixed(2)}" height="${ROW_H - 8}" rx="1" fill="${barColour(v)}"/>`,
      );
    });
    text(W - PAD, y + 17, row.total, 13, anchorEnd);
    y += ROW_H;
  }
  if (rows.length === 0) {
    text(PAD, y + 17, input.noData, 13, anchorStart, ' fill-opacity="0.6"');
    y += ROW_H;
  }

  y += 24;
  text(PAD, y, input.responseTitle, 15, anchorStart);
  const top = y + 14;
  const plotH = 170;
  const left = PAD + 70;
  const plotW = W - PAD - left;
  parts.push(`<rect x="${rtl ? W - left - plotW : left}" y="${top}" width="${plotW}" height="${plotH}" fill="#f6f8fa" stroke="#d0d7de"/>`);
  const pts = input.response;
  const max = Math.max(1, ...pts.map((p) => p.p95 ?? p.p50 ?? 0)) * 1.1;
  const px = (i: number) => x(left + (pts.length <= 1 ? plotW / 2 : (i / (pts.length - 1)) * plotW));
  const py = (v: number) => top + plotH - (v / max) * plotH;
  const known = pts.map((p, i) => ({ ...p, i })).filter((p) => p.p50 !== undefined && p.p95 !== undefined);
  if (known.length) {
    const upper = known.map((p) => `${px(p.i).toFixed(1)},${py(p.p95!).toFixed(1)}`);
    const lower = [...known].reverse().map((p) => `${px(p.i).toFixed(1)},${py(p.p50!).toFixed(1)}`);
    parts.push(`<polygon points="${[...upper, ...lower].join(' ')}" fill="#54aeff" fill-opacity="0.3"/>`);
    parts.push(`<polyline points="${upper.join(' ')}" fill="none" stroke="#54aeff" stroke-width="1.5"/>`);
    parts.push(
      `<polyline points="${known.map((p) => `${px(p.i).toFixed(1)},${py(p.p50!).toFixed(1)}`).join(' ')}" fill="none" stroke="#0969da" stroke-width="2.5"/>`,
    );
    for (const frac of [1, 0.5, 0]) text(left - 8, py((max * frac) / 1.1) + 4, input.formatMs((max * frac) / 1.1), 11, anchorEnd);
  } else {
    text(left + 16, top + plotH / 2, input.noData, 13, anchorStart, ' fill-opacity="0.6"');
  }
  text(left, top + plotH + 18, input.fromLabel, 11, anchorStart);
  text(W - PAD, top + plotH + 18, input.toLabel, 11, anchorEnd);
  const legendY = top + plotH + 40;
  parts.push(`<rect x="${x(left) - (rtl ? 22 : 0)}" y="${legendY - 10}" width="22" height="4" fill="#0969da"/>`);
  text(left + 28, legendY - 4, input.p50Label, 12, anchorStart);
  parts.push(`<rect x="${x(left + 160) - (rtl ? 22 : 0)}" y="${legendY - 14}" width="22" height="12" fill="#54aeff" fill-opacity="0.3"/>`);
  text(left + 188, legendY - 4, input.p95Label, 12, anchorStart);
  const height = legendY + 16;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="${esc(fontFamily)}"><rect width="100%" height="100%" fill="#ffffff"/>${parts.join('')}</svg>`;
  return { svg, height };
};

const allText = (i: ChartInput): string =>
  [
    i.title,
    i.uptimeTitle,
    i.responseTitle,
    i.p50Label,
    i.p95Label,
    i.noData,
    i.fromLabel,
    i.toLabel,
    ...i.rows.flatMap((r) => [r.name, r.total]),
    '0123456789 ms s %',
  ].join(' ');

/** Renders in-process (no browser, no network): SVG → PNG with resvg and only the fonts the text needs. */
export const renderChart = (input: ChartInput): RenderedChart => {
  const fonts = fontsFor(allText(input), input.lang);
  const { svg, height } = chartSvg(input, fonts.family);
  const png = new Resvg(svg, {
    font: { loadSystemFonts: false, fontFiles: fonts.files, defaultFontFamily: 'DejaVu Sans' },
    background: '#ffffff',
  })
    .render()
    .asPng();
  return { png, width: W, height, fonts };
};
