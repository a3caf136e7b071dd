import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.ts';
import { axeViolations, chromiumPath, launchChromium, NO_CHROMIUM, type RealBrowser } from '../helpers/browser.ts';
import { startOutageApp } from '../helpers/status-page.ts';
import { SUPPORTED_LOCALES } from '../../src/i18n/locales.ts';
import { SCREENSHOTS } from '../helpers/screenshot.ts';

const DOCS = resolve(import.meta.dirname, '..', '..', 'docs');
/** What a reader must see during the outage, per language: the incident, a KPI label and the advice heading. */
const EXPECT: Record<string, readonly string[]> = {
  en: [
    'Messages are delayed or fail to send',
    'Major outage',
    'Response time p50 / p95',
    'What you can do',
    'Check your own internet connection',
  ],
  'zh-CN': ['Messages are delayed or fail to send', '严重中断', '错误率', '您可以这样做'],
  ar: ['Messages are delayed or fail to send', 'انقطاع كبير', 'معدل الأخطاء', 'ما يمكنك فعله'],
  ja: ['Messages are delayed or fail to send', '大規模停止', 'エラー率', 'できること'],
};

if (!chromiumPath) describe('status page in Chromium', () => it(NO_CHROMIUM, () => {}));
else
  describe('status page in a real Chromium', () => {
    let t: TestApp;
    let key: string;
    let browser: RealBrowser;
    beforeAll(async () => {
      ({ t, key } = await startOutageApp());
      browser = await launchChromium();
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      await t?.stop();
    });

    it('en, zh-CN, ar and ja during the outage show the incident, the KPIs and the advice, with JavaScript off', async () => {
      for (const [lang, texts] of Object.entries(EXPECT)) {
        const ctx = await browser.context({ javaScriptEnabled: false });
        const page = await ctx.newPage();
        const res = await page.goto(`${t.baseUrl}/?lang=${lang}`);
        expect(res?.status()).toBe(200);
        // The KPI tables sit in <details>: opened by keyboard, without any script.
        await page.locator('details summary').first().focus();
        await page.keyboard.press('Enter');
        const text = await page.locator('body').innerText();
        for (const s of texts) expect(text, `${lang}: ${s}`).toContain(s);
        expect(await page.locator('html').getAttribute('lang')).toBe(lang);
        expect(await page.locator('html').getAttribute('dir')).toBe(lang === 'ar' ? 'rtl' : 'ltr');
        await ctx.close();
      }
    }, 60_000);

    it('axe-core finds no WCAG 2.1 A/AA violation in any offered language, light and dark, on every page', async () => {
      const failures: string[] = [];
      for (const lang of SUPPORTED_LOCALES)
        for (const colorScheme of ['light', 'dark'] as const) {
          const ctx = await browser.context({ colorScheme });
          const page = await ctx.newPage();
          for (const path of ['/', `/incidents/${encodeURIComponent(key)}`, '/history']) {
            await page.goto(`${t.baseUrl}${path}?lang=${lang}`);
            for (const v of await axeViolations(page))
              failures.push(`${lang} ${colorScheme} ${path}: ${v.id} ${v.help} ${v.nodes.map((n) => n.html.slice(0, 80)).join(' | ')}`);
          }
          await ctx.close();
        }
      expect(failures).toEqual([]);
    }, 240_000);

    it('loads nothing from other hosts, runs no script, and reaches every link by keyboard', async () => {
      const ctx = await browser.context();
      const page = await ctx.newPage();
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      const errors: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      await page.goto(`${t.baseUrl}/?lang=en`);
      expect(requests.every((u) => u.startsWith(t.baseUrl))).toBe(true);
      // No CSP violation: the style sheet is allowed by its hash.
      expect(errors).toEqual([]);
      expect(await page.locator('script').count()).toBe(0);
      const links = await page.locator('a[href]').count();
      const reached = new Set<string>();
      for (let i = 0; i < links + 20; i++) {
        await page.keyboard.press('Tab');
        const href = await page.evaluate<string>("document.activeElement?.getAttribute('href') ?? ''");
        if (href) reached.add(href);
      }
      expect(reached.size).toBe(new Set(await page.locator('a[href]').evaluateAll((as) => as.map((a) => a.getAttribute('href')))).size);
      await ctx.close();
    }, 60_000);

    // The README's pictures are rewritten only on request (WRITE_SCREENSHOTS=1), so a test run leaves the checkout as it was.
    it('screenshots of en, zh-CN and ar for the README (docs/status-page-*.png)', async () => {
      if (SCREENSHOTS) mkdirSync(DOCS, { recursive: true });
      for (const lang of ['en', 'zh-CN', 'ar']) {
        const ctx = await browser.context({ javaScriptEnabled: false });
        const page = await ctx.newPage();
        await page.setViewportSize({ width: 1000, height: 900 });
        await page.goto(`${t.baseUrl}/?lang=${lang}`);
        const png = await page.screenshot({ ...(SCREENSHOTS ? { path: join(DOCS, `status-page-${lang}.png`) } : {}), fullPage: true });
        expect(png.subarray(1, 4).toString()).toBe('PNG');
        await ctx.close();
      }
    }, 60_000);
  });
