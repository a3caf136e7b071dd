import type { Telegraf, Context } from 'telegraf';
import type { CallbackQuery, InlineKeyboardMarkup, Message } from 'telegraf/types';
import type { Logger } from 'pino';
import type { CommandRouter } from '../../commands/router.ts';
import type { CommandReply } from '../../commands/context.ts';
import type { MessageModel } from '../../i18n/message.ts';
import type { TelegramAuthoring } from './authoring.ts';
import { knownComponents } from '../../commands/known-components.ts';
import { TELEGRAM_LIMITS } from './limits.ts';
import {
  decodePick,
  decodeStartPayload,
  isAdminStatus,
  parseCommand,
  pickKeyboard,
  toInvocation,
  type ChatInfo,
  type ParsedCommand,
} from './commands.ts';

/** How the adapter posts and edits command answers (escaping, limits, photos, 429 handling). */
export interface ReplySink {
  reply(
    chatId: number,
    message: MessageModel,
    extra: { threadId?: number; replyTo?: number; keyboard?: InlineKeyboardMarkup },
  ): Promise<void>;
  editReply(chatId: number, messageId: number, message: MessageModel, keyboard?: InlineKeyboardMarkup): Promise<void>;
}

interface Where {
  readonly chat: ChatInfo;
  readonly threadId?: number;
  readonly messageId: number;
}

/**
 * Telegram's inbound side: every update the bot receives (long polling or webhook) is dispatched
 * here — messages in private chats and groups, posts in channels (no `from`; only admins can post,
 * so the poster is an admin), and button presses (callback queries). Each becomes a platform-neutral
 * `CommandInvocation` for the router; the answer goes back through the `ReplySink` (the adapter's
 * pacer-backed send). Interactive flows (menus, multi-step dialogs) are dispatched from `attach`
 * too. No store access here: what a command changes, the router stores.
 */
export class TelegramInbound {
  constructor(
    private readonly router: CommandRouter,
    private readonly sink: ReplySink,
    private readonly log: Logger,
    /** Writing incidents in a private chat (src/adapters/telegram/authoring.ts): asked first. */
    private readonly flow?: TelegramAuthoring,
  ) {}

  attach(bot: Telegraf): void {
    bot.on('message', (ctx) => this.onMessage(ctx, ctx.message));
    bot.on('channel_post', (ctx) => this.onMessage(ctx, ctx.channelPost));
    bot.on('callback_query', (ctx) => this.onCallback(ctx, ctx.callbackQuery));
  }

  private async onMessage(ctx: Context, message: Message): Promise<void> {
    if (!('text' in message)) return;
    if (this.flow && (await this.flow.onMessage(ctx, message))) return;
    const command = parseCommand(message.text, ctx.botInfo?.username);
    if (!command) return;
    // A deep link (`t.me/<bot>?start=subscribe-messaging`) does what its payload says, in one tap.
    const parsed = (command.command === 'start' && decodeStartPayload(command.args[0])) || command;
    const chat = message.chat as ChatInfo;
    const where: Where = {
      chat,
      messageId: message.message_id,
      ...(message.is_topic_message && message.message_thread_id ? { threadId: message.message_thread_id } : {}),
    };
    const from = message.from;
    const inChannel = chat.type === 'channel';
    // Anonymous group admins post as the group itself (sender_chat = chat): they are admins too.
    const anonymousAdmin = !inChannel && message.sender_chat?.id === chat.id;
    const userId = from && !anonymousAdmin ? from.id : chat.id;
    const isChannelAdmin = async (): Promise<boolean> => {
      if (inChannel || anonymousAdmin || chat.type === 'private') return true;
      const member = await ctx.telegram.getChatMember(chat.id, userId);
      return isAdminStatus(member.status);
    };
    this.log.debug({ chat: chat.id, chatType: chat.type, thread: where.threadId, command: parsed.command }, 'telegram command');
    await this.run(where, parsed, userId, from?.language_code, isChannelAdmin, ctx.botInfo?.username);
  }

  private async run(
    where: Where,
    parsed: ParsedCommand,
    userId: number,
    languageCode: string | undefined,
    isChannelAdmin: () => Promise<boolean>,
    botName?: string,
  ): Promise<void> {
    const inv = toInvocation({ chat: where.chat, userId, parsed, threadId: where.threadId, languageCode, isChannelAdmin });
    const locale = await this.router.resolveLocale(inv);
    const t = this.router.services.translator.t(locale);
    const extra = {
      ...(where.threadId ? { threadId: where.threadId } : {}),
      ...(where.chat.type !== 'private' ? { replyTo: where.messageId } : {}),
    };
    const pickable = where.chat.type !== 'channel' && parsed.args.length === 0;
    // docs/contract.md §5: a bare /subscribe subscribes to everything at once; its keyboard narrows it to one component.
    const reply = await this.router.handle(inv);
    if (reply.quiet) return;
    const keyboard =
      pickable && (parsed.command === 'status' || parsed.command === 'subscribe')
        ? pickKeyboard(parsed.command, knownComponents(this.router.services, reply.locale))
        : undefined;
    const message = keyboard && parsed.command === 'subscribe' ? { ...reply.message, footer: t('telegram:pickSubscribe') } : reply.message;
    await this.sink.reply(where.chat.id, this.withDmHint({ ...reply, message }, parsed, where, botName), {
      ...extra,
      ...(keyboard ? { keyboard } : {}),
    });
  }

  /** A subscription confirmed in a group only works once the user has started a private chat. */
  private withDmHint(reply: CommandReply, parsed: ParsedCommand, where: Where, botName?: string): MessageModel {
    if (parsed.command !== 'subscribe' || where.chat.type === 'private' || !botName) return reply.message;
    return { ...reply.message, footer: this.router.services.translator.t(reply.locale)('telegram:startPrivate', { bot: botName }) };
  }

  private async onCallback(ctx: Context, query: CallbackQuery): Promise<void> {
    if (this.flow && (await this.flow.onCallback(ctx, query))) return;
    const pick = decodePick('data' in query ? query.data : undefined);
    const message = query.message && 'chat' in query.message ? query.message : undefined;
    if (!pick || !message) {
      // A menu from an older version, or one too old to carry its message: say so instead of spinning.
      const locale = await this.router.resolveLocale({
        platform: 'telegram',
        userId: String(query.from.id),
        chatId: String(query.from.id),
        localeHint: query.from.language_code,
      });
      await ctx.answerCbQuery(this.router.services.translator.t(locale)('telegram:stale'));
      return;
    }
    const chat = message.chat as ChatInfo;
    const threadId = 'is_topic_message' in message && message.is_topic_message ? message.message_thread_id : undefined;
    const inv = toInvocation({
      chat,
      userId: query.from.id,
      parsed: { command: pick.action, args: pick.componentId ? [pick.componentId] : [] },
      threadId,
      languageCode: query.from.language_code,
      isChannelAdmin: async () => false,
    });
    // "Only this component": the bare /subscribe before it followed everything.
    if (pick.action === 'subscribe' && pick.componentId) await this.router.handle({ ...inv, command: 'unsubscribe', args: [] });
    const reply = await this.router.handle(inv);
    if (pick.action === 'subscribe') {
      // Telegram shows the answer as a toast (≤ 200 characters); the menu becomes the confirmation.
      await ctx.answerCbQuery(reply.message.title.slice(0, TELEGRAM_LIMITS.callbackToast));
      await this.sink.editReply(
        chat.id,
        message.message_id,
        this.withDmHint(reply, { command: 'subscribe', args: [] }, { chat, messageId: message.message_id }, ctx.botInfo?.username),
      );
      return;
    }
    await ctx.answerCbQuery();
    const t = this.router.services.translator.t(reply.locale);
    const components = knownComponents(this.router.services, reply.locale);
    const keyboard = pickKeyboard(
      'status',
      pick.componentId ? components.filter((c) => c.id !== pick.componentId) : components,
      pick.componentId ? t('telegram:overall') : undefined,
    );
    await this.sink.editReply(chat.id, message.message_id, reply.message, keyboard);
    this.log.debug({ chat: chat.id, pick }, 'status menu answered');
  }
}
