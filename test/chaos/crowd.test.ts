import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  FULL,
  askStatus,
  broadcastUnderFault,
  commonFigures,
  commonViolations,
  percentile,
  runScenario,
  seedSubscribers,
  startBot,
  startTelegram,
  story,
  workDir,
  type Bot,
  type Telegram,
} from './harness.ts';

const RECIPIENTS = FULL ? 2000 : 500;
const CROWD = FULL ? 300 : 60;
const ANSWER_WITHIN_MS = 60_000;

/** Scenario 7: a crowd of users sends /status at the same moment, in the middle of a broadcast. */
describe('chaos: a crowd of commands during a broadcast', () => {
  let tg: Telegram | undefined;
  const bots: Bot[] = [];
  afterEach(async () => {
    for (const b of bots.splice(0)) await b.kill('SIGKILL');
    await tg?.stop();
    tg = undefined;
  });

  it(`${CROWD} × /status at once during a ${RECIPIENTS}-recipient broadcast: every command answered`, async () => {
    const meta = {
      scenario: '7. Crowd of commands',
      fault: `${CROWD} users send /status at the same moment, ${Math.floor(RECIPIENTS / 5)} deliveries into a ${RECIPIENTS}-recipient broadcast`,
      checked: `every command answered within ${ANSWER_WITHIN_MS / 1000} s; latest state at every recipient; no duplicates; no crash`,
    };
    const violations = await runScenario(meta, bots, async () => {
      tg = await startTelegram({ recipients: RECIPIENTS, askers: CROWD + 1 });
      const dir = workDir('crowd');
      const storeUrl = `sqlite://${join(dir, 'store.sqlite')}`;
      await seedSubscribers(storeUrl, tg.recipients);
      bots.push(await startBot({ name: 'bot', dir, storeUrl, telegram: tg }));
      let unanswered: number[] = [];
      const outcome = await broadcastUnderFault({
        tg,
        story: story('CROWD'),
        bots: () => bots,
        faultAt: Math.floor(RECIPIENTS / 5),
        fault: async () => {
          const crowd = tg!.askers.slice(1);
          const asked = await askStatus(tg!, crowd, ANSWER_WITHIN_MS);
          unanswered = asked.unanswered;
          return {
            answered: `${asked.times.length}/${crowd.length}`,
            'answer p50 ms': percentile(asked.times, 50),
            'answer p95 ms': percentile(asked.times, 95),
            'answer max ms': asked.times.at(-1) ?? 'none',
          };
        },
      });
      const violations = commonViolations(outcome, bots, 0);
      if (unanswered.length) violations.push(`${unanswered.length} of ${CROWD} commands got no answer within ${ANSWER_WITHIN_MS / 1000} s`);
      return { violations, figures: { ...outcome.figures, ...commonFigures(outcome) } };
    });
    expect(violations).toEqual([]);
  }, 420_000);
});
