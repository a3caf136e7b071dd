import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hasCommand, startOwnRedis, type OwnRedis } from '../helpers/services.ts';
import { waitFor } from '../helpers/child.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { openStore, type Store } from '../../src/storage/store.ts';
import { StoreUnavailableError } from '../../src/core/errors.ts';
import type { AdapterState, ChatAdapter, PostedRef, SendOptions } from '../../src/adapters/adapter.ts';
import type { Target } from '../../src/core/model.ts';
import type { MessageModel } from '../../src/i18n/message.ts';

const TIMEOUT_MS = 800;

/** How long a call took to settle, and how. */
const settle = async (p: Promise<unknown>): Promise<{ ms: number; error: unknown }> => {
  const started = Date.now();
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  return { ms: Date.now() - started, error };
};

const suite = hasCommand('redis-server') ? describe : describe.skip;
if (!hasCommand('redis-server')) describe('store with Redis down', () => it('was not run: redis-server is not installed', () => {}));

suite('store with Redis down (its own redis-server, paused with SIGSTOP)', () => {
  let redis: OwnRedis;
  beforeAll(async () => {
    redis = await startOwnRedis();
  });
  afterEach(() => redis.resume());
  afterAll(async () => {
    await redis.stop();
  });

  it('every call rejects with StoreUnavailableError within the timeout, ping says false, and all recovers after SIGCONT', async () => {
    const store: Store = await openStore(redis.url, { timeoutMs: TIMEOUT_MS });
    try {
      const kv = store.namespace('posts');
      await kv.set('story', { root: 'm1' });
      redis.pause();
      // Each settled at once, all in flight together, as a busy bot's calls would be.
      const calls: [string, Promise<{ ms: number; error: unknown }>][] = (<[string, Promise<unknown>][]>[
        ['get', kv.get('story')],
        ['getMany', kv.getMany(['story', 'other'])],
        ['set', kv.set('story', { root: 'm2' })],
        ['setMany', kv.setMany([['a', 1]], 1000)],
        ['delete', kv.delete('story')],
        ['deleteMany', kv.deleteMany(['a'])],
        [
          'entries',
          (async () => {
            for await (const _ of kv.entries()) void _;
          })(),
        ],
        ['lease', store.lease('leader').acquire('h:1:s1.1:x', 1000)],
      ]).map(([name, call]) => [name, settle(call)]);
      for (const [name, call] of calls) {
        const { ms, error } = await call;
        expect(error, name).toBeInstanceOf(StoreUnavailableError);
        // Within the timeout (with slack for a loaded machine), never a hang.
        expect(ms, name).toBeLessThan(TIMEOUT_MS * 4);
      }
      expect(await store.ping()).toBe(false);
      redis.resume();
      await waitFor(() => store.ping(), 20_000);
      // Whatever the paused calls did once the server woke up, the store answers again by itself.
      await kv.set('after', 'ok');
      expect(await kv.get('after')).toBe('ok');
    } finally {
      await store.close();
    }
  }, 60_000);

  it('a read that the server refuses (NOPERM) rejects instead of reading as "absent"', async () => {
    const store = await openStore(redis.url, { timeoutMs: TIMEOUT_MS });
    try {
      await store.namespace('posts').set('story', { root: 'm1' });
      await redis.command('ACL', 'SETUSER', 'default', '-get');
      await expect(store.namespace('posts').get('story')).rejects.toBeInstanceOf(StoreUnavailableError);
    } finally {
      await redis.command('ACL', 'SETUSER', 'default', '+get');
      await store.close();
    }
  });

  describe('the bot', () => {
    const yaml = `
service: { name: Chatter, locales: [en] }
sources: [{ id: gen, type: webhook, format: generic, insecure: true }]
announce:
  - { platform: console, channel: "#ops", locale: en }
`;
    interface Sent {
      chat: string;
      replyTo?: string;
      kind: 'send' | 'edit';
    }
    let bot: TestApp;
    const sent: Sent[] = [];
    let state: AdapterState = 'connected';
    let counter = 0;
    const adapter: ChatAdapter = {
      platform: 'console',
      start: async () => undefined,
      stop: async () => undefined,
      state: () => state,
      async send(target: Target, _m: MessageModel, o?: SendOptions): Promise<PostedRef> {
        sent.push({ chat: target.chatId, kind: 'send', ...(o?.replyTo ? { replyTo: o.replyTo.messageId } : {}) });
        return { platform: 'console', chatId: target.chatId, messageId: `m${++counter}` };
      },
      async edit(ref: PostedRef): Promise<void> {
        sent.push({ chat: ref.chatId, kind: 'edit', replyTo: ref.messageId });
      },
    };
    const post = (body: unknown) =>
      fetch(`${bot.baseUrl}/webhooks/gen`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    const incident = (status: string, message: string) => ({
      incident: { id: 'rd-1', name: 'Redis hiccup', status, impact: 'major', message },
    });

    beforeAll(async () => {
      bot = await startTestApp(
        yaml,
        { STORE_URL: redis.url },
        { adapters: [adapter], storeTimeoutMs: TIMEOUT_MS, limits: { console: { globalPerSecond: 1000, perChatIntervalMs: 0 } } },
      );
    });
    afterAll(async () => {
      redis.resume();
      await bot?.stop();
    });

    it('/readyz answers 503 with store "down" within 2 s while paused, and writes nothing', async () => {
      const sets = async () => Number(/cmdstat_set:calls=(\d+)/.exec(String(await redis.command('INFO', 'commandstats')))?.[1] ?? 0);
      const before = await sets();
      for (let i = 0; i < 5; i++) expect((await fetch(`${bot.baseUrl}/readyz`)).status).toBe(200);
      expect(await sets()).toBe(before);

      redis.pause();
      const started = Date.now();
      const res = await fetch(`${bot.baseUrl}/readyz`, { signal: AbortSignal.timeout(10_000) });
      expect(Date.now() - started).toBeLessThan(2000);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ ready: false, store: 'down' });
      redis.resume();
      await waitFor(async () => (await fetch(`${bot.baseUrl}/readyz`)).status === 200, 20_000);
    }, 60_000);

    it('a webhook that cannot be recorded gets 503 with Retry-After; a post read that fails is retried, never a second top-level post', async () => {
      expect((await post(incident('investigating', 'Looking.'))).status).toBe(202);
      await waitFor(() => sent.length === 1);
      expect(sent[0]).toEqual({ chat: '#ops', kind: 'send' });
      // Let the story ref reach the store (it is written in batches).
      await new Promise((r) => setTimeout(r, 300));

      redis.pause();
      const refused = await post(incident('identified', 'Found it.'));
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
      redis.resume();
      await waitFor(() => bot.app.store.ping());

      // Recorded while the adapter is away; delivery then has to read the story ref from a paused store.
      state = 'down';
      expect((await post(incident('identified', 'Found it.'))).status).toBe(202);
      redis.pause();
      state = 'connected';
      bot.app.delivery.poke();
      // Several reads fail meanwhile (each within the timeout); nothing may be sent as a new story.
      await new Promise((r) => setTimeout(r, TIMEOUT_MS * 4));
      expect(sent.filter((s) => s.kind === 'send' && !s.replyTo)).toHaveLength(1);
      redis.resume();

      await waitFor(() => sent.some((s) => s.kind === 'send' && s.replyTo === 'm1'), 30_000);
      expect(sent.filter((s) => s.kind === 'send' && !s.replyTo)).toHaveLength(1);
      expect(sent.filter((s) => s.kind === 'edit')).toEqual([{ chat: '#ops', kind: 'edit', replyTo: 'm1' }]);
    }, 90_000);
  });
});
