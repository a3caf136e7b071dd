import type { AppConfig } from '../core/config.ts';
import type { Platform } from '../core/model.ts';
import type { ChatAdapter } from './adapter.ts';
import { ConsoleAdapter } from './console/index.ts';
import { DiscordAdapter } from './discord/index.ts';
import { createTelegramAdapter } from './telegram/index.ts';
import { createSlackAdapter } from './slack/index.ts';

/** Builds a platform's adapter when its settings are present; undefined when the platform is off. */
export type AdapterFactory = (config: AppConfig) => ChatAdapter | undefined;

/** The literal registry: a platform without a factory fails to compile. */
export const ADAPTERS = {
  console: (config) => (config.demo || config.announce.some((a) => a.platform === 'console') ? new ConsoleAdapter() : undefined),
  telegram: (config) => createTelegramAdapter(config),
  slack: (config) => (config.env.SLACK_BOT_TOKEN ? createSlackAdapter(config) : undefined),
  discord: (config) =>
    config.env.DISCORD_TOKEN
      ? new DiscordAdapter({ token: config.env.DISCORD_TOKEN, applicationId: config.env.DISCORD_APPLICATION_ID!, apiUrl: config.env.DISCORD_API_URL, locales: config.service.locales, ...(config.env.DISCORD_GUILD_ID ? { guildId: config.env.DISCORD_GUILD_ID } : {}) })
      : undefined,
} satisfies Record<Platform, AdapterFactory>;
