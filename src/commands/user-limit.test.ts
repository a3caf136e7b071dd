import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../storage/store.ts';
import { memoryCounter } from '../storage/counter.ts';
import { CommandBudget, type Admission } from './user-limit.ts';
import { startTestApp, type TestApp } from '../../test/helpers/app.ts';

/**
 * The per-user command limit is fleet-wide: two instances on one real store draw on one budget,
 * counted with the engine's own atomics (no lost counts when both count at once).
 */
const dir = mkdtempSync(join(tmpdir(), 'sr-limit-'));
const run = `${process.pid}-${Date.now()}`;
const kinds = (as: readonly Admission[]) => as.map((a) => a.kind);

const engines: [string, string | undefined][] = [
  ['sqlite', `sqlite://${join(dir, 'shared.sqlite')}`],
  ['redis', process.env.TEST_REDIS_URL],
  ['postgres', process.env.TEST_POSTGRES_URL],
];

for (const [engine, url] of engines) {
  describe.skipIf(!url)(
    `command limit shared by two instances on ${engine}${url ? '' : ` (was not run: TEST_${engine.toUpperCase()}_URL is not set)`}`,
    () => {
      const stores: Store[] = [];
      afterAll(async () => {
        for (const s of stores) await s.close();
      });
      const two = async (windowMs: number): Promise<[CommandBudget, CommandBudget]> => {
        const a = await openStore(url!);
        const b = await openStore(url!);
        stores.push(a, b);
        return [
          new CommandBudget(a.counter('commands'), undefined, 10, windowMs),
          new CommandBudget(b.counter('commands'), undefined, 10, windowMs),
        ];
      };

      it('counts one budget across both: ten answers, one polite refusal, then quiet; others unaffected; a new window starts afresh', async () => {
        const [a, b] = await two(1500);
        const user = `${engine}:${run}:alice`;
        const got: Admission[] = [];
        for (let i = 0; i < 12; i++) got.push(await (i % 2 ? b : a).admit(user));
        expect(kinds(got)).toEqual([...Array<string>(10).fill('answer'), 'slow_down', 'quiet']);
        const refusal = got[10] as { seconds: number };
        expect(refusal.seconds).toBeGreaterThanOrEqual(1);
        expect(refusal.seconds).toBeLessThanOrEqual(2);
        expect((await b.admit(`${engine}:${run}:bob`)).kind).toBe('answer');
        await new Promise((r) => setTimeout(r, 1600));
        expect((await a.admit(user)).kind).toBe('answer');
      });

      it('loses no count when both instances count the same user at once', async () => {
        const [a, b] = await two(30_000);
        const user = `${engine}:${run}:crowd`;
        const got = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? b : a).admit(user)));
        const count = (k: Admission['kind']) => got.filter((a) => a.kind === k).length;
        expect({ answer: count('answer'), slow_down: count('slow_down'), quiet: count('quiet') }).toEqual({
          answer: 10,
          slow_down: 1,
          quiet: 29,
        });
      });
    },
  );
}

describe.skipIf(!process.env.TEST_REDIS_URL)(
  `two Apps on one Redis share a user's command budget${process.env.TEST_REDIS_URL ? '' : ' (was not run: TEST_REDIS_URL is not set)'}`,
  () => {
    const apps: TestApp[] = [];
    afterAll(async () => {
      for (const t of apps) await t.stop();
    });
    it('answers ten commands spread over both, then the eleventh on either gets the localized slow-down', async () => {
      const yaml =
        'service: { name: Chatter, locales: [en, de] }\nsources: [{ id: gen, type: webhook, format: generic, insecure: true }]\n';
      const env = { STORE_URL: process.env.TEST_REDIS_URL! };
      apps.push(await startTestApp(yaml, env, { start: false }), await startTestApp(yaml, env, { start: false }));
      const userId = `u-${run}`;
      const ask = (t: TestApp) =>
        t.app.router.handle({
          platform: 'slack',
          userId,
          chatId: 'D1',
          chatKind: 'dm',
          command: 'subscriptions',
          args: [],
          localeHint: 'de-DE',
        });
      for (let i = 0; i < 10; i++) expect((await ask(apps[i % 2]!)).message.title).not.toMatch(/zu schnell/);
      const over = await ask(apps[1]!);
      expect(over.message.title).toMatch(/^Sie senden Befehle zu schnell; bitte warten Sie \d+ s\.$/);
      expect(over.quiet).toBeUndefined();
      expect((await ask(apps[0]!)).quiet).toBe(true);
    });
  },
);

describe('command limit without a store', () => {
  it('counts in memory with the same rules', async () => {
    let now = 0;
    const budget = new CommandBudget(
      memoryCounter(() => now),
      undefined,
      2,
      1000,
    );
    expect(kinds([await budget.admit('u'), await budget.admit('u'), await budget.admit('u'), await budget.admit('u')])).toEqual([
      'answer',
      'answer',
      'slow_down',
      'quiet',
    ]);
    now += 1000;
    expect((await budget.admit('u')).kind).toBe('answer');
  });

  it('answers when the store fails instead of refusing everyone', async () => {
    const budget = new CommandBudget({ increment: () => Promise.reject(new Error('store down')) }, undefined);
    expect((await budget.admit('u')).kind).toBe('answer');
  });
});
