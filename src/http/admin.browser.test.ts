import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, chromiumPath, launchChromium, NO_CHROMIUM, type RealBrowser } from '../../test/helpers/browser.ts';
import { startTestApp, type TestApp } from '../../test/helpers/app.ts';

const YAML = [
  'service: { name: Chatter, locales: [en, de, ar] }',
  'components:',
  '  - { id: messaging, name: { en: Messaging, de: Nachrichten, ar: المراسلة } }',
  '  - { id: calls, name: { en: Voice and video calls, de: Sprach- und Videoanrufe, ar: المكالمات } }',
  'announce:',
  '  - { platform: console, channel: "#status" }',
  'advice:',
  '  - { when: { components: [messaging] }, say: [check_connectivity, retry_later] }',
].join('\n');
const TOKEN = 'browser-admin-token';

/** `WRITE_SCREENSHOTS=1` also writes the README's picture of the composer (docs/images/admin.png). */
const SCREENSHOTS = process.env.WRITE_SCREENSHOTS === '1';

if (!chromiumPath) {
  describe('/admin in Chromium', () => it(NO_CHROMIUM, () => {}));
} else {
  describe('/admin in Chromium', () => {
    let t: TestApp;
    let browser: RealBrowser;
    beforeAll(async () => {
      t = await startTestApp(YAML, { ADMIN_API_TOKEN: TOKEN });
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
      await t?.stop();
    });

    it('logs in, refuses a forged form, composes, previews every language and platform, publishes — with no axe violation', async () => {
      const context = await browser.context({ locale: 'en-US' });
      const page = await context.newPage();
      const cspErrors: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text());
      });

      await page.goto(`${t.baseUrl}/admin`);
      expect(await page.title()).toBe('Sign in · Chatter');
      expect(await axeViolations(page)).toEqual([]);
      await page.getByLabel('Admin token (ADMIN_API_TOKEN)').fill('wrong');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => page.getByRole('alert').textContent()).toContain('That is not the admin token');
      await page.getByLabel('Admin token (ADMIN_API_TOKEN)').fill(TOKEN);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'New incident' }).waitFor();
      const cookie = (await context.cookies()).find((c) => c.name === 'sr_admin')!;
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/admin' });
      // HttpOnly: the page itself cannot read it.
      expect(await page.evaluate('document.cookie')).toBe('');
      expect(await axeViolations(page)).toEqual([]);

      // A form whose CSRF token is not the session's is refused, and nothing is published.
      await page.getByLabel('Title', { exact: true }).fill('Forged');
      await page.evaluate("document.querySelectorAll('input[name=csrf]').forEach((i) => { i.value = 'forged'; })");
      await page.getByRole('button', { name: 'Publish' }).click();
      await expect.poll(() => page.getByRole('alert').textContent()).toContain('CSRF check failed');
      expect(t.app.tracker.knownIncidents()).toEqual([]);
      await page.goto(`${t.baseUrl}/admin`);

      await page.getByLabel('Title', { exact: true }).fill('Messages are delayed');
      await page.getByLabel('Status', { exact: true }).selectOption('identified');
      await page.getByLabel('Impact').selectOption('major');
      await page.getByLabel('Cause (picks the advice)').selectOption('network_congestion');
      await page.getByLabel('Messaging').selectOption('major_outage');
      await page.getByLabel('Voice and video calls').selectOption('degraded_performance');
      await page.getByLabel('Message', { exact: true }).fill('A router is congested; we are moving traffic. <b>@everyone</b>');
      await page.getByRole('button', { name: 'Preview' }).click();
      await page.getByRole('heading', { name: 'Preview: what each audience will read' }).waitFor();
      for (const lang of ['en', 'de', 'ar']) {
        const section = page.locator(`section.locale[lang="${lang}"]`);
        expect(await section.locator('.grid > .card').count()).toBe(4);
      }
      expect(await page.locator('section.locale[lang="ar"]').getAttribute('dir')).toBe('rtl');
      expect(await page.locator('section.locale[lang="de"] .slack').textContent()).toContain('Nachrichten');
      // The untrusted text is text: no <b> element came from it.
      expect(await page.locator('section.locale b', { hasText: '@everyone' }).count()).toBe(0);
      expect(t.app.tracker.knownIncidents()).toEqual([]);
      expect(await axeViolations(page)).toEqual([]);
      if (SCREENSHOTS) {
        await page.setViewportSize({ width: 1280, height: 1500 });
        await page.screenshot({ path: join(import.meta.dirname, '..', '..', 'docs', 'images', 'admin.png') });
        await page.setViewportSize({ width: 1280, height: 720 });
      }

      await page.getByRole('button', { name: 'Publish' }).click();
      await expect.poll(() => page.getByRole('status').textContent()).toContain('Published: Messages are delayed');
      expect(await t.app.drained()).toBe(true);
      const [incident] = t.app.tracker.knownIncidents();
      expect(incident).toMatchObject({ name: 'Messages are delayed', status: 'identified' });
      expect(t.consoleText()).toContain('Messages are delayed');
      // The audit log on the page names the session, never on the public story.
      expect(await page.locator('#audit-title').textContent()).toContain('Messages are delayed');
      expect(await page.locator('table').last().textContent()).toMatch(/admin \(web session-/);
      expect(await (await fetch(`${t.baseUrl}/api/status`)).text()).not.toContain('session-');
      expect(await axeViolations(page)).toEqual([]);

      // Resolve from the list: the form comes pre-filled with the closing status.
      await page.getByRole('button', { name: 'Resolve' }).click();
      await page.getByRole('heading', { name: 'Updating: Messages are delayed' }).waitFor();
      expect(await page.getByLabel('Status', { exact: true }).inputValue()).toBe('resolved');
      await page.getByLabel('Message', { exact: true }).fill('Traffic is back to normal.');
      await page.getByRole('button', { name: 'Publish' }).click();
      await expect.poll(() => page.getByRole('status').textContent()).toContain('Published');
      expect(await t.app.drained()).toBe(true);
      expect(t.app.tracker.knownIncidents()[0]?.status).toBe('resolved');
      // The page ran no script at all, and the CSP refused nothing it needed.
      expect(cspErrors).toEqual([]);
      await context.close();
    }, 60_000);
  });
}
