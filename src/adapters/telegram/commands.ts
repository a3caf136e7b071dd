import type { BotCommand, BotCommandScope, InlineKeyboardButton, InlineKeyboardMarkup } from 'telegraf/types';
import type { TFunction } from 'i18next';
import { COMMAND_NAMES, type CommandInvocation, type CommandName } from '../../commands/context.ts';
import { TELEGRAM_LIMITS } from './limits.ts';

/**
 * Telegram's command vocabulary, pure: parsing `/status@bot args`, deep links, the inline keyboards'
 * callback data, and the lists registered with setMyCommands. `inbound.ts` wires them to telegraf.
 */

export interface ParsedCommand {
  readonly command: CommandName | string;
  readonly args: string[];
}

/**
 * "/status@relay_bot messaging" → {command: 'status', args: ['messaging']}. A command addressed to
 * another bot (`/status@other_bot`) is not ours: undefined. Bot usernames are case-insensitive.
 */
export const parseCommand = (text: string | undefined, botUsername: string | undefined): ParsedCommand | undefined => {
  const m = /^\/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]+))?(?:\s+([\s\S]*))?$/.exec(text?.trim() ?? '');
  if (!m) return undefined;
  if (m[2] && botUsername && m[2].toLowerCase() !== botUsername.toLowerCase()) return undefined;
  return { command: m[1]!.toLowerCase(), args: (m[3] ?? '').split(/\s+/).filter(Boolean) };
};

// ── deep links ───────────────────────────────────────────────────────────────────────────────
// `t.me/<bot>?start=<payload>` opens the chat and sends `/start <payload>`; the payload is at most
// 64 characters of A-Z a-z 0-9 _ - (https://core.telegram.org/bots/features#deep-linking).
const PAYLOAD = new RegExp(`^[A-Za-z0-9_-]{1,${TELEGRAM_LIMITS.startPayload}}$`);

/** The deep-link payload that subscribes to one component: `subscribe-<id>`, or base64url for ids with other characters. */
export const encodeStartPayload = (componentId: string): string | undefined => {
  const plain = `subscribe-${componentId}`;
  if (PAYLOAD.test(plain)) return plain;
  const encoded = `subscribe64-${Buffer.from(componentId, 'utf8').toString('base64url')}`;
  return PAYLOAD.test(encoded) ? encoded : undefined;
};

/** `/start <payload>` → the command it stands for; undefined for a bare `/start` or a payload we did not make. */
export const decodeStartPayload = (payload: string | undefined): ParsedCommand | undefined => {
  if (!payload || !PAYLOAD.test(payload)) return undefined;
  const m = /^(subscribe|subscribe64)-(.+)$/.exec(payload);
  if (!m) return undefined;
  const id = m[1] === 'subscribe64' ? Buffer.from(m[2]!, 'base64url').toString('utf8') : m[2]!;
  return id ? { command: 'subscribe', args: [id] } : undefined;
};

export interface ChatInfo {
  readonly id: number;
  readonly type: 'private' | 'group' | 'supergroup' | 'channel';
}

/** Where a command was given and by whom, as the router wants it. */
export const toInvocation = (init: {
  chat: ChatInfo;
  userId: number;
  parsed: ParsedCommand;
  threadId?: number | undefined;
  languageCode?: string | undefined;
  isChannelAdmin: () => Promise<boolean>;
}): CommandInvocation => ({
  platform: 'telegram',
  userId: String(init.userId),
  chatId: String(init.chat.id),
  chatKind: init.chat.type === 'private' ? 'dm' : 'channel',
  ...(init.threadId !== undefined ? { threadId: String(init.threadId) } : {}),
  command: init.parsed.command,
  args: init.parsed.args,
  ...(init.languageCode ? { localeHint: init.languageCode } : {}),
  isChannelAdmin: init.isChannelAdmin,
});

/** getChatMember statuses that may manage a chat (core.telegram.org/bots/api#chatmember). */
export const isAdminStatus = (status: string): boolean => status === 'creator' || status === 'administrator';

// ── inline keyboards ─────────────────────────────────────────────────────────────────────────
// callback_data is limited to 1-64 bytes (core.telegram.org/bots/api#inlinekeyboardbutton).
const PREFIX = 'sr1';
export type Pick = { readonly action: 'status' | 'subscribe'; readonly componentId?: string };

export const encodePick = (p: Pick): string | undefined => {
  const data = `${PREFIX}:${p.action === 'status' ? 'st' : 'sub'}:${p.componentId ?? '*'}`;
  return Buffer.byteLength(data, 'utf8') <= TELEGRAM_LIMITS.callbackData ? data : undefined;
};

export const decodePick = (data: string | undefined): Pick | undefined => {
  const m = /^sr1:(st|sub):(.+)$/s.exec(data ?? '');
  if (!m) return undefined;
  return { action: m[1] === 'st' ? 'status' : 'subscribe', ...(m[2] !== '*' ? { componentId: m[2]! } : {}) };
};

/** Two buttons a row; the first is "all"/"overall" when given. Components whose id does not fit are left out. */
export const pickKeyboard = (
  action: Pick['action'],
  components: readonly { id: string; name: string }[],
  allLabel?: string,
): InlineKeyboardMarkup | undefined => {
  const buttons: InlineKeyboardButton[] = [];
  const add = (text: string, componentId?: string) => {
    const data = encodePick({ action, ...(componentId ? { componentId } : {}) });
    if (data) buttons.push({ text: text.slice(0, 64), callback_data: data });
  };
  if (allLabel) add(allLabel);
  for (const c of components.slice(0, 40)) add(c.name, c.id);
  if (buttons.length === 0) return undefined;
  const rows: InlineKeyboardButton[][] = [];
  for (let i = 0; i < buttons.length; i += 2) rows.push(buttons.slice(i, i + 2));
  return { inline_keyboard: rows };
};

// ── setMyCommands ────────────────────────────────────────────────────────────────────────────
export interface CommandRegistration {
  readonly scope: BotCommandScope;
  /** Two-letter ISO 639-1 code, or undefined for users whose language has no dedicated list. */
  readonly language_code?: string;
  readonly commands: BotCommand[];
}

/**
 * One list per scope and language. `/announce` is only in the chat-administrators scope, so other
 * members never see it. Telegram's `language_code` is two letters (docs/platforms.md §4): "zh" gets
 * zh-CN's texts; the first offered locale of a language wins.
 */
export const commandRegistrations = (
  offered: readonly string[],
  defaultLocale: string,
  t: (locale: string) => TFunction,
): CommandRegistration[] => {
  const languages = new Map<string, string>();
  for (const locale of offered) {
    const two = locale.split('-')[0]!.toLowerCase();
    if (/^[a-z]{2}$/.test(two) && !languages.has(two)) languages.set(two, locale);
  }
  const list = (locale: string, admin: boolean): BotCommand[] =>
    COMMAND_NAMES.filter((c) => admin || c !== 'announce').map((c) => ({
      command: c,
      description: String(t(locale)(`commands.${c}`)).slice(0, TELEGRAM_LIMITS.commandDescription),
    }));
  const out: CommandRegistration[] = [];
  for (const [scope, admin] of [
    [{ type: 'default' }, false],
    [{ type: 'all_chat_administrators' }, true],
  ] as const) {
    out.push({ scope, commands: list(defaultLocale, admin) });
    for (const [code, locale] of languages) out.push({ scope, language_code: code, commands: list(locale, admin) });
  }
  return out;
};
