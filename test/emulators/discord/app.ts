import { startTestApp, type TestApp } from '../../helpers/app.ts';
import type { AppOptions } from '../../../src/app.ts';
import { DiscordEmulator, type Json } from './index.ts';

export const ADMIN_TOKEN = 'discord-e2e-admin';

export const COMPONENTS_YAML = `
components:
  - { id: messaging, name: { en: Messaging, zh-CN: 消息 } }
  - { id: calls, name: { en: Voice and video calls, zh-CN: 语音和视频通话 } }
`;

export interface DiscordRig {
  readonly emu: DiscordEmulator;
  readonly t: TestApp;
  /** POST /api/incidents; resolves with the incident id once its messages are delivered. */
  open(body: Json): Promise<string>;
  /** POST /api/incidents/:id/updates, then waits for delivery. */
  update(id: string, body: Json): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A running App whose Discord adapter (the real discord.js client) is logged in to a fresh
 * emulator. `yaml` gets the emulator to create channels before the config is written.
 */
export const startDiscordRig = async (
  yaml: (emu: DiscordEmulator) => string,
  options: Pick<AppOptions, 'kpi' | 'storeTimeoutMs'> = {},
): Promise<DiscordRig> => {
  const e = await new DiscordEmulator().start();
  const text = yaml(e);
  const t = await startTestApp(
    text,
    {
      DISCORD_TOKEN: e.token,
      DISCORD_APPLICATION_ID: e.applicationId,
      DISCORD_API_URL: e.apiUrl,
      DISCORD_GUILD_ID: e.guildId,
      ADMIN_API_TOKEN: ADMIN_TOKEN,
    },
    options,
  );
  const call = async (path: string, body: Json): Promise<Json> => {
    const res = await fetch(`${t.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as Json;
    if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const drained = async () => {
    if (!(await t.app.drained(30_000))) throw new Error('delivery did not drain within 30 s');
  };
  return {
    emu: e,
    t,
    open: async (body) => {
      const { id } = await call('/api/incidents', body);
      await drained();
      return String(id);
    },
    update: async (id, body) => {
      await call(`/api/incidents/${id}/updates`, body);
      await drained();
    },
    stop: async () => {
      await t.stop();
      await e.stop();
    },
  };
};
