import { createHash } from 'node:crypto';
import { Telegraf, Telegram } from 'telegraf';
import type { InlineKeyboardMarkup, Message, Update } from 'telegraf/types';
import type { Logger } from 'pino';
import type { Target } from '../../core/model.ts';
import { sameSecret } from '../../core/secrets.ts';
import type { MessageModel } from '../../i18n/message.ts';
import { HttpError, type RouteContext } from '../../http/routes.ts';
import { telegramUpdateSchema, type TelegramAccepted } from '../../http/schemas.ts';
import type { AppConfig } from '../../core/config.ts';
import { ConfigError } from '../../core/errors.ts';
import { Translator } from '../../i18n/i18n.ts';
import { localesOf, type AdapterContext, type AdapterState, type ChatAdapter, type PostedRef, type SendOptions } from '../adapter.ts';
import { DEFAULT_LABELS, renderCaption, renderTelegram, type TelegramLabels } from './render.ts';
import { buildDeliveryLabels } from '../../messages/labels.ts';
import { classifyTelegramError, isNoTextToEdit, isNotModified } from './errors.ts';
import { TimeoutError, unreachable, within, type SetupCheck } from '../checks.ts';
import { commandRegistrations } from './commands.ts';
import { TelegramInbound, type ReplySink } from './inbound.ts';
import { TelegramAuthoring } from './authoring.ts';

export interface TelegramSettings {
  readonly token: string;
  /** Bot API base URL (`TELEGRAM_API_ROOT`): api.telegram.org, a self-hosted Bot API server or an emulator. */
  readonly apiUrl: string;
  /** Webhook mode when set: the public URL Telegram posts updates to (`TELEGRAM_WEBHOOK_URL`). */
  readonly webhookUrl?: string;
  readonly webhookSecret?: string;
  /** `service.locales` and the default locale, for setMyCommands outside a running app (`register-commands`). */
  readonly locales?: { readonly offered: readonly string[]; readonly defaultLocale: string };
}

export const WEBHOOK_PATH = '/telegram/webhook';
const ALLOWED_UPDATES = ['message', 'channel_post', 'callback_query'] as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The full webhook URL: TELEGRAM_WEBHOOK_URL as given, or with /telegram/webhook when it names only the host. */
export const webhookTarget = (url: string): string => {
  const u = new URL(url);
  if (u.pathname === '/' || u.pathname === '') u.pathname = WEBHOOK_PATH;
  return u.href;
};

/** Without TELEGRAM_WEBHOOK_SECRET, a secret derived from the token still keeps strangers out ([A-Za-z0-9_-], ≤ 256). */
export const webhookSecretOf = (s: TelegramSettings): string =>
  s.webhookSecret ?? createHash('sha256').update(`status-relay-webhook:${s.token}`).digest('hex');

/**
 * Telegram through telegraf: long polling by default (launch() is not awaited — it only resolves
 * when polling stops, docs/platforms.md §7), or updates on our own HTTP server at POST /telegram/webhook.
 * Announcements are HTML messages edited in place (editMessageText) with updates as replies.
 */
export class TelegramAdapter implements ChatAdapter, ReplySink {
  readonly platform = 'telegram' as const;
  /** Long polling allows one poller per bot token; webhook mode can run on every instance. */
  readonly leaderOnly: boolean;
  private readonly bot: Telegraf;
  private attached = false;
  private ctx: AdapterContext | undefined;
  private status: AdapterState = 'down';
  private polling: Promise<void> | undefined;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly settings: TelegramSettings) {
    this.leaderOnly = !settings.webhookUrl;
    // webhookReply off: answers must go through the API so that their errors are seen.
    this.bot = new Telegraf(settings.token, { telegram: { apiRoot: settings.apiUrl, webhookReply: false }, handlerTimeout: 60_000 });
  }

  private get log(): Logger | undefined {
    return this.ctx?.log;
  }

  state(): AdapterState {
    return this.status;
  }

  async start(ctx: AdapterContext): Promise<void> {
    this.ctx = ctx;
    this.stopped = false;
    this.status = 'connecting';
    const bot = this.bot;
    if (!this.attached) {
      this.attached = true;
      bot.catch((err, c) =>
        ctx.log.error({ err: classifyTelegramError(err).message, update: c.update.update_id }, 'telegram update failed'),
      );
      const flow = ctx.authoring ? new TelegramAuthoring(ctx.authoring, ctx.commands, this, ctx.log) : undefined;
      new TelegramInbound(ctx.commands, this, ctx.log, flow).attach(bot);
      if (this.settings.webhookUrl) ctx.http.add('POST', WEBHOOK_PATH, (rc) => this.onWebhook(rc));
    }
    await this.connect(ctx);
  }

  private async connect(ctx: AdapterContext): Promise<void> {
    const bot = this.bot;
    try {
      bot.botInfo = await bot.telegram.getMe();
    } catch (e) {
      const err = classifyTelegramError(e);
      // A refused token is a wrong setting, not an outage: start-up stops with one line naming it (no retry loop).
      if (err.kind === 'auth') {
        this.status = 'down';
        throw new ConfigError(
          'TELEGRAM_BOT_TOKEN',
          `was refused by Telegram (${err.code === 'unauthorized' ? 401 : 404}): copy it again from @BotFather (/mybots → API Token)`,
        );
      }
      // Unreachable is an outage: keep trying, reporting "connecting" meanwhile.
      ctx.log.error({ err: err.message }, 'cannot reach Telegram; retrying in 5 s');
      this.retryTimer = setTimeout(
        () => void this.connect(ctx).catch((e2: unknown) => ctx.log.error({ err: String(e2) }, 'telegram start failed')),
        5000,
      );
      return;
    }
    await this.registerCommands().catch((e: unknown) =>
      ctx.log.warn({ err: classifyTelegramError(e).message }, 'setMyCommands failed; commands work but are not listed'),
    );
    if (this.settings.webhookUrl) {
      const url = webhookTarget(this.settings.webhookUrl);
      await bot.telegram.setWebhook(url, { secret_token: webhookSecretOf(this.settings), allowed_updates: [...ALLOWED_UPDATES] });
      ctx.log.info({ url, bot: bot.botInfo.username }, 'telegram connected (webhook)');
    } else {
      this.runPolling(bot);
      ctx.log.info({ bot: bot.botInfo.username }, 'telegram connected (long polling)');
    }
    this.status = 'connected';
  }

  /** The bot's @username once connected: the status page's `t.me/<bot>?start=` link. */
  username(): string | undefined {
    return this.bot.botInfo?.username;
  }

  private runPolling(bot: Telegraf): void {
    this.polling = bot.launch({ allowedUpdates: [...ALLOWED_UPDATES] }).catch((e: unknown) => {
      if (this.stopped) return;
      const err = classifyTelegramError(e);
      if (err.kind === 'auth') {
        // The token was revoked while running: polling again would only be refused again.
        this.status = 'down';
        this.log?.error({ code: err.code }, 'Telegram refused TELEGRAM_BOT_TOKEN: polling stopped; set a valid token and restart');
        return;
      }
      this.status = 'connecting';
      this.log?.error({ err: err.message }, 'telegram polling stopped; restarting in 5 s');
      this.retryTimer = setTimeout(() => {
        if (this.stopped) return;
        this.status = 'connected';
        this.runPolling(bot);
      }, 5000);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    // Answers already on the wire finish; waiting ones were given up by the pacer's stop.
    await Promise.race([Promise.allSettled([...this.pendingAnswers]), sleep(5000)]);
    if (this.polling) {
      // Stopping aborts the pending getUpdates; telegraf then confirms the offset with one short call.
      // launch() may still be in deleteWebhook, when stop() throws "Bot is not running!": ask again.
      const ended = this.polling.then(() => true);
      const deadline = Date.now() + 5000;
      while (Date.now() < deadline) {
        try {
          this.bot.stop('shutdown');
        } catch {
          // not polling yet (or any more)
        }
        if (await Promise.race([ended, sleep(25).then(() => false)])) break;
      }
    }
    this.polling = undefined;
    this.status = 'down';
  }

  /** setMyCommands for every scope and offered language (docs/contract.md §7); also without start() for `register-commands`. */
  async registerCommands(): Promise<void> {
    const s = this.ctx?.commands.services;
    const translator = s?.translator ?? (await Translator.create());
    const offered = s?.offeredLocales ?? this.settings.locales?.offered ?? ['en'];
    const defaultLocale = s?.defaultLocale ?? this.settings.locales?.defaultLocale ?? offered[0]!;
    for (const r of commandRegistrations(offered, defaultLocale, (l) => translator.t(l)))
      await this.bot.telegram.setMyCommands(r.commands, { scope: r.scope, ...(r.language_code ? { language_code: r.language_code } : {}) });
  }

  private requireBot(): Telegraf {
    return this.bot;
  }

  private labels(locale: string): TelegramLabels {
    return this.ctx ? buildDeliveryLabels(locale, this.ctx.commands.services) : DEFAULT_LABELS;
  }

  private async post(chatId: string | number, message: MessageModel, extra: Record<string, unknown>): Promise<Message> {
    const bot = this.requireBot();
    const labels = this.labels(message.locale);
    if (message.image)
      return bot.telegram.sendPhoto(
        chatId,
        { source: message.image.png, filename: 'chart.png' },
        { ...renderCaption(message, labels), ...extra },
      );
    const { text, ...rest } = renderTelegram(message, labels);
    return bot.telegram.sendMessage(chatId, text, { ...rest, ...extra });
  }

  async send(target: Target, message: MessageModel, options?: SendOptions): Promise<PostedRef> {
    const extra = {
      ...(target.threadId ? { message_thread_id: Number(target.threadId) } : {}),
      // The root may have been deleted by an admin: the update still goes out.
      ...(options?.replyTo
        ? { reply_parameters: { message_id: Number(options.replyTo.messageId), allow_sending_without_reply: true } }
        : {}),
    };
    try {
      // A DM target's chatId is the user id, which is also the id of the private chat with the bot.
      const sent = await this.post(target.chatId, message, extra);
      return {
        platform: 'telegram',
        chatId: String(sent.chat.id),
        messageId: String(sent.message_id),
        ...(target.threadId ? { threadId: target.threadId } : {}),
      };
    } catch (e) {
      throw classifyTelegramError(e);
    }
  }

  async edit(ref: PostedRef, message: MessageModel): Promise<void> {
    const bot = this.requireBot();
    const labels = this.labels(message.locale);
    const { text, ...rest } = renderTelegram(message, labels);
    try {
      await bot.telegram.editMessageText(ref.chatId, Number(ref.messageId), undefined, text, rest);
    } catch (e) {
      if (isNotModified(e)) return;
      if (isNoTextToEdit(e)) return this.editCaption(ref, message, labels);
      const err = classifyTelegramError(e);
      // The first post was deleted or is too old to edit: the update reply still carries the news.
      if (err.kind === 'permanent' && /message_to_edit_not_found|message_can_t_be_edited/.test(err.code)) {
        this.log?.warn(
          { chat: ref.chatId, message: ref.messageId, code: err.code },
          'announcement cannot be edited; the reply carries the update',
        );
        return;
      }
      throw err;
    }
  }

  private async editCaption(ref: PostedRef, message: MessageModel, labels: TelegramLabels): Promise<void> {
    try {
      await this.requireBot().telegram.editMessageCaption(
        ref.chatId,
        Number(ref.messageId),
        undefined,
        renderCaption(message, labels).caption,
        { parse_mode: 'HTML' },
      );
    } catch (e) {
      if (!isNotModified(e)) throw classifyTelegramError(e);
    }
  }

  // ── ReplySink: answers to commands and buttons ──────────────────────────────────────────────
  /**
   * Answers go through the reply pacer (ahead of broadcasts, 429s waited out). The update counts as
   * handled once the command's effect is stored: the answer waits for its slot outside telegraf's
   * handler, because telegraf awaits a whole batch of updates before it polls again, and a webhook
   * request held for a minute would be redelivered.
   */
  async reply(
    chatId: number,
    message: MessageModel,
    extra: { threadId?: number; replyTo?: number; keyboard?: InlineKeyboardMarkup },
  ): Promise<void> {
    const payload = {
      ...(extra.threadId ? { message_thread_id: extra.threadId } : {}),
      ...(extra.replyTo ? { reply_parameters: { message_id: extra.replyTo, allow_sending_without_reply: true } } : {}),
      ...(extra.keyboard ? { reply_markup: extra.keyboard } : {}),
    };
    this.answer(this.replyTarget(chatId, extra.threadId), () => this.post(chatId, message, payload), { chat: chatId });
  }

  async editReply(chatId: number, messageId: number, message: MessageModel, keyboard?: InlineKeyboardMarkup): Promise<void> {
    const { text, ...rest } = renderTelegram(message, this.labels(message.locale));
    this.answer(
      this.replyTarget(chatId),
      () =>
        this.requireBot().telegram.editMessageText(chatId, messageId, undefined, text, {
          ...rest,
          ...(keyboard ? { reply_markup: keyboard } : {}),
        }),
      { chat: chatId, message: messageId },
    );
  }

  /** Private chats have positive ids (the user's), groups and channels negative ones: those get the 20/min cap. */
  private replyTarget(chatId: number, threadId?: number): Target {
    return {
      platform: 'telegram',
      chatId: String(chatId),
      kind: chatId > 0 ? 'dm' : 'channel',
      ...(threadId ? { threadId: String(threadId) } : {}),
    };
  }

  private readonly pendingAnswers = new Set<Promise<void>>();

  private answer(target: Target, call: () => Promise<unknown>, where: Record<string, number>): void {
    const replies = this.ctx?.replies;
    if (!replies) return;
    const receivedAt = Date.now();
    const attempt = async () => {
      try {
        await call();
      } catch (e) {
        if (!isNotModified(e)) throw classifyTelegramError(e);
      }
    };
    const job = replies
      .send(target, attempt, { receivedAt })
      .then(() => undefined)
      .catch((e: unknown) => {
        const err = classifyTelegramError(e);
        this.log?.warn({ ...where, kind: err.kind, code: err.code }, 'telegram command answer failed');
      })
      .finally(() => this.pendingAnswers.delete(job));
    this.pendingAnswers.add(job);
  }

  private async onWebhook(rc: RouteContext): Promise<void> {
    const given = rc.req.headers['x-telegram-bot-api-secret-token'];
    if (typeof given !== 'string' || !sameSecret(given, webhookSecretOf(this.settings)))
      throw new HttpError(401, 'missing or wrong X-Telegram-Bot-Api-Secret-Token');
    if (this.status !== 'connected') throw new HttpError(503, 'telegram adapter is not ready');
    // Read outside the try: a body over the limit is the 413 readBody throws, not a parse error.
    const raw = await rc.body();
    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new HttpError(400, 'body is not a JSON Telegram update');
    }
    if (!telegramUpdateSchema.safeParse(json).success) throw new HttpError(400, 'body is not a Telegram update');
    await this.bot.handleUpdate(json as Update);
    const accepted: TelegramAccepted = { ok: true };
    rc.json(200, accepted);
  }
}

/** The settings from the environment; a missing token is a ConfigError naming it. */
export const telegramSettings = (config: Pick<AppConfig, 'env' | 'service'>): TelegramSettings => {
  const env = config.env;
  if (!env.TELEGRAM_BOT_TOKEN) throw new ConfigError('TELEGRAM_BOT_TOKEN', 'is required for Telegram (BotFather → /newbot)');
  return {
    token: env.TELEGRAM_BOT_TOKEN,
    apiUrl: env.TELEGRAM_API_ROOT,
    ...(env.TELEGRAM_WEBHOOK_URL ? { webhookUrl: env.TELEGRAM_WEBHOOK_URL } : {}),
    ...(env.TELEGRAM_WEBHOOK_SECRET ? { webhookSecret: env.TELEGRAM_WEBHOOK_SECRET } : {}),
    locales: localesOf(config),
  };
};

/** The factory the registry calls. */
export const createTelegramAdapter = (settings: TelegramSettings): TelegramAdapter => new TelegramAdapter(settings);

/** `status-relay doctor`: `getMe` through telegraf's client, at TELEGRAM_API_ROOT like the adapter. */
export const checkTelegram = async (cfg: Pick<AppConfig, 'env'>, timeoutMs: number): Promise<SetupCheck[]> => {
  const env = cfg.env;
  const client = new Telegram(env.TELEGRAM_BOT_TOKEN!, { apiRoot: env.TELEGRAM_API_ROOT });
  try {
    const me = await within(client.getMe(), timeoutMs, env.TELEGRAM_API_ROOT);
    return [{ name: 'telegram', ok: true, detail: `TELEGRAM_BOT_TOKEN accepted (getMe: bot @${me.username})` }];
  } catch (e) {
    const err = classifyTelegramError(e);
    if (err.kind === 'auth')
      return [
        {
          name: 'telegram',
          ok: false,
          detail: `Telegram refused TELEGRAM_BOT_TOKEN (getMe: ${err.message})`,
          fix: 'copy the token again from @BotFather (/mybots → API Token) into TELEGRAM_BOT_TOKEN',
        },
      ];
    return [
      { name: 'telegram', ok: false, ...unreachable(e instanceof TimeoutError ? e : err, env.TELEGRAM_API_ROOT, 'TELEGRAM_API_ROOT') },
    ];
  }
};
