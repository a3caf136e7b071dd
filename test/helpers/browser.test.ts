import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, chromiumPath, launchChromium, NO_CHROMIUM, type RealBrowser } from './browser.ts';

const page = '<!doctype html><html lang="en"><head><title>t</title></head><body><main><h1>Hi</h1><img src="x.png"></main></body></html>';

if (!chromiumPath) {
  describe('browser helper', () => it(NO_CHROMIUM, () => {}));
} else {
  describe('browser helper', () => {
    let server: Server;
    let browser: RealBrowser;
    let url: string;
    beforeAll(async () => {
      server = createServer((_req, res) => {
        res.setHeader('content-security-policy', "default-src 'none'");
        res.setHeader('content-type', 'text/html; charset=utf-8');
        res.end(page);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
      server?.close();
    });

    it('runs axe-core on a page whose Content-Security-Policy forbids every script', async () => {
      const context = await browser.context();
      const tab = await context.newPage();
      await tab.goto(url);
      const violations = await axeViolations(tab);
      expect(violations.map((v) => v.id)).toEqual(['image-alt']);
      await context.close();
    });
  });
}
