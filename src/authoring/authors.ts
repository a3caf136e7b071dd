import { z } from 'zod';

/**
 * Who may write incidents from chat: config `authors` (docs/authoring.md). Ids are the platforms' own:
 * Slack user ids (`U…`, `W…` on Enterprise Grid) or user-group ids (`S…`), Discord role ids
 * (snowflakes), Telegram user ids or `{ adminsOf: <chat id> }` for "every administrator of that chat".
 * Nobody is an author unless listed: an empty list refuses everyone on that platform.
 */
const asString = z.union([z.string().trim().min(1), z.number().int()]).transform(String);

const slackId = asString.refine(
  (v) => /^[UWS][A-Z0-9]{2,}$/.test(v),
  'expected a Slack user id (U…, W…) or user-group id (S…), as shown in the member profile or the group URL',
);
const discordRole = asString.refine(
  (v) => /^\d{17,20}$/.test(v),
  'expected a Discord role id (a number of 17 to 20 digits: Server Settings → Roles → Copy Role ID)',
);
const telegramUser = asString.refine((v) => /^\d{1,20}$/.test(v), 'expected a Telegram user id (a positive number)');
const telegramChat = asString.refine((v) => /^-?\d{1,20}$/.test(v), 'expected a Telegram chat id such as -1001234567890');

export const authorsSchema = z.strictObject({
  slack: z.array(slackId).default([]),
  discord: z.array(discordRole).default([]),
  telegram: z.array(z.union([telegramUser, z.strictObject({ adminsOf: telegramChat })])).default([]),
});
export type AuthorsConfig = z.infer<typeof authorsSchema>;

/** Who is acting, as the platform told us. "Where" travels separately (it is the audit's, not the check's). */
export type Actor =
  | { readonly platform: 'slack'; readonly userId: string; readonly name?: string; readonly groupIds: readonly string[] }
  | { readonly platform: 'discord'; readonly userId: string; readonly name?: string; readonly roleIds: readonly string[] }
  | { readonly platform: 'telegram'; readonly userId: string; readonly name?: string }
  /** Someone logged in to `/admin` with ADMIN_API_TOKEN; userId is a short label of the session. */
  | { readonly platform: 'web'; readonly userId: string; readonly name?: string }
  /** The bearer-token admin API or the CLI through it. */
  | { readonly platform: 'api'; readonly userId: string; readonly name?: string };

export interface AuthorChecks {
  /** Telegram: is this user an administrator (or the creator) of this chat? `getChatMember`, asked only for `adminsOf` entries. */
  telegramChatAdmin?(chatId: string, userId: string): Promise<boolean>;
}

/**
 * True when the actor may write incidents. Web and API actors already proved the admin token. Asked
 * on every step of every flow (a role removed mid-flow stops the next step), so it is cheap: lists
 * are short and the Telegram look-up is made only when an `adminsOf` entry exists.
 */
export const isAuthor = async (authors: AuthorsConfig, actor: Actor, checks: AuthorChecks = {}): Promise<boolean> => {
  switch (actor.platform) {
    case 'web':
    case 'api':
      return true;
    case 'slack':
      return authors.slack.includes(actor.userId) || actor.groupIds.some((g) => authors.slack.includes(g));
    case 'discord':
      return actor.roleIds.some((r) => authors.discord.includes(r));
    case 'telegram': {
      if (authors.telegram.includes(actor.userId)) return true;
      for (const entry of authors.telegram) {
        if (typeof entry === 'string' || !checks.telegramChatAdmin) continue;
        // A failed look-up refuses: being unsure is not permission.
        if (await checks.telegramChatAdmin(entry.adminsOf, actor.userId).catch(() => false)) return true;
      }
      return false;
    }
  }
};

/** Slack user-group ids worth resolving for a user: only the configured `S…` ones (usergroups.users.list per group). */
export const slackGroupIds = (authors: AuthorsConfig): string[] => authors.slack.filter((id) => id.startsWith('S'));
