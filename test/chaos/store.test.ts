import { afterEach, describe, expect, it } from 'vitest';
import { PASS, TcpFaultProxy, type FaultMode } from '../helpers/fault-proxy.ts';
import {
  DUPLICATE_BOUND,
  FULL,
  broadcastUnderFault,
  commonFigures,
  commonViolations,
  hasCommand,
  readyz,
  runScenario,
  seedSubscribers,
  sleep,
  startBot,
  startOwnRedis,
  startTelegram,
  story,
  workDir,
  type Bot,
  type Telegram,
} from './harness.ts';

const RECIPIENTS = FULL ? 2000 : 300;
const FAULT_MS = FULL ? 20_000 : 5_000;

const FAULTS: { name: string; mode: FaultMode }[] = [
  { name: 'delay 400 ms', mode: { kind: 'delay', ms: 400 } },
  { name: 'blackhole', mode: { kind: 'blackhole' } },
  { name: 'reset', mode: { kind: 'reset' } },
];

/**
 * Scenario 3: the store (a real redis-server) sits behind the TCP fault proxy; for a few seconds
 * of a broadcast every byte to it is late, held (a partition), or every connection is reset.
 */
describe.skipIf(!hasCommand('redis-server'))('chaos: the store behind a fault proxy (delay / blackhole / reset)', () => {
  let tg: Telegram | undefined;
  const bots: Bot[] = [];
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const b of bots.splice(0)) await b.kill('SIGKILL');
    for (const c of cleanup.splice(0).reverse()) await c();
    await tg?.stop();
    tg = undefined;
  });

  for (const { name, mode } of FAULTS) {
    it(`redis ${name} for ${FAULT_MS / 1000} s during a ${RECIPIENTS}-recipient broadcast: the latest state everywhere, no crash`, async () => {
      const bound = mode.kind === 'delay' ? 0 : DUPLICATE_BOUND;
      const meta = {
        scenario: `3. Store ${name}`,
        fault: `redis-server behind the TCP proxy: ${name} for ${FAULT_MS / 1000} s during a ${RECIPIENTS}-recipient broadcast; a story step is posted during the fault`,
        checked: `latest state at every recipient; duplicates ≤ ${bound}; no crash; /status answered after`,
      };
      const violations = await runScenario(meta, bots, async () => {
        const redis = await startOwnRedis();
        cleanup.push(() => redis.stop());
        const proxy = new TcpFaultProxy({ host: '127.0.0.1', port: Number(new URL(redis.url).port) });
        await proxy.start();
        cleanup.push(() => proxy.stop());
        const storeUrl = `redis://${proxy.address}`;
        tg = await startTelegram({ recipients: RECIPIENTS, askers: 1 });
        await seedSubscribers(storeUrl, tg.recipients);
        bots.push(await startBot({ name: 'bot', dir: workDir(`store-${mode.kind}`), storeUrl, telegram: tg }));
        const bot = bots[0]!;
        const outcome = await broadcastUnderFault({
          tg,
          story: story(`S${mode.kind}`),
          bots: () => bots,
          faultAt: Math.floor(RECIPIENTS / 4),
          fault: async () => {
            const sendsBefore = tg!.emu.calls.length;
            proxy.setMode(mode);
            const probes: number[] = [];
            const probing = (async () => {
              while (proxy.mode.kind !== 'pass') {
                const started = Date.now();
                const r = await readyz(bot);
                probes.push(r?.status ?? 0);
                await sleep(Math.max(0, 1000 - (Date.now() - started)));
              }
            })();
            await sleep(FAULT_MS);
            proxy.setMode(PASS);
            await probing;
            return {
              'sends during fault': tg!.emu.calls.length - sendsBefore,
              '/readyz during fault': [...new Set(probes)].join('/') || 'no answer',
            };
          },
        });
        return { violations: commonViolations(outcome, bots, bound), figures: { ...outcome.figures, ...commonFigures(outcome) } };
      });
      expect(violations).toEqual([]);
    }, 420_000);
  }
});

describe.runIf(!hasCommand('redis-server'))('chaos: the store behind a fault proxy', () => {
  it('was not run: redis-server is not installed (.ci/run installs it)', () => {});
});
