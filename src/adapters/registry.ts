import type { AppConfig } from '../core/config.ts';
import type { Platform } from '../core/model.ts';
import type { ChatAdapter } from './adapter.ts';
import { ConsoleAdapter } from './console/index.ts';
import { createSlackAdapter } from './slack/index.ts';

/** Builds a platform's adapter when its settings are present; undefined when the platform is off. */
export type AdapterFactory = (config: AppConfig) => ChatAdapter | undefined;

/** The literal registry: a platform without a factory fails to compile. */
export const ADAPTERS = {
  console: (config) => (config.demo || config.announce.some((a) => a.platform === 'console') ? new ConsoleAdapter() : undefined),
  telegram: () => undefined,
  slack: (config) => (config.env.SLACK_BOT_TOKEN ? createSlackAdapter(config) : undefined),
  discord: () => undefined,
} satisfies Record<Platform, AdapterFactory>;
