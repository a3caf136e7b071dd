import type { ComponentStatus } from '../core/model.ts';
import { esc } from './html.ts';

/**
 * A shields-style SVG badge: "<label> | <value>". Text width is estimated (no font on the server):
 * 7 px per character of Verdana 11 px is what shields.io assumes for ASCII, wider for others.
 */
const width = (s: string): number => [...s].reduce((w, ch) => w + (ch.charCodeAt(0) < 128 ? 7 : 12), 0) + 10;

export const BADGE_COLOUR: Record<ComponentStatus | 'unknown', string> = {
  operational: '#1a7f37',
  under_maintenance: '#0a58ca',
  degraded_performance: '#9a6700',
  partial_outage: '#bc4c00',
  major_outage: '#cf222e',
  unknown: '#57606a',
};

export const badgeSvg = (label: string, value: string, colour: string): string => {
  const lw = width(label);
  const vw = width(value);
  const all = lw + vw;
  const text = `${label}: ${value}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${all}" height="20" role="img" aria-label="${esc(text)}"><title>${esc(text)}</title><rect width="${lw}" height="20" fill="#24292f"/><rect x="${lw}" width="${vw}" height="20" fill="${colour}"/><g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11" text-anchor="middle"><text x="${lw / 2}" y="14">${esc(label)}</text><text x="${lw + vw / 2}" y="14">${esc(value)}</text></g></svg>`;
};
