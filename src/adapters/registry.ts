import type { AppConfig } from '../core/config.ts';
import type { Platform } from '../core/model.ts';
import type { PlatformLimits } from '../delivery/rate-limit.ts';
import type { MessageModel } from '../i18n/message.ts';
import type { ChatAdapter } from './adapter.ts';
import type { SetupCheck } from './checks.ts';
import { CONSOLE_PACING } from './console/limits.ts';
import { TELEGRAM_PACING } from './telegram/limits.ts';
import { SLACK_PACING } from './slack/limits.ts';
import { DISCORD_PACING } from './discord/limits.ts';

/**
 * One platform: its documented pacing, whether the config turns it on, and how its adapter is
 * built. Every adapter folder has the same shape (docs/architecture.md "Adapters"): `index.ts` exports
 * `<platform>Settings(config)` and `create<Platform>Adapter(settings)`; `limits.ts` the pacing.
 */
export interface PlatformEntry {
  readonly pacing: PlatformLimits;
  /** A cheap check of the config: no SDK is loaded for a platform that is off. */
  readonly enabled: (config: AppConfig) => boolean;
  /**
   * Loads the adapter (and its SDK: discord.js, bolt and telegraf together weigh about 90 MB of
   * memory) and builds it. Incomplete settings throw a ConfigError naming the setting.
   */
  readonly build: (config: AppConfig) => Promise<ChatAdapter>;
  /** The setting that turns the platform on, and `status-relay doctor`'s check of it (token accepted, platform reachable). */
  readonly token?: string;
  readonly check?: (config: AppConfig, timeoutMs: number) => Promise<SetupCheck[]>;
  /** `status-relay preview`: the payload the platform would receive, from its pure `render.ts`. */
  readonly preview: (message: MessageModel) => Promise<string>;
}

/** The literal registry: a platform without an entry fails to compile. Adding a platform is its folder plus one entry here. */
export const PLATFORM_REGISTRY = {
  console: {
    pacing: CONSOLE_PACING,
    enabled: (c) => c.demo || c.announce.some((a) => a.platform === 'console'),
    build: async (c) => import('./console/index.ts').then((m) => m.createConsoleAdapter(m.consoleSettings(c))),
    preview: async (m) => import('./console/render.ts').then((r) => r.previewConsole(m)),
  },
  telegram: {
    pacing: TELEGRAM_PACING,
    enabled: (c) => Boolean(c.env.TELEGRAM_BOT_TOKEN),
    build: async (c) => import('./telegram/index.ts').then((m) => m.createTelegramAdapter(m.telegramSettings(c))),
    preview: async (m) => import('./telegram/render.ts').then((r) => r.previewTelegram(m)),
    token: 'TELEGRAM_BOT_TOKEN',
    check: async (c, ms) => import('./telegram/index.ts').then((m) => m.checkTelegram(c, ms)),
  },
  slack: {
    pacing: SLACK_PACING,
    enabled: (c) => Boolean(c.env.SLACK_BOT_TOKEN),
    build: async (c) => import('./slack/index.ts').then((m) => m.createSlackAdapter(m.slackSettings(c))),
    preview: async (m) => import('./slack/render.ts').then((r) => r.previewSlack(m)),
    token: 'SLACK_BOT_TOKEN',
    check: async (c, ms) => import('./slack/index.ts').then((m) => m.checkSlack(c, ms)),
  },
  discord: {
    pacing: DISCORD_PACING,
    enabled: (c) => Boolean(c.env.DISCORD_TOKEN),
    build: async (c) => import('./discord/index.ts').then((m) => m.createDiscordAdapter(m.discordSettings(c))),
    preview: async (m) => import('./discord/render.ts').then((r) => r.previewDiscord(m)),
    token: 'DISCORD_TOKEN',
    check: async (c, ms) => import('./discord/index.ts').then((m) => m.checkDiscord(c, ms)),
  },
} satisfies Record<Platform, PlatformEntry>;

/** Builds a platform's adapter when the config turns it on; undefined when the platform is off. */
export type AdapterFactory = (config: AppConfig) => Promise<ChatAdapter | undefined>;

export const ADAPTERS = Object.fromEntries(
  Object.entries(PLATFORM_REGISTRY).map(([platform, entry]: [string, PlatformEntry]) => [
    platform,
    async (config: AppConfig) => (entry.enabled(config) ? entry.build(config) : undefined),
  ]),
) as Record<Platform, AdapterFactory>;
