import { App as BoltApp, HTTPReceiver, LogLevel, SocketModeReceiver, webApi, type Logger as BoltLogger } from '@slack/bolt';
import type { WebClient, WebClientOptions } from '@slack/web-api';
import type { Logger } from 'pino';
import type { Target } from '../../core/model.ts';
import type { AppConfig } from '../../core/config.ts';
import { ConfigError } from '../../core/errors.ts';
import type { MessageModel } from '../../i18n/message.ts';
import type { AdapterContext, AdapterState, ChatAdapter, PostedRef, SendOptions } from '../adapter.ts';
import { renderSlack } from './render.ts';
import { classifySlackError } from './errors.ts';
import { TimeoutError, unreachable, within, type SetupCheck } from '../checks.ts';
import { attachSlackInbound } from './inbound.ts';
import { setBounded } from '../../core/bounded.ts';
import { uploadChart } from './files.ts';

/** conversations.open answers kept (a lost one costs one more call, never a message). */
const DM_CHANNELS_KEPT = 20_000;

export interface SlackSettings {
  readonly token: string;
  /** HTTP mode: requests to /slack/events are verified with it. */
  readonly signingSecret?: string;
  /** Socket Mode when set (xapp-…). */
  readonly appToken?: string;
  readonly apiUrl: string;
  readonly command: string;
  /** Channel ids whose resolution reply is also posted to the channel (announce `broadcastResolution`). */
  readonly broadcastResolution?: ReadonlySet<string>;
  /** How often to retry auth.test while the token is refused. */
  readonly authProbeMs?: number;
}

/** bolt's Logger interface over our pino child (bolt and the WebClient share it). */
const boltLogger = (log: Logger): BoltLogger => {
  let level = LogLevel.INFO;
  const line = (msg: unknown[]) =>
    msg.map((m) => (m instanceof Error ? m.message : typeof m === 'string' ? m : JSON.stringify(m))).join(' ');
  return {
    debug: (...m: unknown[]) => log.debug(line(m)),
    info: (...m: unknown[]) => log.debug(line(m)),
    warn: (...m: unknown[]) => log.warn(line(m)),
    error: (...m: unknown[]) => log.error(line(m)),
    setLevel: (l: LogLevel) => void (level = l),
    getLevel: () => level,
    setName: () => undefined,
  };
};

/**
 * Slack through @slack/bolt: HTTP mode on our server's POST /slack/events (bolt's HTTPReceiver does
 * the signature check, fed from our route) or Socket Mode with SLACK_APP_TOKEN. Announcements are
 * Block Kit; updates edit the first post (chat.update) and reply in its thread.
 */
export class SlackAdapter implements ChatAdapter {
  readonly platform = 'slack' as const;
  private status: AdapterState = 'down';
  private bolt: BoltApp | undefined;
  private log: Logger | undefined;
  private probe: NodeJS.Timeout | undefined;
  private readonly dmChannels = new Map<string, string>();
  private initialized = false;
  /** The workspace and app this token belongs to (auth.test), for links into Slack. */
  private identity: { readonly team: string; readonly app: string } | undefined;
  private socketStarted = false;

  constructor(private readonly settings: SlackSettings) {}

  get client(): WebClient {
    if (!this.bolt) throw new Error('the Slack adapter is not started');
    return this.bolt.client;
  }

  async start(ctx: AdapterContext): Promise<void> {
    const o = this.settings;
    this.log = ctx.log;
    this.status = 'connecting';
    const logger = boltLogger(ctx.log);
    // Our delivery owns retries and 429 waits (README "Guarantees"): the WebClient must throw, not queue or retry.
    const clientOptions: WebClientOptions = { slackApiUrl: o.apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 0 }, logger };
    if (o.appToken) {
      // Socket Mode: the same clientOptions reach the SocketModeClient, so apps.connections.open uses SLACK_API_URL.
      const receiver = new SocketModeReceiver({ appToken: o.appToken, logger, installerOptions: { clientOptions } });
      receiver.client.on('connected', () => this.socketState('connected'));
      receiver.client.on('reconnecting', () => this.socketState('connecting'));
      this.bolt = new BoltApp({ token: o.token, receiver, clientOptions, logger, deferInitialization: true });
    } else {
      if (!o.signingSecret)
        throw new ConfigError('SLACK_SIGNING_SECRET', 'is required in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)');
      const receiver = new HTTPReceiver({ signingSecret: o.signingSecret, endpoints: '/slack/events', logger });
      this.bolt = new BoltApp({ token: o.token, receiver, clientOptions, logger, deferInitialization: true });
      ctx.http.add('POST', '/slack/events', async (rc) => {
        // bolt verifies the signature over the raw bytes; hand it the body our server already read (1 MiB cap).
        Object.assign(rc.req, { rawBody: await rc.body() });
        receiver.requestListener(rc.req, rc.res);
      });
    }
    attachSlackInbound(this.bolt, {
      router: ctx.commands,
      client: this.bolt.client,
      log: ctx.log,
      command: o.command,
      replies: ctx.replies,
      ...(ctx.authoring ? { authoring: ctx.authoring } : {}),
    });
    this.bolt.error(async (e) => ctx.log.error({ err: e }, 'Slack handler failed'));
    const reached: { step: 'bot' | 'app' } = { step: 'bot' };
    try {
      await this.connect((s) => (reached.step = s));
    } catch (e) {
      const err = classifySlackError(e);
      if (err.kind === 'auth') {
        // A refused token is a wrong setting, not an outage: start-up stops with one line naming it (no retry loop).
        this.status = 'down';
        await this.stop();
        throw reached.step === 'app'
          ? new ConfigError(
              'SLACK_APP_TOKEN',
              `was refused by Slack (${err.code}): copy the xapp-… token again (Basic Information → App-Level Tokens, scope connections:write)`,
            )
          : new ConfigError(
              'SLACK_BOT_TOKEN',
              `was refused by Slack (${err.code}): copy the xoxb-… token again (OAuth & Permissions → Bot User OAuth Token)`,
            );
      }
      // Unreachable is an outage: keep trying, reporting "connecting" meanwhile.
      this.status = 'connecting';
      ctx.log.error({ code: err.code }, 'could not reach Slack at start; retrying');
      this.recoverLater();
    }
  }

  /**
   * Opens a direct message with the bot in its workspace, where a reader can subscribe
   * (https://api.slack.com/docs/deep-linking#open_a_direct_message); known once connected.
   */
  appRedirectUrl(): string | undefined {
    if (!this.identity) return undefined;
    return `https://slack.com/app_redirect?app=${encodeURIComponent(this.identity.app)}&team=${encodeURIComponent(this.identity.team)}`;
  }

  /** bolt's init() is its own auth.test; Socket Mode then opens the WebSocket (apps.connections.open). */
  private async connect(at: (step: 'bot' | 'app') => void = () => undefined): Promise<void> {
    at('bot');
    if (!this.initialized) {
      await this.bolt!.init();
      this.initialized = true;
    } else {
      await this.client.auth.test();
    }
    if (!this.identity) {
      const me = await this.client.auth.test();
      if (me.team_id && me.app_id) this.identity = { team: me.team_id, app: me.app_id };
    }
    if (this.settings.appToken && !this.socketStarted) {
      at('app');
      await this.bolt!.start();
      this.socketStarted = true;
    }
    this.status = 'connected';
  }

  private socketState(state: AdapterState): void {
    // A token refusal outranks the socket's own view.
    if (this.status !== 'down' || state === 'connected') this.status = state;
  }

  async stop(): Promise<void> {
    clearInterval(this.probe);
    if (this.socketStarted) await this.bolt?.stop().catch(() => undefined);
    this.socketStarted = false;
    this.status = 'down';
  }

  state(): AdapterState {
    return this.status;
  }

  async send(target: Target, message: MessageModel, options?: SendOptions): Promise<PostedRef> {
    const { text, blocks } = renderSlack(message);
    const replyTo = options?.replyTo;
    try {
      const channel = replyTo ? replyTo.chatId : target.kind === 'dm' ? await this.openDm(target.chatId) : target.chatId;
      // Replies go under the root (thread_ts of a reply is never used, docs/platforms.md §6).
      const threadTs = replyTo ? (replyTo.threadId ?? replyTo.messageId) : target.threadId;
      const broadcast = Boolean(replyTo && options?.resolution && this.settings.broadcastResolution?.has(target.chatId));
      const base = { channel, text, blocks, unfurl_links: false, unfurl_media: false };
      const res = await this.client.chat.postMessage(threadTs ? { ...base, thread_ts: threadTs, reply_broadcast: broadcast } : base);
      const ts = res.ts ?? '';
      if (message.image) await this.shareImage(res.channel ?? channel, message.image, threadTs);
      return { platform: 'slack', chatId: res.channel ?? channel, messageId: ts, ...(threadTs ? { threadId: threadTs } : {}) };
    } catch (e) {
      throw this.failed(e);
    }
  }

  async edit(ref: PostedRef, message: MessageModel): Promise<void> {
    const { text, blocks } = renderSlack(message);
    try {
      await this.client.chat.update({ channel: ref.chatId, ts: ref.messageId, text, blocks });
    } catch (e) {
      throw this.failed(e);
    }
  }

  /**
   * A chart (the digest's) goes under the text it belongs to: Block Kit cannot carry a PNG, so it is
   * uploaded with files.uploadV2 and shared to the same channel or thread. The text is already
   * posted: a failed upload is logged and the message stands (a retry would post the text twice).
   */
  private async shareImage(channel: string, image: NonNullable<MessageModel['image']>, threadTs: string | undefined): Promise<void> {
    try {
      await uploadChart(this.client, { channel, image, ...(threadTs ? { threadTs } : {}) });
    } catch (e) {
      const err = classifySlackError(e);
      this.log?.warn(
        { code: err.code, channel },
        err.code === 'missing_scope'
          ? 'chart not shared: the Slack app lacks the files:write scope (see slack-app-manifest.yaml)'
          : 'chart upload to Slack failed',
      );
    }
  }

  /** Direct messages go to the D… channel of conversations.open, never to the user id (docs/contract.md §7). */
  private async openDm(userId: string): Promise<string> {
    const known = this.dmChannels.get(userId);
    if (known) return known;
    const res = await this.client.conversations.open({ users: userId, return_im: false });
    const id = res.channel?.id;
    if (!id) throw new Error('conversations.open returned no channel');
    setBounded(this.dmChannels, userId, id, DM_CHANNELS_KEPT);
    return id;
  }

  private failed(e: unknown) {
    const err = classifySlackError(e);
    if (err.kind === 'auth' && this.status !== 'down') {
      this.status = 'down';
      this.log?.error({ code: err.code }, 'Slack refused the bot token: reporting down until auth.test succeeds again');
      this.recoverLater();
    }
    return err;
  }

  /** While down, try again now and then, so a restored token or network brings Slack back. */
  private recoverLater(): void {
    clearInterval(this.probe);
    this.probe = setInterval(() => {
      this.connect()
        .then(() => {
          clearInterval(this.probe);
          this.log?.info('Slack is reachable and accepts the token again');
        })
        .catch(() => undefined);
    }, this.settings.authProbeMs ?? 60_000);
    this.probe.unref();
  }
}

/** The settings from the environment and the announce targets; an incomplete set is a ConfigError naming what is missing. */
export const slackSettings = (config: Pick<AppConfig, 'env' | 'announce'>): SlackSettings => {
  const env = config.env;
  if (!env.SLACK_BOT_TOKEN) throw new ConfigError('SLACK_BOT_TOKEN', 'is required for Slack (OAuth & Permissions → Bot User OAuth Token)');
  if (!env.SLACK_APP_TOKEN && !env.SLACK_SIGNING_SECRET)
    throw new ConfigError(
      'SLACK_SIGNING_SECRET',
      'required with SLACK_BOT_TOKEN in HTTP mode (Basic Information → Signing Secret), or set SLACK_APP_TOKEN for Socket Mode',
    );
  return {
    token: env.SLACK_BOT_TOKEN,
    ...(env.SLACK_SIGNING_SECRET ? { signingSecret: env.SLACK_SIGNING_SECRET } : {}),
    ...(env.SLACK_APP_TOKEN ? { appToken: env.SLACK_APP_TOKEN } : {}),
    apiUrl: env.SLACK_API_URL,
    command: env.SLACK_COMMAND,
    broadcastResolution: new Set(config.announce.filter((a) => a.platform === 'slack' && a.broadcastResolution).map((a) => a.chatId)),
  };
};

/** The factory the registry calls. */
export const createSlackAdapter = (settings: SlackSettings): SlackAdapter => new SlackAdapter(settings);

/** The WebClient logs each failed call itself; doctor's line says it once. */
const silentSlackLogger = (): BoltLogger => {
  let level = LogLevel.ERROR;
  return {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
    setLevel: (l) => void (level = l),
    getLevel: () => level,
    setName: () => undefined,
  };
};

/** `status-relay doctor`: `auth.test` through bolt's WebClient at SLACK_API_URL like the adapter; Socket Mode's app token too. */
export const checkSlack = async (cfg: Pick<AppConfig, 'env'>, timeoutMs: number): Promise<SetupCheck[]> => {
  const env = cfg.env;
  const client = (token: string) =>
    new webApi.WebClient(token, {
      slackApiUrl: env.SLACK_API_URL,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout: timeoutMs,
      logger: silentSlackLogger(),
    });
  const checks: SetupCheck[] = [];
  try {
    const me = await within(client(env.SLACK_BOT_TOKEN!).auth.test(), timeoutMs + 1000, env.SLACK_API_URL);
    checks.push({
      name: 'slack',
      ok: true,
      detail: `SLACK_BOT_TOKEN accepted (auth.test: ${me.user ?? me.user_id ?? 'bot'} in ${me.team ?? me.team_id ?? 'the workspace'})`,
    });
  } catch (e) {
    const err = classifySlackError(e);
    checks.push(
      err.kind === 'auth'
        ? {
            name: 'slack',
            ok: false,
            detail: `Slack refused SLACK_BOT_TOKEN (auth.test: ${err.code})`,
            fix: 'copy the Bot User OAuth Token (xoxb-…) again from OAuth & Permissions, and reinstall the app if it was revoked',
          }
        : { name: 'slack', ok: false, ...unreachable(e instanceof TimeoutError ? e : err, env.SLACK_API_URL, 'SLACK_API_URL') },
    );
  }
  if (env.SLACK_APP_TOKEN) {
    // Socket Mode's own token: apps.connections.open only hands out a one-time WebSocket URL, which expires unused.
    try {
      await within(client(env.SLACK_APP_TOKEN).apps.connections.open(), timeoutMs + 1000, env.SLACK_API_URL);
      checks.push({ name: 'slack socket mode', ok: true, detail: 'SLACK_APP_TOKEN accepted (apps.connections.open)' });
    } catch (e) {
      const err = classifySlackError(e);
      checks.push(
        err.kind === 'auth'
          ? {
              name: 'slack socket mode',
              ok: false,
              detail: `Slack refused SLACK_APP_TOKEN (apps.connections.open: ${err.code})`,
              fix: 'copy the App-Level Token (xapp-…, scope connections:write) again from Basic Information, and turn Socket Mode on',
            }
          : {
              name: 'slack socket mode',
              ok: false,
              ...unreachable(e instanceof TimeoutError ? e : err, env.SLACK_API_URL, 'SLACK_API_URL'),
            },
      );
    }
  } else if (!env.SLACK_SIGNING_SECRET) {
    checks.push({
      name: 'slack events',
      ok: false,
      detail: 'neither SLACK_SIGNING_SECRET (HTTP mode) nor SLACK_APP_TOKEN (Socket Mode) is set',
      fix: 'set SLACK_SIGNING_SECRET (Basic Information → Signing Secret) or SLACK_APP_TOKEN',
    });
  }
  return checks;
};
