import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CallCounter,
  DUPLICATE_BOUND,
  FULL,
  SEEDS,
  askStatus,
  awaitLatest,
  awaitQuiet,
  judgeStory,
  prng,
  runScenario,
  seedSubscribers,
  sendStep,
  sleep,
  startBot,
  startTelegram,
  story,
  workDir,
  type Bot,
  type Telegram,
} from './harness.ts';

const RECIPIENTS = 2000;
const SEED_BASE = Number(process.env.CHAOS_SEED_BASE ?? 1);

/**
 * Scenario 1: a 2,000-recipient broadcast of a three-step story on SQLite; the bot is killed with
 * SIGKILL once or twice at seeded random points (counted in deliveries that reached the platform)
 * and restarted at once on the same file. The story's later steps arrive at seeded points too, so
 * kills land before, between and after them.
 */
export const crashSuite = (half: 'odd' | 'even'): void => {
  describe(`chaos: SIGKILL at seeded random points of a ${RECIPIENTS.toLocaleString('en')}-recipient broadcast (${half} seeds of ${SEEDS}${FULL ? '' : ', CI subset'})`, () => {
    let tg: Telegram | undefined;
    const bots: Bot[] = [];
    afterEach(async () => {
      for (const b of bots.splice(0)) await b.kill('SIGKILL');
      await tg?.stop();
      tg = undefined;
    });

    // Two files share the seeds, so that two vitest workers run them side by side.
    for (let seed = SEED_BASE + (half === 'odd' ? 0 : 1); seed < SEED_BASE + SEEDS; seed += 2) {
      it(`seed ${seed}: every recipient ends with the latest state, duplicates ≤ ${DUPLICATE_BOUND} per kill, nothing crashed`, async () => {
        const rng = prng(seed);
        const stepAt = [0, Math.floor(rng() * 1200)];
        stepAt.push(stepAt[1]! + Math.floor(rng() * 1000));
        const kills = Array.from({ length: 1 + Math.floor(rng() * 2) }, () => 50 + Math.floor(rng() * (RECIPIENTS - 100))).sort(
          (a, b) => a - b,
        );

        const meta = {
          scenario: `1. SIGKILL mid-broadcast, seed ${seed}`,
          fault: `SIGKILL ×${kills.length} at deliveries ≈${kills.join(', ')} of a ${RECIPIENTS}-recipient, 3-step broadcast (steps posted at ${stepAt.join('/')}); restart on the same SQLite file`,
          checked:
            'latest state at every recipient; duplicates per (recipient, step) ≤ in-flight window per kill; no crash; clean SIGTERM; /status answered',
        };
        const violations = await runScenario(meta, bots, async () => {
          tg = await startTelegram({ recipients: RECIPIENTS, askers: 1 });
          const dir = workDir(`crash-${seed}`);
          const storeUrl = `sqlite://${join(dir, 'store.sqlite')}`;
          await seedSubscribers(storeUrl, tg.recipients);
          const start = () => startBot({ name: `bot-${bots.length + 1}`, dir, storeUrl, telegram: tg! });
          bots.push(await start());
          const s = story(`K${seed}`);
          const counter = new CallCounter(tg.emu);
          const killedAt: number[] = [];
          const restartMs: number[] = [];
          const steps: Promise<unknown>[] = [];
          let nextStep = 0;
          let lastKill = Date.now();
          const deadline = Date.now() + 180_000;
          while ((nextStep < s.steps.length || killedAt.length < kills.length) && Date.now() < deadline) {
            const n = counter.deliveries();
            if (nextStep < s.steps.length && n >= stepAt[nextStep]!) steps.push(sendStep(s, nextStep++, () => bots));
            if (killedAt.length < kills.length && n >= kills[killedAt.length]!) {
              await bots.at(-1)!.kill('SIGKILL');
              killedAt.push(counter.deliveries());
              lastKill = Date.now();
              bots.push(await start());
              restartMs.push(Date.now() - lastKill);
            }
            await sleep(10);
          }
          await Promise.all(steps);
          const recoverMs = await awaitLatest(tg, s, 150_000);
          await awaitQuiet(tg);
          const asked = await askStatus(tg, tg.askers, 30_000);
          const verdict = judgeStory(tg, s);
          const last = bots.at(-1)!;
          const crashed = bots.filter((b) => b.crashed());
          await last.stop();
          const violations: string[] = [];
          if (killedAt.length < kills.length) violations.push(`only ${killedAt.length} of ${kills.length} kill points were reached`);
          if (verdict.stale.length)
            violations.push(
              `${verdict.stale.length} recipients do not show the latest state (e.g. ${verdict.stale.slice(0, 3).join(', ')})`,
            );
          if (verdict.duplicates > DUPLICATE_BOUND * kills.length)
            violations.push(`${verdict.duplicates} duplicates > ${DUPLICATE_BOUND} × ${kills.length} kills`);
          if (crashed.length || last.crashed())
            violations.push(
              `crashed: ${[...crashed, last]
                .filter((b) => b.crashed())
                .map((b) => `${b.name} (${b.exitInfo()})`)
                .join(', ')}`,
            );
          if (last.exitInfo() !== 'exit code 0') violations.push(`the last instance did not stop cleanly on SIGTERM (${last.exitInfo()})`);
          if (asked.unanswered.length) violations.push('/status after the restarts was not answered');
          return {
            violations,
            fault: `SIGKILL ×${kills.length} at deliveries ${killedAt.join(', ')} of a ${RECIPIENTS}-recipient, 3-step broadcast (steps posted at ${stepAt.join('/')}); restart on the same SQLite file`,
            figures: {
              duplicates: verdict.duplicates,
              'doubled roots': verdict.doubledRoots,
              'restart ms': restartMs.join('/'),
              'all latest after last kill ms': recoverMs === undefined ? 'never' : Date.now() - lastKill,
              sends: verdict.sends,
            },
          };
        });
        expect(violations).toEqual([]);
      }, 300_000);
    }
  });
};
