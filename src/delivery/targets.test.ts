import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TargetDirectory } from './targets.ts';
import { chatKey, userKey, type ChannelAnnouncement, type Subscription } from '../core/recipients.ts';
import { targetKey, type Target } from '../core/model.ts';
import { openStore, type Store } from '../storage/store.ts';

let store: Store;
let paused: Set<string>;
let dir: TargetDirectory;
beforeEach(async () => {
  store = await openStore(`sqlite://${join(mkdtempSync(join(tmpdir(), 'sr-targets-')), 'store.sqlite')}`);
  paused = new Set();
  dir = new TargetDirectory({
    subscriptions: store.namespace('subscriptions'),
    announcements: store.namespace('announce'),
    paused,
    log: pino({ level: 'silent' }),
  });
});
afterEach(async () => store.close());

const channel = (chatId: string, threadId?: string): Target => ({
  platform: 'telegram',
  kind: 'channel',
  chatId,
  ...(threadId ? { threadId } : {}),
});
const announcement = (chatId: string): ChannelAnnouncement => ({
  platform: 'telegram',
  chatId,
  components: ['api'],
  locale: 'de',
  minSeverity: 'minor',
  createdAt: '2026-12-02T06:00:00.000Z',
});

describe('TargetDirectory (real SQLite, no App)', () => {
  it('a gone subscriber is forgotten; a gone /announce channel too; a gone configured chat is paused', async () => {
    const sub: Subscription = { platform: 'telegram', userId: 'u1', components: [], createdAt: '' };
    await store.namespace('subscriptions').set(userKey('telegram', 'u1'), sub);
    await store.namespace('announce').set(chatKey('telegram', '-1', 't'), announcement('-1'));
    await dir.forget({ platform: 'telegram', kind: 'dm', chatId: 'u1' }, 'subscription');
    await dir.forget(channel('-1', 't'), 'announce');
    await dir.forget(channel('-2'), 'config');
    expect(await store.namespace('subscriptions').get(userKey('telegram', 'u1'))).toBeUndefined();
    expect(await store.namespace('announce').get(chatKey('telegram', '-1', 't'))).toBeUndefined();
    expect([...paused]).toEqual([targetKey(channel('-2'))]);
  });

  it('a moved /announce channel keeps its settings under the new chat id; a moved configured chat is paused', async () => {
    await store.namespace('announce').set(chatKey('telegram', '-1'), announcement('-1'));
    await dir.move(channel('-1'), channel('-100'), 'announce');
    expect(await store.namespace('announce').get(chatKey('telegram', '-1'))).toBeUndefined();
    expect(await store.namespace('announce').get(chatKey('telegram', '-100'))).toEqual({ ...announcement('-1'), chatId: '-100' });
    await dir.move(channel('-3'), channel('-300'), 'config');
    expect(paused.has(targetKey(channel('-3')))).toBe(true);
  });
});
