import type { Logger } from 'pino';
import type { Platform, Target } from '../core/model.ts';
import type { MessageModel } from '../i18n/message.ts';
import type { CommandRouter } from '../commands/router.ts';
import type { HttpRoutes } from '../http/routes.ts';
import type { AppConfig } from '../core/config.ts';
import type { ReplyPacer } from '../delivery/reply-pacer.ts';
import type { Authoring } from '../authoring/service.ts';

/** Where a sent message lives, so it can be edited or replied to later. Stored as JSON. */
export interface PostedRef {
  readonly platform: Platform;
  readonly chatId: string;
  readonly messageId: string;
  /** The thread replies go to (Slack thread_ts, Discord thread channel id); defaults to messageId. */
  readonly threadId?: string;
}

export interface SendOptions {
  /** Post as a reply in the thread of this message. */
  readonly replyTo?: PostedRef;
  /** This reply is the resolution that closes the story (Slack may echo it to the channel: announce `broadcastResolution`). */
  readonly resolution?: boolean;
}

export interface AdapterContext {
  readonly log: Logger;
  readonly commands: CommandRouter;
  readonly http: HttpRoutes;
  /** Command replies go through it: the platform's pacer, ahead of broadcasts, 429s waited out. */
  readonly replies: ReplyPacer;
  /** Writing incidents from chat (src/authoring/): absent in contexts that only send. */
  readonly authoring?: Authoring;
}

export type AdapterState = 'connecting' | 'connected' | 'down';

/**
 * The small interface every platform implements. Optional capabilities (`edit`, `closeThread`) are
 * checked by the core, never stubbed. Adapters never retry: they throw `DeliveryError`s and delivery decides.
 */
export interface ChatAdapter {
  readonly platform: Platform;
  /**
   * Runs only on the fleet's leader: connections a platform allows once (Discord's gateway shard,
   * Telegram long polling). Adapters fed over HTTP (Slack events, Telegram webhook) run everywhere.
   */
  readonly leaderOnly?: boolean;
  start(ctx: AdapterContext): Promise<void>;
  stop(): Promise<void>;
  state(): AdapterState;
  send(target: Target, message: MessageModel, options?: SendOptions): Promise<PostedRef>;
  edit?(ref: PostedRef, message: MessageModel): Promise<void>;
  /** Ends a story's thread once it is resolved (Discord archives the thread). */
  closeThread?(ref: PostedRef): Promise<void>;
  /** Re-registers chat commands with the platform (start-up and `register-commands`). */
  registerCommands?(): Promise<void>;
}

/** The languages an adapter registers its commands in before the app runs (`register-commands`): `service.locales` and the default. */
export const localesOf = (config: Pick<AppConfig, 'env' | 'service'>): { offered: readonly string[]; defaultLocale: string } => {
  const offered = config.service.locales;
  return { offered, defaultLocale: offered.includes(config.env.DEFAULT_LOCALE) ? config.env.DEFAULT_LOCALE : offered[0]! };
};
