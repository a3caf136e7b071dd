import { once } from 'node:events';
import { Client, DiscordAPIError, DiscordjsErrorCodes, Events, GatewayIntentBits, REST, Routes, type APIMessage } from 'discord.js';
import { ConfigError } from '../../core/errors.ts';
import type { AppConfig } from '../../core/config.ts';
import type { Target } from '../../core/model.ts';
import type { MessageModel } from '../../i18n/message.ts';
import { Translator } from '../../i18n/i18n.ts';
import { localesOf, type AdapterContext, type AdapterState, type ChatAdapter, type PostedRef, type SendOptions } from '../adapter.ts';
import { NO_MENTIONS, renderDiscord, threadName, type DiscordPayload } from './render.ts';
import { buildDeliveryLabels } from '../../messages/labels.ts';
import { GONE_CODES, THREAD_EXISTS, classifyDiscordError, discordCode } from './errors.ts';
import { TimeoutError, unreachable, within, type SetupCheck } from '../checks.ts';
import { buildCommandDefinitions } from './commands.ts';
import { DiscordInbound } from './inbound.ts';
import { incidentCommandDefinition } from './authoring.ts';
import { DISCORD_PACING } from './limits.ts';

export interface DiscordSettings {
  readonly token: string;
  readonly applicationId: string;
  /** REST base without version (DISCORD_API_URL); the gateway URL comes from GET /gateway/bot. */
  readonly apiUrl: string;
  /** Register commands to this guild (instant) instead of globally. */
  readonly guildId?: string;
  /** `service.locales` and the default locale, for `register-commands` run without a started adapter. */
  readonly locales?: { readonly offered: readonly string[]; readonly defaultLocale: string };
  /** The bot's global request limit (Discord: 50/s); discord.js paces its own queue by it. */
  readonly globalRequestsPerSecond?: number;
}

/** Routes delivery calls: a 429 there must reach delivery (which owns pacing) instead of being slept on. */
const DELIVERY_ROUTES = /^\/(channels|users\/@me\/channels)/;
const REPLY_MODES_KEPT = 10_000;

/** Discord through discord.js 14: embeds in channels and DMs, threads for updates, slash commands. */
export class DiscordAdapter implements ChatAdapter {
  readonly platform = 'discord' as const;
  /** One gateway connection per shard, never two: only the fleet's leader connects. */
  readonly leaderOnly = true;
  private client: Client | undefined;
  private ctx: AdapterContext | undefined;
  private status: AdapterState = 'down';
  /**
   * How replies to a root message go: in the thread started from it, or as message replies.
   * Bounded; forgetting costs one thread-creation call that answers 160004 "already exists".
   */
  private readonly replyMode = new Map<string, 'thread' | 'reply'>();

  constructor(private readonly settings: DiscordSettings) {}

  async start(ctx: AdapterContext): Promise<void> {
    this.ctx = ctx;
    this.status = 'connecting';
    const client = new Client({
      // Interactions arrive without any intent; Guilds keeps the gateway session minimal but valid.
      intents: [GatewayIntentBits.Guilds],
      allowedMentions: NO_MENTIONS,
      rest: {
        api: this.settings.apiUrl,
        // discord.js would sleep through rate limits and retry 5xx three times by itself. Delivery
        // owns retries and pacing (docs/architecture.md: adapters never retry), so on delivery routes a rate
        // limit throws a RateLimitError that becomes `rate_limited` with its retry-after, and
        // failures surface at once. discord.js still reads X-RateLimit-* headers, so a bucket known
        // to be empty is refused locally, before a 429 can count toward the invalid-request limit.
        retries: 0,
        rejectOnRateLimit: (data) => DELIVERY_ROUTES.test(data.route),
        // Delivery paces to the bot's global limit (50/s unless configured); discord.js's own global
        // queue is kept as a safety net just above it, since two limiters at the same rate in
        // series, out of phase, would lose some 15 % of the throughput.
        globalRequestsPerSecond: Math.ceil((this.settings.globalRequestsPerSecond ?? DISCORD_PACING.globalPerSecond) * 1.2),
      },
    });
    this.client = client;
    const inbound = new DiscordInbound(ctx);
    client.on(Events.InteractionCreate, (i) => void inbound.dispatch(i));
    client.on(Events.ShardReconnecting, () => (this.status = 'connecting'));
    client.on(Events.ShardDisconnect, () => (this.status = this.status === 'down' ? 'down' : 'connecting'));
    client.on(Events.ShardResume, () => (this.status = 'connected'));
    client.on(Events.ShardReady, () => (this.status = 'connected'));
    client.on(Events.Error, (e) => ctx.log.error({ err: e.message }, 'discord client error'));
    const ready = once(client, Events.ClientReady);
    try {
      await client.login(this.settings.token);
      await ready;
    } catch (e) {
      this.status = 'down';
      await client.destroy();
      if ((e as { code?: string }).code === DiscordjsErrorCodes.TokenInvalid)
        throw new ConfigError(
          'DISCORD_TOKEN',
          'was refused by Discord (401): copy the bot token again from the Bot page of your application',
        );
      throw e;
    }
    this.status = 'connected';
    ctx.log.info({ guild: this.settings.guildId ?? 'global' }, 'discord connected');
    await this.registerCommands().catch((e: unknown) =>
      ctx.log.error(
        { code: discordCode(e), err: (e as Error).message },
        'registering Discord slash commands failed: was the bot invited with the applications.commands scope?',
      ),
    );
  }

  async stop(): Promise<void> {
    this.status = 'down';
    await this.client?.destroy();
    this.client = undefined;
  }

  state(): AdapterState {
    return this.status;
  }

  /** Also works without start() (`status-relay register-commands`): REST only, no gateway session. */
  async registerCommands(): Promise<void> {
    const services = this.ctx?.commands.services;
    const translator = services?.translator ?? (await Translator.create());
    const offered = services?.offeredLocales ?? this.settings.locales?.offered ?? ['en'];
    // `/incident` (src/adapters/discord/authoring.ts) beside the commands everyone has.
    const body = [...buildCommandDefinitions(offered, (l) => translator.t(l)), incidentCommandDefinition(offered, (l) => translator.t(l))];
    const rest = this.client?.rest ?? new REST({ api: this.settings.apiUrl, retries: 0 }).setToken(this.settings.token);
    const { applicationId, guildId } = this.settings;
    // Bulk overwrite: one call, and commands we no longer offer disappear. Guild commands update at once.
    await rest.put(guildId ? Routes.applicationGuildCommands(applicationId, guildId) : Routes.applicationCommands(applicationId), { body });
  }

  async send(target: Target, message: MessageModel, options?: SendOptions): Promise<PostedRef> {
    const { payload, files } = renderDiscord(message);
    try {
      if (options?.replyTo) return await this.reply(target, options.replyTo, payload, files, message);
      const channelId = target.kind === 'dm' ? await this.dmChannel(target.chatId) : (target.threadId ?? target.chatId);
      const sent = await this.post(channelId, payload, files);
      if (target.kind === 'dm') this.remember(sent.id, 'reply');
      return { platform: 'discord', chatId: channelId, messageId: sent.id };
    } catch (e) {
      throw classifyDiscordError(e);
    }
  }

  async edit(ref: PostedRef, message: MessageModel): Promise<void> {
    const { client } = this.ready();
    const { payload, files } = renderDiscord(message);
    const body = files.length ? { ...payload, attachments: files.map((f, id) => ({ id, filename: f.name })) } : payload;
    try {
      await client.rest.patch(Routes.channelMessage(ref.chatId, ref.messageId), { body, files });
    } catch (e) {
      throw classifyDiscordError(e);
    }
  }

  /** Archives the story's thread. Best effort: the reply is already out, and failing here would resend it. */
  async closeThread(ref: PostedRef): Promise<void> {
    const { client, ctx } = this.ready();
    if (this.replyMode.get(ref.messageId) === 'reply') return;
    const threadId = ref.threadId ?? ref.messageId;
    try {
      await client.rest.patch(Routes.channel(threadId), { body: { archived: true } });
    } catch (e) {
      ctx.log.warn({ code: discordCode(e), thread: threadId }, 'could not archive the Discord thread; it will auto-archive');
    }
  }

  private remember(messageId: string, mode: 'thread' | 'reply'): void {
    this.replyMode.set(messageId, mode);
    if (this.replyMode.size > REPLY_MODES_KEPT) this.replyMode.delete(this.replyMode.keys().next().value!);
  }

  private ready(): { client: Client; ctx: AdapterContext } {
    if (!this.client || !this.ctx) throw classifyDiscordError(new Error('the Discord adapter is not started'));
    return { client: this.client, ctx: this.ctx };
  }

  private post(
    channelId: string,
    body: DiscordPayload & { message_reference?: { message_id: string; fail_if_not_exists: boolean } },
    files: { name: string; data: Buffer }[],
  ): Promise<APIMessage> {
    return this.ready().client.rest.post(Routes.channelMessages(channelId), { body, files }) as Promise<APIMessage>;
  }

  /** POST /users/@me/channels, cached by discord.js: Discord warns against opening DMs quickly. */
  private async dmChannel(userId: string): Promise<string> {
    const dm = await this.ready().client.users.createDM(userId);
    return dm.id;
  }

  /** An update: in the thread started from the root post, or as a reply where threads are not possible. */
  private async reply(
    target: Target,
    root: PostedRef,
    payload: DiscordPayload,
    files: { name: string; data: Buffer }[],
    message: MessageModel,
  ): Promise<PostedRef> {
    const { client, ctx } = this.ready();
    let mode = target.kind === 'dm' ? 'reply' : root.threadId ? 'thread' : this.replyMode.get(root.messageId);
    if (!mode) {
      const name = threadName(buildDeliveryLabels(message.locale, ctx.commands.services).threadName(message.headline ?? message.title));
      try {
        await client.rest.post(Routes.threads(root.chatId, root.messageId), { body: { name, auto_archive_duration: 1440 } });
        mode = 'thread';
      } catch (e) {
        const code = discordCode(e);
        if (code === THREAD_EXISTS)
          mode = 'thread'; // started before a restart
        else if (
          e instanceof DiscordAPIError &&
          e.status >= 400 &&
          e.status < 500 &&
          e.status !== 401 &&
          e.status !== 429 &&
          !GONE_CODES.has(code ?? 0)
        ) {
          // No permission to start threads here, or a channel type without threads: reply instead.
          ctx.log.info({ code, channel: root.chatId }, 'cannot start a thread in this Discord channel; replying instead');
          mode = 'reply';
        } else throw e;
      }
      this.remember(root.messageId, mode);
    }
    if (mode === 'thread') {
      // A thread started from a message has the message's id.
      const threadId = root.threadId ?? root.messageId;
      const sent = await this.post(threadId, payload, files);
      return { platform: 'discord', chatId: threadId, messageId: sent.id, threadId };
    }
    const sent = await this.post(
      root.chatId,
      { ...payload, message_reference: { message_id: root.messageId, fail_if_not_exists: false } },
      files,
    );
    return { platform: 'discord', chatId: root.chatId, messageId: sent.id };
  }
}

/** The settings from the environment; an incomplete set is a ConfigError naming what is missing. */
export const discordSettings = (config: Pick<AppConfig, 'env' | 'service' | 'delivery'>): DiscordSettings => {
  const env = config.env;
  if (!env.DISCORD_TOKEN)
    throw new ConfigError('DISCORD_TOKEN', 'is required for Discord (Developer Portal → your application → Bot → Reset Token)');
  if (!env.DISCORD_APPLICATION_ID)
    throw new ConfigError(
      'DISCORD_APPLICATION_ID',
      'is required with DISCORD_TOKEN (Developer Portal → your application → General Information → Application ID)',
    );
  const globalPerSecond = config.delivery.limits.discord?.globalPerSecond;
  return {
    token: env.DISCORD_TOKEN,
    applicationId: env.DISCORD_APPLICATION_ID,
    apiUrl: env.DISCORD_API_URL,
    locales: localesOf(config),
    ...(globalPerSecond ? { globalRequestsPerSecond: globalPerSecond } : {}),
    ...(env.DISCORD_GUILD_ID ? { guildId: env.DISCORD_GUILD_ID } : {}),
  };
};

/** The factory the registry calls. */
export const createDiscordAdapter = (settings: DiscordSettings): DiscordAdapter => new DiscordAdapter(settings);

/** `status-relay doctor`: `GET /users/@me` through discord.js's REST at DISCORD_API_URL like the adapter. */
export const checkDiscord = async (cfg: Pick<AppConfig, 'env'>, timeoutMs: number): Promise<SetupCheck[]> => {
  const env = cfg.env;
  const rest = new REST({ api: env.DISCORD_API_URL, retries: 0, timeout: timeoutMs }).setToken(env.DISCORD_TOKEN!);
  const checks: SetupCheck[] = [];
  try {
    const me = (await within(rest.get(Routes.user()), timeoutMs + 1000, env.DISCORD_API_URL)) as { id: string; username: string };
    checks.push({ name: 'discord', ok: true, detail: `DISCORD_TOKEN accepted (GET /users/@me: ${me.username}, id ${me.id})` });
  } catch (e) {
    const err = classifyDiscordError(e);
    checks.push(
      err.kind === 'auth'
        ? {
            name: 'discord',
            ok: false,
            detail: `Discord refused DISCORD_TOKEN (GET /users/@me: 401 Unauthorized)`,
            fix: 'copy the bot token again from the Bot page of your application (Reset Token) into DISCORD_TOKEN',
          }
        : { name: 'discord', ok: false, ...unreachable(e instanceof TimeoutError ? e : err, env.DISCORD_API_URL, 'DISCORD_API_URL') },
    );
  } finally {
    rest.clearHashSweeper();
    rest.clearHandlerSweeper();
  }
  if (!env.DISCORD_APPLICATION_ID)
    checks.push({
      name: 'discord commands',
      ok: false,
      detail: 'DISCORD_APPLICATION_ID is not set',
      fix: 'set DISCORD_APPLICATION_ID (General Information → Application ID)',
    });
  return checks;
};
