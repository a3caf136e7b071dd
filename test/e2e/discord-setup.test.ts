import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { DiscordEmulator } from '../emulators/discord/index.ts';
import { DiscordAdapter } from '../../src/adapters/discord/index.ts';

describe('Discord adapter start-up and shutdown', () => {
  let emu: DiscordEmulator | undefined;
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.stop();
    await emu?.stop();
    t = emu = undefined;
  });

  const env = (e: DiscordEmulator, extra: Record<string, string> = {}) => ({
    DISCORD_TOKEN: e.token,
    DISCORD_APPLICATION_ID: e.applicationId,
    DISCORD_API_URL: e.apiUrl,
    ...extra,
  });

  it('logs in through the gateway URL from GET /gateway/bot, registers commands globally without DISCORD_GUILD_ID, and reports ready', async () => {
    emu = await new DiscordEmulator().start();
    t = await startTestApp('service: { name: Chatter, locales: [en, zh-CN] }', env(emu));
    expect(emu.state.requests[0]).toMatchObject({ method: 'GET', path: '/gateway/bot', status: 200 });
    expect(emu.state.requests.filter((r) => r.method === 'PUT').map((r) => r.path)).toEqual([
      `/applications/${emu.applicationId}/commands`,
    ]);
    // The eight commands of docs/contract.md §5 and `/incident` (writing incidents).
    expect(emu.commands('global')).toHaveLength(9);
    expect(emu.sessions()).toBe(1);
    const ready = (await (await fetch(`${t.baseUrl}/readyz`)).json()) as { adapters: Record<string, string> };
    expect(ready.adapters.discord).toBe('connected');
  });

  it('closes the gateway session on stop', async () => {
    emu = await new DiscordEmulator().start();
    t = await startTestApp('service: { name: Chatter }', env(emu, { DISCORD_GUILD_ID: emu.guildId }));
    expect(emu.sessions()).toBe(1);
    await t.stop();
    t = undefined;
    await emu.waitFor(() => emu!.sessions() === 0, 10_000, 'the gateway session to close');
  });

  it('stops start-up with one clear line naming DISCORD_TOKEN when Discord refuses the token', async () => {
    emu = await new DiscordEmulator().start();
    t = await startTestApp('service: { name: Chatter }', { ...env(emu), DISCORD_TOKEN: 'not.the.token' }, { start: false });
    const err = await t.app.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).setting).toBe('DISCORD_TOKEN');
    expect((err as Error).message).not.toContain('not.the.token');
  });

  it('continues a story after a restart: the same post is edited and updates go to the thread it already has', async () => {
    emu = await new DiscordEmulator().start();
    const channel = emu.addChannel();
    const yaml = `service: { name: Chatter }\ncomponents: [{ id: messaging }]\nannounce: [{ platform: discord, channel: "${channel}" }]`;
    const admin = { ...env(emu, { DISCORD_GUILD_ID: emu.guildId }), ADMIN_API_TOKEN: 'restart-admin' };
    const post = async (app: TestApp, path: string, body: unknown) => {
      const res = await fetch(`${app.baseUrl}${path}`, {
        method: 'POST',
        headers: { authorization: 'Bearer restart-admin', 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBeLessThan(300);
      const json = (await res.json()) as { id?: string };
      expect(await app.app.drained(30_000)).toBe(true);
      return json;
    };
    const first = await startTestApp(yaml, admin);
    const { id } = await post(first, '/api/incidents', {
      name: 'Messages delayed',
      message: 'Investigating.',
      components: ['messaging'],
      componentStatus: 'partial_outage',
    });
    await post(first, `/api/incidents/${id}/updates`, { status: 'identified', message: 'Found it.' });
    await first.stop();
    const [root] = emu.messagesIn(channel);
    expect(emu.messagesIn(root!.id)).toHaveLength(1);

    t = await startTestApp(yaml, { ...admin, STORE_URL: first.storeUrl });
    await post(t, `/api/incidents/${id}/updates`, { status: 'resolved', message: 'Fixed.' });
    expect(emu.messagesIn(channel)).toHaveLength(1);
    expect(emu.messagesIn(root!.id)).toHaveLength(2);
    expect(emu.channel(root!.id)!.archived).toBe(true);
    expect(emu.state.requests.filter((r) => r.path.endsWith('/threads')).map((r) => r.code ?? r.status)).toEqual([201, 160004]);
  });

  it('registers commands without logging in, for `status-relay register-commands`', async () => {
    emu = await new DiscordEmulator().start();
    const adapter = new DiscordAdapter({
      token: emu.token,
      applicationId: emu.applicationId,
      apiUrl: emu.apiUrl,
      guildId: emu.guildId,
      locales: { offered: ['en', 'zh-CN'], defaultLocale: 'en' },
    });
    await adapter.registerCommands();
    expect(emu.sessions()).toBe(0);
    expect(emu.commands().find((c) => c.name === 'status')?.name_localizations).toMatchObject({ 'zh-CN': '状态' });
  });
});
