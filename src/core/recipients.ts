import type { QuietHours } from './quiet.ts';
import type { Platform, Severity } from './model.ts';

/** A direct-message subscription. `components` empty = everything. */
export interface Subscription {
  readonly platform: Platform;
  readonly userId: string;
  readonly components: readonly string[];
  readonly createdAt: string;
}

/** A channel that turned announcements on with `/announce on`. */
export interface ChannelAnnouncement {
  readonly platform: Platform;
  readonly chatId: string;
  readonly threadId?: string;
  readonly components: readonly string[];
  readonly locale?: string;
  readonly minSeverity: Severity;
  readonly createdAt: string;
}

export interface UserPrefs {
  /** Set by `/language`: wins over every hint. */
  readonly locale?: string;
  /** Last hint the platform gave (Telegram language_code, Slack locale, Discord locale), already matched. */
  readonly platformLocale?: string;
  /** Non-critical direct messages wait until these end, then come as one summary. */
  readonly quiet?: QuietHours;
}

export const userKey = (platform: Platform, userId: string): string => `${platform}:${userId}`;
export const chatKey = (platform: Platform, chatId: string, threadId?: string): string =>
  `${platform}:${chatId}${threadId ? `:${threadId}` : ''}`;
