import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FlapGuard } from './flap.ts';
import { parseConfigText } from './config.ts';
import { openStore, type Store } from '../storage/store.ts';
import type { ComponentStatus, StatusEvent } from './model.ts';

const SETTINGS = { windowMs: 60_000, maxPerWindow: 2, settleMs: 30_000 };
const T0 = Date.UTC(2026, 11, 2, 6, 0, 0);

let n = 0;
const change = (component: string, status: ComponentStatus, at: number): StatusEvent =>
  ({
    type: 'component',
    id: `ev-${++n}`,
    sourceId: 'page',
    at: new Date(at).toISOString(),
    severity: status === 'operational' ? 'none' : 'major',
    component: { id: component, name: component, status },
    previous: status === 'operational' ? 'major_outage' : 'operational',
  }) as unknown as StatusEvent;

/** Flips a component `times` times, one second apart from `from`; returns the events let through. */
const flip = (guard: FlapGuard, component: string, times: number, from: number): StatusEvent[] =>
  Array.from({ length: times }, (_, i) =>
    guard.filter([change(component, i % 2 ? 'operational' : 'major_outage', from + i * 1000)], from + i * 1000),
  ).flat();

describe('FlapGuard', () => {
  it.each([
    [1, 1],
    [2, 2],
    [10, 2],
  ])('%i changes within a minute → %i announced', (times, announced) => {
    expect(flip(new FlapGuard(SETTINGS), 'api', times, T0)).toHaveLength(announced);
  });

  it('keeps components apart and lets incidents through untouched', () => {
    const guard = new FlapGuard(SETTINGS);
    flip(guard, 'api', 5, T0);
    expect(flip(guard, 'web', 1, T0 + 5000)).toHaveLength(1);
    const incident = { type: 'incident', id: 'inc-1' } as unknown as StatusEvent;
    expect(guard.filter([incident], T0 + 6000)).toEqual([incident]);
  });

  it('owes one summary with the count and the current status once the component is still for settleMs', () => {
    const guard = new FlapGuard(SETTINGS);
    flip(guard, 'api', 7, T0);
    const lastChange = T0 + 6000;
    expect(guard.due(lastChange + SETTINGS.settleMs - 1)).toEqual([]);
    const [summary, ...rest] = guard.due(lastChange + SETTINGS.settleMs);
    expect(rest).toEqual([]);
    expect(summary).toMatchObject({
      type: 'component',
      component: { id: 'api', status: 'major_outage' },
      flaps: { changes: 7, since: new Date(T0 + 2000).toISOString() },
    });
    expect(guard.due(lastChange + SETTINGS.settleMs * 2)).toEqual([]);
  });

  describe('across a restart (the state in a real SQLite store)', () => {
    let store: Store | undefined;
    afterEach(async () => store?.close());

    it('a new guard on the same store keeps holding the changes back and still owes the summary', async () => {
      store = await openStore(`sqlite://${join(mkdtempSync(join(tmpdir(), 'sr-flap-')), 'store.sqlite')}`);
      const kv = store.namespace('flaps');
      const before = new FlapGuard(SETTINGS, () => kv);
      expect(flip(before, 'api', 4, T0)).toHaveLength(2);
      await before.persist();

      const after = new FlapGuard(SETTINGS, () => kv);
      await after.load();
      expect(flip(after, 'api', 3, T0 + 4000)).toHaveLength(0);
      await after.persist();
      const [summary] = after.due(T0 + 6000 + SETTINGS.settleMs);
      expect(summary).toMatchObject({ component: { id: 'api' }, flaps: { changes: 7 } });

      // Without the store the restarted guard would have announced the first two changes again.
      expect(flip(new FlapGuard(SETTINGS), 'api', 3, T0 + 4000)).toHaveLength(2);
    });
  });
});

describe('flap settings in the config file', () => {
  it('default to 2 announcements a minute and a 1-minute settle, and accept durations', () => {
    expect(parseConfigText('service: { name: X }', {}).flap).toEqual({ window: 60_000, maxPerWindow: 2, settle: 60_000 });
    expect(parseConfigText('flap: { window: 5m, maxPerWindow: 3, settle: 90s }', {}).flap).toEqual({
      window: 300_000,
      maxPerWindow: 3,
      settle: 90_000,
    });
    expect(() => parseConfigText('flap: { maxPerWindow: 0 }', {})).toThrow(/flap\.maxPerWindow/);
  });
});
