import { accessSync, constants, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/**
 * Debian's `chromium` package (`.ci/run` installs it). Playwright's own browser download cannot
 * work on a machine without internet, so the browser is always the system one.
 */
const CHROMIUM_CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string =>
  Boolean(p),
);

const executable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

export const chromiumPath: string | undefined = CHROMIUM_CANDIDATES.find(executable);

/** The one line a browser test prints instead of running when there is no Chromium. */
export const NO_CHROMIUM = 'was not run: no Chromium here (.ci/run installs Debian’s chromium; CHROMIUM_PATH points elsewhere)';

export interface RealBrowser {
  readonly browser: Browser;
  /** A fresh context (cookies, JavaScript on or off, locale) for one scenario. */
  context(options?: { javaScriptEnabled?: boolean; locale?: string; colorScheme?: 'light' | 'dark' }): Promise<BrowserContext>;
  close(): Promise<void>;
}

/**
 * Starts headless Chromium. Without the background-networking flags Chromium keeps trying to reach
 * Google's hosts, which a closed network refuses many times a second.
 */
export const launchChromium = async (): Promise<RealBrowser> => {
  if (!chromiumPath) throw new Error(NO_CHROMIUM);

  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
  return {
    browser,
    context: (options = {}) => browser.newContext(options),
    close: async () => {
      await browser.close();
    },
  };
};

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly { readonly target: readonly string[]; readonly html: string }[];
}

const axeSource = (): string => readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core in the page against WCAG 2.1 A and AA. The script is evaluated through the
 * DevTools protocol, which a Content-Security-Policy does not govern, so a page that forbids
 * inline script is checked as served. axe schedules work on timers, so the page's context must have
 * JavaScript on (check "works without JavaScript" in a second context).
 */
export const axeViolations = async (page: Page): Promise<AxeViolation[]> => {
  await page.evaluate(axeSource());
  return page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(o: unknown): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run({ runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target, html: n.html })),
    }));
  });
};
