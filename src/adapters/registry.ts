import type { AppConfig } from '../core/config.ts';
import type { Platform } from '../core/model.ts';
import type { ChatAdapter } from './adapter.ts';

/**
 * Builds a platform's adapter when its settings are present; undefined when the platform is off.
 * SDKs are imported only for the platforms in use: discord.js, bolt and telegraf together weigh
 * about 90 MB of memory.
 */
export type AdapterFactory = (config: AppConfig) => Promise<ChatAdapter | undefined>;

/** The literal registry: a platform without a factory fails to compile. */
export const ADAPTERS = {
  console: async (config) => {
    if (!config.demo && !config.announce.some((a) => a.platform === 'console')) return undefined;
    const { ConsoleAdapter } = await import('./console/index.ts');
    return new ConsoleAdapter();
  },
  telegram: async (config) => {
    if (!config.env.TELEGRAM_BOT_TOKEN) return undefined;
    const { createTelegramAdapter } = await import('./telegram/index.ts');
    return createTelegramAdapter(config);
  },
  slack: async (config) => {
    if (!config.env.SLACK_BOT_TOKEN) return undefined;
    const { createSlackAdapter } = await import('./slack/index.ts');
    return createSlackAdapter(config);
  },
  discord: async (config) => {
    if (!config.env.DISCORD_TOKEN) return undefined;
    const { DiscordAdapter } = await import('./discord/index.ts');
    return new DiscordAdapter({
      token: config.env.DISCORD_TOKEN,
      applicationId: config.env.DISCORD_APPLICATION_ID!,
      apiUrl: config.env.DISCORD_API_URL,
      locales: config.service.locales,
      ...(config.delivery.limits.discord?.globalPerSecond
        ? { globalRequestsPerSecond: config.delivery.limits.discord.globalPerSecond }
        : {}),
      ...(config.env.DISCORD_GUILD_ID ? { guildId: config.env.DISCORD_GUILD_ID } : {}),
    });
  },
} satisfies Record<Platform, AdapterFactory>;
