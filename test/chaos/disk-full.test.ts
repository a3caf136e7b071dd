import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  FULL,
  broadcastUnderFault,
  commonFigures,
  commonViolations,
  readyz,
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

const RECIPIENTS = FULL ? 600 : 300;
const FULL_MS = FULL ? 20_000 : 5_000;
const SIZE = '2m';

/** Mounting needs root (CAP_SYS_ADMIN); tried once, so the suite can say in one line that it did not run. */
const mountTmpfs = (dir: string): boolean =>
  spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${SIZE}`, 'tmpfs', dir], { stdio: 'ignore' }).status === 0;
const umount = (dir: string) => spawnSync('umount', ['-l', dir], { stdio: 'ignore' });

const probe = mkdtempSync(join(tmpdir(), 'sr-chaos-tmpfs-probe-'));
const CAN_MOUNT = mountTmpfs(probe);
if (CAN_MOUNT) umount(probe);
rmSync(probe, { recursive: true, force: true });

/** Writes until the file system says ENOSPC; returns the bytes written. */
const fill = (file: string): number => {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(16 * 1024, 1);
  let written = 0;
  try {
    for (;;) written += writeSync(fd, chunk);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  } finally {
    closeSync(fd);
  }
  return written;
};

/**
 * Scenario 6: SQLite on a 2 MB tmpfs. During a broadcast the disk fills up (a filler file takes
 * every free byte); a story step arrives while it is full; then the space comes back.
 */
describe.skipIf(!CAN_MOUNT)(`chaos: SQLite on a 2 MB tmpfs that fills up`, () => {
  let tg: Telegram | undefined;
  const bots: Bot[] = [];
  const mounts: string[] = [];
  afterEach(async () => {
    for (const b of bots.splice(0)) await b.kill('SIGKILL');
    for (const m of mounts.splice(0)) umount(m);
    await tg?.stop();
    tg = undefined;
  });

  it(`disk full for ${FULL_MS / 1000} s during a ${RECIPIENTS}-recipient broadcast: no crash, nothing lost once space is back`, async () => {
    const meta = {
      scenario: '6. SQLite disk full',
      fault: `SQLite on a 2 MB tmpfs; a filler file takes every free byte for ${FULL_MS / 1000} s during a ${RECIPIENTS}-recipient broadcast; a story step is posted while full`,
      checked: 'latest state at every recipient once space is back; no duplicates; no crash; /status answered',
    };
    const violations = await runScenario(meta, bots, async () => {
      const mount = workDir('tmpfs');
      if (!mountTmpfs(mount)) throw new Error(`mount -t tmpfs on ${mount} failed although the probe worked`);
      mounts.push(mount);
      const storeUrl = `sqlite://${join(mount, 'store.sqlite')}`;
      tg = await startTelegram({ recipients: RECIPIENTS, askers: 1 });
      await seedSubscribers(storeUrl, tg.recipients);
      bots.push(await startBot({ name: 'bot', dir: workDir('tmpfs-bot'), storeUrl, telegram: tg }));
      const bot = bots[0]!;
      const filler = join(mount, 'filler');
      const outcome = await broadcastUnderFault({
        tg,
        story: story('DISK'),
        bots: () => bots,
        faultAt: Math.floor(RECIPIENTS / 4),
        fault: async () => {
          const filled = fill(filler);
          const probes: number[] = [];
          const until = Date.now() + FULL_MS;
          while (Date.now() < until) {
            probes.push((await readyz(bot))?.status ?? 0);
            await sleep(1000);
          }
          rmSync(filler);
          return { 'filler bytes': filled, '/readyz while full': [...new Set(probes)].join('/') };
        },
      });
      const violations = commonViolations(outcome, bots, 0);
      if (bot.exitInfo() !== undefined) violations.push(`the bot exited (${bot.exitInfo()})`);
      return { violations, figures: { ...outcome.figures, ...commonFigures(outcome) } };
    });
    expect(violations).toEqual([]);
  }, 420_000);
});

describe.runIf(!CAN_MOUNT)('chaos: SQLite on a tiny tmpfs that fills up', () => {
  it(`was not run: mount -t tmpfs -o size=${SIZE} was refused (needs root)`, () => {});
});
