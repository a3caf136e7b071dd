import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Fanout, PRIORITY, type Recipient } from './fanout.ts';
import { ComponentCatalog } from './components.ts';
import { parseConfigText, type AnnounceConfig } from './config.ts';
import { chatKey, userKey, type ChannelAnnouncement, type Subscription, type UserPrefs } from './recipients.ts';
import { openStore, type Store } from '../storage/store.ts';
import { targetKey, type Severity, type StatusEvent } from './model.ts';

const componentEvent = (component: string, severity: Severity): StatusEvent => ({
  type: 'component',
  id: `component:${component}:${severity}`,
  component: { id: component, name: component, status: severity === 'critical' ? 'major_outage' : 'partial_outage' },
  previous: 'operational',
  severity,
  at: '2026-12-02T06:00:00.000Z',
});

const config = parseConfigText(
  `
components:
  - { id: api, name: Backend API }
  - { id: web, name: Website }
announce:
  - { platform: console, chat: ops }
  - { platform: slack, chat: C1, components: ['Backend API'], minSeverity: major }
  - { platform: discord, chat: D1 }
`,
  {},
);

let store: Store;
beforeEach(async () => {
  store = await openStore(`sqlite://${join(mkdtempSync(join(tmpdir(), 'sr-fanout-')), 'store.sqlite')}`);
});
afterEach(async () => store.close());

const fanout = (over: { announce?: readonly AnnounceConfig[]; paused?: Set<string>; now?: () => number } = {}) =>
  new Fanout(store, {
    announce: over.announce ?? config.announce,
    catalog: new ComponentCatalog(config.components),
    defaultLocale: 'en',
    enabled: (p) => p !== 'discord',
    paused: over.paused ?? new Set(),
    ...(over.now ? { now: over.now } : {}),
  });
const collect = async (f: Fanout, e: StatusEvent): Promise<Recipient[]> => {
  const out: Recipient[] = [];
  for await (const r of f.recipients(e)) out.push(r);
  return out;
};
const who = (rs: readonly Recipient[]) => rs.map((r) => `${r.origin}:${r.target.platform}:${r.target.chatId}`);

describe('Fanout (real SQLite, no App)', () => {
  it.each<[string, Severity, string[]]>([
    ['web', 'minor', ['config:console:ops']],
    ['api', 'minor', ['config:console:ops']],
    ['api', 'major', ['config:console:ops', 'config:slack:C1']],
  ])('config targets: %s at %s → %j (component name, minSeverity, disabled platform)', async (component, severity, expected) => {
    expect(who(await collect(fanout(), componentEvent(component, severity)))).toEqual(expected);
  });

  it('adds /announce channels and subscribers, each target once, paused ones left out', async () => {
    const ch: ChannelAnnouncement = { platform: 'console', chatId: 'ops', components: [], minSeverity: 'minor', createdAt: '' };
    const other: ChannelAnnouncement = { ...ch, chatId: 'room', threadId: 't1', locale: 'de' };
    await store.namespace('announce').set(chatKey('console', 'ops'), ch);
    await store.namespace('announce').set(chatKey('console', 'room', 't1'), other);
    const sub = (userId: string, components: string[]): Subscription => ({ platform: 'console', userId, components, createdAt: '' });
    await store.namespace('subscriptions').set(userKey('console', 'u1'), sub('u1', []));
    await store.namespace('subscriptions').set(userKey('console', 'u2'), sub('u2', ['web']));
    await store.namespace('subscriptions').set(userKey('console', 'u3'), sub('u3', ['Backend API']));
    await store.namespace('users').set(userKey('console', 'u1'), { locale: 'fr' } satisfies UserPrefs);
    const rs = await collect(
      fanout({ paused: new Set([targetKey({ platform: 'console', kind: 'dm', chatId: 'u3' })]) }),
      componentEvent('api', 'minor'),
    );
    expect(who(rs)).toEqual(['config:console:ops', 'announce:console:room', 'subscription:console:u1']);
    expect(rs[1]).toMatchObject({ locale: 'de', priority: PRIORITY.channel, target: { threadId: 't1' } });
    const rs2 = await collect(fanout(), componentEvent('api', 'minor'));
    expect(who(rs2)).toEqual(['config:console:ops', 'announce:console:room', 'subscription:console:u1', 'subscription:console:u3']);
    expect(rs2[2]).toMatchObject({ locale: 'fr', priority: PRIORITY.dm, target: { kind: 'dm' } });
  });

  it('holds a subscriber in quiet hours until they end, except for a critical event', async () => {
    const wall = Date.UTC(2026, 11, 2, 23, 0, 0);
    await store.namespace('subscriptions').set(userKey('console', 'u1'), {
      platform: 'console',
      userId: 'u1',
      components: [],
      createdAt: '',
    } satisfies Subscription);
    await store
      .namespace('users')
      .set(userKey('console', 'u1'), { quiet: { from: '22:00', to: '07:00', timeZone: 'UTC' } } satisfies UserPrefs);
    const f = fanout({ announce: [], now: () => wall });
    const [held] = await collect(f, componentEvent('api', 'major'));
    expect(held?.holdUntil).toBeDefined();
    expect(held!.holdUntil! - Date.now()).toBeGreaterThan(7 * 3_600_000 + 59 * 60_000);
    const [critical] = await collect(f, componentEvent('api', 'critical'));
    expect(critical?.holdUntil).toBeUndefined();
  });
});
