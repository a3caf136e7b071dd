import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryError } from '../../core/errors.ts';
import type { Target } from '../../core/model.ts';
import type { MessageModel } from '../../i18n/message.ts';
import type { ChatAdapter } from '../adapter.ts';
import { startDiscordRig, type DiscordRig } from '../../../test/emulators/discord/app.ts';
import { classifyDiscordError } from './errors.ts';

const message: MessageModel = { locale: 'en', dir: 'ltr', severity: 'minor', title: 'Chatter · Minor incident', fields: [], advice: [] };
const MESSAGES = 'POST /channels/:id/messages';

/** The real discord.js REST client against the emulator: every Discord failure becomes one typed DeliveryError. */
describe('Discord errors → DeliveryError', () => {
  let rig: DiscordRig;
  let adapter: ChatAdapter;
  const channel = (id: string): Target => ({ platform: 'discord', chatId: id, kind: 'channel' });
  const failure = async (p: Promise<unknown>): Promise<DeliveryError> => {
    const e = await p.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(DeliveryError);
    return e as DeliveryError;
  };
  const requestsTo = (path: string) => rig.emu.state.requests.filter((r) => r.path === path).length;

  beforeAll(async () => {
    rig = await startDiscordRig(() => 'service: { name: Chatter }');
    adapter = rig.t.app.adapters.get('discord')!;
  });
  afterAll(() => rig?.stop());

  it('passes a 429 to delivery with Discord’s retry-after instead of sleeping on it', async () => {
    const id = rig.emu.addChannel();
    rig.emu.limits.force(MESSAGES, 2);
    const e = await failure(adapter.send(channel(id), message));
    expect(e.kind).toBe('rate_limited');
    expect(e.retryAfterMs).toBeGreaterThanOrEqual(2000);
    expect(e.retryAfterMs).toBeLessThan(2500);
    expect(e.code).not.toBe('global');
    expect(e.scope).toBe('target');
    expect(requestsTo(`/channels/${id}/messages`)).toBe(1);
  });

  it('refuses locally once the X-RateLimit headers said the bucket is empty: no 429 reaches Discord', async () => {
    const id = rig.emu.addChannel();
    const saved = rig.emu.limits.rules;
    rig.emu.limits.rules = { ...saved, routes: { ...saved.routes, [MESSAGES]: { limit: 1, windowMs: 10_000 } } };
    try {
      // discord.js learns a route's bucket id from its first answer and keys its state by it from then on.
      await adapter.send(channel(rig.emu.addChannel()), message);
      await adapter.send(channel(id), message);
      const e = await failure(adapter.send(channel(id), message));
      expect(e.kind).toBe('rate_limited');
      expect(e.retryAfterMs).toBeGreaterThan(5000);
      expect(rig.emu.state.requests.filter((r) => r.path === `/channels/${id}/messages`).map((r) => r.status)).toEqual([200]);
    } finally {
      rig.emu.limits.rules = saved;
    }
  });

  it.each([
    ['deleted channel (10003)', () => channel('1234567890123456789'), '10003'],
    ['channel the bot cannot see (50001)', () => channel(rig.emu.addChannel({ access: false })), '50001'],
    [
      'user who closed DMs (50007)',
      () => ({ platform: 'discord', chatId: rig.emu.addUser({ dmsOpen: false }), kind: 'dm' }) as Target,
      '50007',
    ],
    ['user who no longer exists (10013)', () => ({ platform: 'discord', chatId: '1234567890123456780', kind: 'dm' }) as Target, '10013'],
  ])('reports a %s as target_gone', async (_what, target, code) => {
    expect(await failure(adapter.send(target(), message))).toMatchObject({ kind: 'target_gone', code });
  });

  it('treats a 5xx as transient, tried once: delivery decides when to retry', async () => {
    const id = rig.emu.addChannel();
    rig.emu.failNext(MESSAGES, 502, { message: 'Bad Gateway', code: 0 });
    expect(await failure(adapter.send(channel(id), message))).toMatchObject({ kind: 'transient', code: '502' });
    expect(requestsTo(`/channels/${id}/messages`)).toBe(1);
  });

  it('treats other 4xx as permanent (an edit of a deleted message, an invalid form body)', async () => {
    const id = rig.emu.addChannel();
    expect(await failure(adapter.edit!({ platform: 'discord', chatId: id, messageId: '1234567890123456781' }, message))).toMatchObject({
      kind: 'permanent',
      code: '10008',
    });
    rig.emu.failNext(MESSAGES, 400, { message: 'Invalid Form Body', code: 50035 });
    expect(await failure(adapter.send(channel(id), message))).toMatchObject({ kind: 'permanent', code: '50035' });
  });

  it('classifies network failures as transient', () => {
    expect(classifyDiscordError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toMatchObject({
      kind: 'transient',
      code: 'network',
    });
  });

  // Last: a global 429 holds every route for a second, and after a 401 discord.js drops the token.
  it('marks a global 429 as global so delivery pauses the whole platform, and refuses the next call locally', async () => {
    rig.emu.limits.force(MESSAGES, 1, true);
    expect(await failure(adapter.send(channel(rig.emu.addChannel()), message))).toMatchObject({
      kind: 'rate_limited',
      code: 'global',
      scope: 'platform',
    });
    const id = rig.emu.addChannel();
    expect(await failure(adapter.send(channel(id), message))).toMatchObject({ kind: 'rate_limited', code: 'global', scope: 'platform' });
    expect(requestsTo(`/channels/${id}/messages`)).toBe(0);
  });

  it('reports a 401 as auth', async () => {
    await rig.stop();
    rig = await startDiscordRig(() => 'service: { name: Chatter }');
    adapter = rig.t.app.adapters.get('discord')!;
    rig.emu.failNext(MESSAGES, 401, { message: '401: Unauthorized', code: 0 });
    expect(await failure(adapter.send(channel(rig.emu.addChannel()), message))).toMatchObject({ kind: 'auth' });
  });
});
