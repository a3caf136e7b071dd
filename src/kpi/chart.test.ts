import { existsSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import { describe, expect, it } from 'vitest';
import { chartSvg, renderChart, type ChartInput } from './chart.ts';
import { canDraw, fontsFor, missingFontsMessage } from './fonts.ts';

const base = (name: string, lang: string, dir: 'ltr' | 'rtl' = 'ltr'): ChartInput => ({
  lang,
  dir,
  title: 'T',
  uptimeTitle: 'U',
  responseTitle: 'R',
  p50Label: 'p50',
  p95Label: 'p95',
  noData: '-',
  fromLabel: '1',
  toLabel: '2',
  rows: [{ name, days: Array.from({ length: 90 }, (_, i) => (i === 80 ? 90 : 100)), total: '99%' }],
  response: Array.from({ length: 24 }, (_, i) => ({ p50: 200 + i, p95: 400 + 10 * i })),
  formatMs: (ms) => `${Math.round(ms)} ms`,
});

/** The dark pixels (text ink) inside a box of the rendered image, as a count and a mask. */
const ink = (
  input: ChartInput,
  box: { x0: number; x1: number; y0: number; y1: number },
  exists?: (p: string) => boolean,
): { count: number; mask: string } => {
  const fonts = fontsFor(`${input.rows.map((r) => `${r.name} ${r.total}`).join(' ')} Tp`, input.lang, exists);
  const { svg } = chartSvg(input, fonts.family);
  const img = new Resvg(svg, {
    font: { loadSystemFonts: false, fontFiles: fonts.files, defaultFontFamily: 'DejaVu Sans' },
    background: '#ffffff',
  }).render();
  // `pixels` is a native getter that copies the whole image on every access: read it once.
  const px = img.pixels;
  let count = 0;
  let mask = '';
  for (let y = box.y0; y < box.y1; y++)
    for (let x = box.x0; x < box.x1; x++) {
      const o = (y * img.width + x) * 4;
      const dark = px[o]! < 128 && px[o + 1]! < 128 && px[o + 2]! < 128;
      if (dark) count++;
      mask += dark ? '1' : '0';
    }
  return { count, mask };
};

const NAME_BOX_LTR = { x0: 20, x1: 210, y0: 80, y1: 106 };
const NAME_BOX_RTL = { x0: 590, x1: 780, y0: 80, y1: 106 };

describe('KPI chart', () => {
  it('renders a PNG of the expected size with bars and the response band', () => {
    const out = renderChart(base('Messaging', 'en'));
    expect(out.png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(out.width).toBe(800);
    expect(out.height).toBeGreaterThan(300);
    expect(out.height).toBeLessThan(700);
    expect(out.png.length).toBeGreaterThan(5_000);
    expect(out.fonts.missing).toEqual([]);
  });

  // Two different words of the same length: real glyphs differ, missing-glyph boxes ("tofu") would not.
  // CJK comes from Debian's fonts-noto-cjk only (src/kpi/fonts.ts says why); the other scripts ship with npm install.
  const cjk = canDraw('消息', 'zh-CN');
  it.each([
    ['Hindi', 'सेवाएं', 'नमस्ते', 'hi'],
    ['Latin', 'Messaging', 'Streaming', 'en'],
    ...(cjk
      ? [
          ['Chinese', '消息服务', '语音通话', 'zh-CN'],
          ['Japanese', 'メッセージ', 'ログイン中', 'ja'],
        ]
      : []),
  ])('draws %s text with real glyphs', (_script, a, b, lang) => {
    expect(fontsFor(a, lang).missing).toEqual([]);
    const inkA = ink(base(a, lang), NAME_BOX_LTR);
    expect(inkA.count).toBeGreaterThan(40);
    expect(inkA.mask).not.toBe(ink(base(b, lang), NAME_BOX_LTR).mask);
  });

  it('draws Arabic right-to-left: the name ink is in the right-hand column only', () => {
    const name = ink(base('الرسائل', 'ar', 'rtl'), NAME_BOX_RTL);
    expect(name.count).toBeGreaterThan(40);
    expect(name.mask).not.toBe(ink(base('المكالم', 'ar', 'rtl'), NAME_BOX_RTL).mask);
    // The left-hand column holds only the total ("99%"), the same whatever the name (both names load the same fonts).
    expect(ink(base('الرسائل', 'ar', 'rtl'), NAME_BOX_LTR).mask).toBe(ink(base('المكالم', 'ar', 'rtl'), NAME_BOX_LTR).mask);
    expect(ink(base('', 'ar', 'rtl'), NAME_BOX_RTL).count).toBe(0);
  });

  it.skipIf(cjk)('Chinese and Japanese glyphs not checked: no CJK font on this machine (apt-get install fonts-noto-cjk)', () => undefined);

  it('draws with the fonts npm install ships, without any system font', () => {
    const npmOnly = (p: string) => p.includes('node_modules') && existsSync(p);
    expect(fontsFor('Messaging सेवाएं الرسائل', 'hi', npmOnly).missing).toEqual([]);
    expect(ink(base('सेवाएं', 'hi'), NAME_BOX_LTR, npmOnly).count).toBeGreaterThan(40);
  });

  it('without the script font only identical missing-glyph boxes appear, and the message names the package', () => {
    const noCjk = (p: string) => !p.includes('CJK');
    expect(ink(base('消息服务', 'zh-CN'), NAME_BOX_LTR, noCjk).mask).toBe(ink(base('语音通话', 'zh-CN'), NAME_BOX_LTR, noCjk).mask);
    const missing = fontsFor('消息服务', 'zh-CN', noCjk).missing;
    expect(missingFontsMessage(missing)).toContain('fonts-noto-cjk');
  });

  it('escapes hostile names instead of breaking the SVG', () => {
    const out = renderChart(base('<script>&amp;</script> "x" @everyone', 'en'));
    expect(out.png.length).toBeGreaterThan(5_000);
  });
});
