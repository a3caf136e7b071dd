import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { DiscordEmulator } from './index.ts';

/** The emulator itself must be as strict as Discord, or the adapter tests prove nothing. */
describe('Discord emulator', () => {
  let emu: DiscordEmulator;
  beforeAll(async () => {
    emu = await new DiscordEmulator().start();
  });
  afterAll(() => emu.stop());

  const rest = (method: string, path: string, body?: unknown, token = emu.token) =>
    fetch(`${emu.apiUrl}/v10${path}`, {
      method,
      headers: { authorization: `Bot ${token}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });

  const frames = (ws: WebSocket) => {
    const queue: { op: number; t?: string; d: Record<string, unknown> }[] = [];
    let wake: (() => void) | undefined;
    ws.on('message', (raw) => {
      queue.push(JSON.parse(raw.toString()));
      wake?.();
    });
    return async () => {
      while (!queue.length) await new Promise<void>((r) => (wake = r));
      return queue.shift()!;
    };
  };

  it('speaks the gateway handshake: HELLO, IDENTIFY → READY with no guilds, heartbeat → ACK', async () => {
    const { url } = (await (await rest('GET', '/gateway/bot')).json()) as { url: string };
    const ws = new WebSocket(`${url}?v=10&encoding=json`);
    const next = frames(ws);
    expect(await next()).toMatchObject({ op: 10, d: { heartbeat_interval: 41_250 } });
    ws.send(JSON.stringify({ op: 2, d: { token: emu.token, intents: 1, properties: {} } }));
    expect(await next()).toMatchObject({ op: 0, t: 'READY', d: { guilds: [], application: { id: emu.applicationId } } });
    ws.send(JSON.stringify({ op: 1, d: 1 }));
    expect(await next()).toMatchObject({ op: 11 });
    ws.close();
  });

  it('closes the gateway with 4004 on a wrong token', async () => {
    const { url } = (await (await rest('GET', '/gateway/bot')).json()) as { url: string };
    const ws = new WebSocket(url);
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    ws.on('open', () => ws.send(JSON.stringify({ op: 2, d: { token: 'wrong' } })));
    expect(await closed).toBe(4004);
  });

  it('answers 401 without the bot token and 50035 over the content limit', async () => {
    const ch = emu.addChannel();
    expect((await rest('POST', `/channels/${ch}/messages`, { content: 'x' }, 'wrong')).status).toBe(401);
    const res = await rest('POST', `/channels/${ch}/messages`, { content: 'x'.repeat(2001) });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 50035, errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } } });
  });

  it('counts per-route buckets with X-RateLimit headers and answers 429 with retry_after once empty', async () => {
    const ch = emu.addChannel();
    let last: Response | undefined;
    for (let i = 0; i < 5; i++) last = await rest('POST', `/channels/${ch}/messages`, { content: `m${i}` });
    expect(last!.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(last!.headers.get('x-ratelimit-bucket')).toMatch(/^[0-9a-f]{16}$/);
    const limited = await rest('POST', `/channels/${ch}/messages`, { content: 'again' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await limited.json()).toMatchObject({ message: 'You are being rate limited.', global: false });
    // Another channel is another bucket.
    expect((await rest('POST', `/channels/${emu.addChannel()}/messages`, { content: 'ok' })).status).toBe(200);
  });

  it('marks a message sent without allowed_mentions that says @everyone as a mass ping', async () => {
    const ch = emu.addChannel();
    await rest('POST', `/channels/${ch}/messages`, { content: '@everyone hi' });
    await rest('POST', `/channels/${ch}/messages`, { content: '@everyone hi', allowed_mentions: { parse: [] } });
    expect(emu.messagesIn(ch).map((m) => m.pingedEveryone)).toEqual([true, false]);
  });
});
