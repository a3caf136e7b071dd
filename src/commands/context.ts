import type { ComponentCatalog } from '../core/components.ts';
import type { Platform, Severity, Target } from '../core/model.ts';
import type { Tracker } from '../core/tracker.ts';
import type { Translator } from '../i18n/i18n.ts';
import type { MessageModel } from '../i18n/message.ts';
import type { RenderContext } from '../messages/index.ts';
import type { KpiProvider } from '../kpi/model.ts';
import type { KeyValue } from '../storage/store.ts';
import type { CommandBudget } from './user-limit.ts';

export const COMMAND_NAMES = ['status', 'subscribe', 'unsubscribe', 'subscriptions', 'language', 'announce', 'kpi', 'help'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

export { KPI_WINDOWS, type KpiWindow } from '../kpi/model.ts';

/** A command as any platform received it, already split into words. */
export interface CommandInvocation {
  readonly platform: Platform;
  readonly userId: string;
  readonly chatId: string;
  readonly chatKind: 'dm' | 'channel';
  readonly threadId?: string;
  readonly command: string;
  readonly args: readonly string[];
  /** The platform's own language hint (Discord interaction.locale, Telegram language_code, Slack locale). */
  readonly localeHint?: string;
  /** How users of this platform type a command, for `/help`: "/" (default), or "/statusrelay " on Slack. */
  readonly commandPrefix?: string;
  /** Whether the user may manage this channel; asked only by `/announce`. */
  readonly isChannelAdmin?: () => Promise<boolean>;
}

export interface CommandReply {
  readonly message: MessageModel;
  /** Only the asker sees it (Slack and Discord). */
  readonly ephemeral: boolean;
  /** The locale the reply was written in. */
  readonly locale: string;
  /**
   * The user was already told to slow down in this window: send nothing where the platform allows
   * silence (Telegram, Slack); Discord must still answer the interaction.
   */
  readonly quiet?: boolean;
}

/** What command handlers may use. No platform specifics here. */
export interface CommandServices {
  readonly serviceName: string;
  readonly offeredLocales: readonly string[];
  readonly defaultLocale: string;
  /** The service's time zone: the default for quiet hours. */
  readonly timezone?: string;
  readonly translator: Translator;
  readonly tracker: Tracker;
  readonly catalog: ComponentCatalog;
  readonly renderContext: (now: string) => RenderContext;
  readonly subscriptions: KeyValue;
  readonly announcements: KeyValue;
  readonly users: KeyValue;
  readonly kpi?: KpiProvider;
  readonly defaultMinSeverity: Severity;
  readonly now: () => string;
  /** The fleet-wide per-user command limit (store-backed); in this process's memory when absent. */
  readonly commandBudget?: CommandBudget;
  /** A target that was found gone asked for messages again (re-subscribed, announcements on). */
  readonly revive?: (target: Target) => void;
}
