import { join } from 'node:path';
import { STYLE, esc } from '../../src/authoring/web.ts';
import { chromiumPath, launchChromium } from './browser.ts';

/**
 * The README's pictures of the chat surfaces (`WRITE_SCREENSHOTS=1`): what an emulator received,
 * laid out as HTML with the composer's own renderers (src/authoring/web.ts) and photographed in
 * Chromium. They show the payloads the bot sent, not the platforms' own clients.
 */
export const SCREENSHOTS = process.env.WRITE_SCREENSHOTS === '1' && Boolean(chromiumPath);

export const writeScreenshot = async (name: string, heading: string, bodyHtml: string): Promise<void> => {
  if (!SCREENSHOTS) return;
  const html =
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(heading)}</title><style>${STYLE}` +
    `body{padding:1rem;max-width:60rem}.note{font-size:.85rem;color:#4a4a4a}</style></head><body><h1>${esc(heading)}</h1>` +
    `<p class="note">An HTML rendering of what the emulator received from the bot (not the platform's own client).</p>${bodyHtml}</body></html>`;
  const browser = await launchChromium();
  try {
    const page = await (await browser.context()).newPage();
    await page.setViewportSize({ width: 900, height: 600 });
    await page.setContent(html);
    await page.screenshot({ path: join(import.meta.dirname, '..', '..', 'docs', 'images', `${name}.png`), fullPage: true });
  } finally {
    await browser.close();
  }
};

export const buttonsHtml = (labels: readonly string[]): string =>
  `<p>${labels.map((l) => `<span class="tag">${esc(l)}</span>`).join(' ')}</p>`;
