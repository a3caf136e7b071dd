import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PASS } from '../helpers/fault-proxy.ts';
import {
  FULL,
  broadcastUnderFault,
  commonFigures,
  commonViolations,
  runScenario,
  seedSubscribers,
  sleep,
  startBot,
  startTelegram,
  story,
  workDir,
  type Bot,
  type Telegram,
} from './harness.ts';

const RECIPIENTS = FULL ? 2000 : 300;
const OUTAGE_MS = FULL ? 60_000 : 10_000;

/**
 * Scenario 2: Telegram's API answers 502 Bad Gateway (an HTML page from its front proxy, as
 * api.telegram.org does when its backend is down) for a while during a broadcast, then recovers.
 */
describe('chaos: the platform answers 5xx for a while, then recovers', () => {
  let tg: Telegram | undefined;
  const bots: Bot[] = [];
  afterEach(async () => {
    for (const b of bots.splice(0)) await b.kill('SIGKILL');
    await tg?.stop();
    tg = undefined;
  });

  it(`Telegram 502 for ${OUTAGE_MS / 1000} s during a ${RECIPIENTS}-recipient broadcast: nothing lost, the latest state everywhere`, async () => {
    const meta = {
      scenario: '2. Platform 5xx',
      fault: `Telegram API answers 502 for ${OUTAGE_MS / 1000} s during a ${RECIPIENTS}-recipient broadcast (fault proxy, HTTP level)`,
      checked: 'latest state at every recipient; no duplicates (nothing crashed); no crash; /status answered after',
    };
    const violations = await runScenario(meta, bots, async () => {
      tg = await startTelegram({ recipients: RECIPIENTS, askers: 1, proxy: true });
      const proxy = tg.proxy!;
      const dir = workDir('platform');
      const storeUrl = `sqlite://${join(dir, 'store.sqlite')}`;
      await seedSubscribers(storeUrl, tg.recipients);
      bots.push(await startBot({ name: 'bot', dir, storeUrl, telegram: tg }));
      const s = story('P5XX');
      const outcome = await broadcastUnderFault({
        tg,
        story: s,
        bots: () => bots,
        faultAt: Math.floor(RECIPIENTS / 4),
        fault: async () => {
          const began = Date.now();
          const before = proxy.stats.requests.length;
          proxy.setMode({ kind: 'http-error', status: 502 });
          await sleep(OUTAGE_MS);
          proxy.setMode(PASS);
          const during = proxy.stats.requests.slice(before).filter((r) => r.mode === 'http-error' && !r.path.endsWith('/getUpdates'));
          return {
            'API calls during outage': during.length,
            'calls/s during outage': (during.length / ((Date.now() - began) / 1000)).toFixed(1),
          };
        },
      });
      return { violations: commonViolations(outcome, bots, 0), figures: { ...outcome.figures, ...commonFigures(outcome) } };
    });
    expect(violations).toEqual([]);
  }, 420_000);
});
