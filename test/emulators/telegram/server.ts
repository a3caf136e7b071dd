import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, Methods, type Params } from './methods.ts';
import { LimitBook, REAL_LIMITS, type EmulatorLimits } from './limits.ts';
import {
  World,
  type ApiCall,
  type CallbackAnswer,
  type EmuChat,
  type EmuMessage,
  type EmuUser,
  type MemberStatus,
  type Update,
} from './world.ts';

export type { ApiCall, CallbackAnswer, EmuChat, EmuMessage, EmuUser, MemberStatus } from './world.ts';

/**
 * A local Telegram Bot API server for tests: `http://127.0.0.1:PORT/bot<token>/<method>` answered
 * like api.telegram.org (JSON or multipart in, `{"ok":…}` out, real error texts and codes, long
 * polling, webhooks with the secret header, broadcast limits with 429 + retry_after). The real
 * telegraf client talks to it through `telegram: { apiRoot }` (docs/platforms.md §7).
 */
export class TelegramEmulator {
  readonly world: World;
  readonly limits: LimitBook;
  private readonly methods: Methods;
  private server: Server | undefined;
  private readonly polls = new Set<() => void>();
  apiRoot = '';
  /** Where webhook updates really go (a reverse proxy in front of the bot): the set URL stays public. */
  webhookOverride: string | undefined;
  private readonly failures: { method: string; code: number; description: string; parameters?: Record<string, number> }[] = [];
  private outageStatus: number | undefined;

  constructor(
    readonly token = '123456:TEST-token_for-the-emulator',
    options: { botUsername?: string; limits?: Partial<EmulatorLimits> } = {},
  ) {
    this.world = new World({
      id: Number(token.split(':')[0]),
      first_name: 'Status Relay',
      username: options.botUsername ?? 'status_relay_bot',
      is_bot: true,
    });
    this.limits = new LimitBook({ ...REAL_LIMITS, ...options.limits });
    this.methods = new Methods(this.world, this.limits);
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.apiRoot = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.apiRoot;
  }

  async stop(): Promise<void> {
    for (const wake of this.polls) wake();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  // ── the world ────────────────────────────────────────────────────────────────────────────
  addUser(user: EmuUser): EmuChat {
    return this.world.addUser(user);
  }

  addGroup(
    id: number,
    title: string,
    opts: { type?: 'group' | 'supergroup'; forumTopics?: number[]; members?: Record<number, MemberStatus> } = {},
  ): EmuChat {
    const chat = this.world.addChat({
      id,
      type: opts.type ?? 'supergroup',
      title,
      ...(opts.forumTopics ? { is_forum: true, topics: opts.forumTopics } : {}),
    });
    for (const [uid, status] of Object.entries(opts.members ?? {})) chat.members.set(Number(uid), status);
    return chat;
  }

  addChannel(id: number, title: string, username?: string): EmuChat {
    const chat = this.world.addChat({ id, type: 'channel', title, ...(username ? { username } : {}) });
    chat.botStatus = 'administrator';
    return chat;
  }

  chat(id: number): EmuChat {
    return this.world.chat(id);
  }

  // ── injecting what users do ───────────────────────────────────────────────────────────────
  /** A user writes `text` in a chat (private chat = their own id). Commands get a bot_command entity. */
  userSays(user: EmuUser, chatId: number, text: string, opts: { threadId?: number } = {}): EmuMessage {
    const chat = this.world.chat(chatId);
    if (!this.world.users.has(user.id)) this.world.users.set(user.id, user);
    if (chat.type !== 'private' && !chat.members.has(user.id)) chat.members.set(user.id, 'member');
    if (chat.type === 'private') chat.started = true;
    const m = this.world.store({
      message_id: chat.nextMessageId++,
      chatId,
      fromBot: false,
      from: user,
      date: Math.floor(Date.now() / 1000),
      text,
      entities: commandEntity(text),
      raw: text,
      isPhoto: false,
      ...(opts.threadId ? { threadId: opts.threadId } : {}),
      edits: 0,
    });
    this.deliver({ message: this.world.messageObject(m) });
    return m;
  }

  /** An administrator posts `text` in a channel (no `from`, `sender_chat` is the channel). */
  channelPost(chatId: number, text: string): EmuMessage {
    const chat = this.world.chat(chatId);
    const m = this.world.store({
      message_id: chat.nextMessageId++,
      chatId,
      fromBot: false,
      date: Math.floor(Date.now() / 1000),
      text,
      entities: commandEntity(text),
      raw: text,
      isPhoto: false,
      edits: 0,
    });
    this.deliver({ channel_post: this.world.messageObject(m) });
    return m;
  }

  /** A user presses an inline button; resolves with the bot's answerCallbackQuery. */
  pressButton(user: EmuUser, message: EmuMessage, data: string, timeoutMs = 15_000): Promise<CallbackAnswer> {
    const id = this.world.newCallbackId();
    const answered = new Promise<CallbackAnswer>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`emulator: callback query ${id} (${data}) was not answered in ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.world.callbacks.set(id, { resolve: (a) => (clearTimeout(timer), resolve(a)) });
    });
    this.deliver({
      callback_query: {
        id,
        from: { is_bot: false, ...user },
        message: this.world.messageObject(message),
        chat_instance: `ci${message.chatId}`,
        data,
      },
    });
    return answered;
  }

  private deliver(body: Record<string, unknown>): Update {
    const update = this.world.pushUpdate(body);
    for (const wake of [...this.polls]) wake();
    const hook = this.world.webhook;
    if (hook) void this.postToWebhook(update, hook.secret, this.webhookOverride ?? hook.url);
    return update;
  }

  /** Sends an update to the webhook like Telegram does (also with a wrong secret, for tests); returns the HTTP status. */
  async postToWebhook(update: Update, secret: string | undefined, url = this.world.webhook?.url): Promise<number> {
    if (!url) throw new Error('emulator: no webhook set');
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(secret !== undefined ? { 'x-telegram-bot-api-secret-token': secret } : {}) },
      body: JSON.stringify(update),
    }).catch(() => undefined);
    const status = res?.status ?? 0;
    await res?.arrayBuffer().catch(() => undefined);
    this.world.webhookDeliveries.push({ update_id: update.update_id, status });
    const i = this.world.updates.indexOf(update);
    if (status === 200 && i >= 0) this.world.updates.splice(i, 1);
    this.world.emit('change');
    return status;
  }

  /** The next call of `method` fails like a server in trouble (e.g. 502 Bad Gateway), or a 429 with `{ retry_after }`. */
  failNext(method: string, code: number, description = 'Bad Gateway', parameters?: Record<string, number>): void {
    this.failures.push({ method, code, description, ...(parameters ? { parameters } : {}) });
  }

  /**
   * Until `endOutage()`, every call gets what api.telegram.org's edge sends when its backend is down:
   * the proxy's own HTML error page with this status, no JSON (telegraf then throws a TelegramError
   * with the HTTP status). Calls are still recorded, so tests can count what the bot sent meanwhile.
   */
  startOutage(status = 502): void {
    this.outageStatus = status;
  }

  endOutage(): void {
    this.outageStatus = undefined;
  }

  // ── inspecting what the bot did ───────────────────────────────────────────────────────────
  /** Messages the bot posted in a chat, oldest first, in their current (edited) state. */
  sent(chatId: number): EmuMessage[] {
    return (this.world.messages.get(chatId) ?? []).filter((m) => m.fromBot);
  }

  /** getUpdates requests waiting for an update (a stopped bot leaves none). */
  pendingPolls(): number {
    return this.polls.size;
  }

  get calls(): readonly ApiCall[] {
    return this.world.calls;
  }

  /** Calls the server refused for a reason other than rate limiting. */
  rejected(): ApiCall[] {
    return this.world.calls.filter((c) => !c.ok && c.status !== 429);
  }

  /** Resolves with `probe()`'s first defined value, re-checked on every API call and update. */
  waitFor<T>(probe: () => T | undefined | false, what = 'condition', timeoutMs = 20_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = () => {
        let v: T | undefined | false;
        try {
          v = probe();
        } catch (e) {
          return done(() => reject(e as Error));
        }
        if (v !== undefined && v !== false) done(() => resolve(v as T));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`emulator: timed out waiting for ${what}`))), timeoutMs);
      const done = (f: () => void) => {
        clearTimeout(timer);
        this.world.off('change', check);
        f();
      };
      this.world.on('change', check);
      check();
    });
  }

  // ── HTTP ──────────────────────────────────────────────────────────────────────────────────
  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    const reply = (status: number, body: unknown) => {
      if (res.writableEnded) return;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (!m) return reply(404, { ok: false, error_code: 404, description: 'Not Found' });
    const [, token, method] = m as unknown as [string, string, string];
    let params: Params = {};
    try {
      params = await readParams(req, url);
      if (this.outageStatus !== undefined) {
        const status = this.outageStatus;
        this.world.record({ method, params, status, ok: false, description: PROXY_PAGES[status] ?? 'Bad Gateway' });
        res.writeHead(status, { 'content-type': 'text/html', server: 'nginx' });
        res.end(
          `<html>\r\n<head><title>${status} ${PROXY_PAGES[status] ?? 'Bad Gateway'}</title></head>\r\n<body>\r\n<center><h1>${status} ${PROXY_PAGES[status] ?? 'Bad Gateway'}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`,
        );
        return;
      }
      if (token !== this.token) throw new ApiError(401, 'Unauthorized');
      const failure = this.failures.findIndex((f) => f.method === method);
      if (failure >= 0) {
        const f = this.failures.splice(failure, 1)[0]!;
        throw new ApiError(f.code, f.description, f.parameters);
      }
      const result = method === 'getUpdates' ? await this.getUpdates(params, res) : this.call(method, params);
      if (method !== 'getUpdates') this.world.record({ method, params, status: 200, ok: true });
      reply(200, { ok: true, result });
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError(500, `Internal Server Error: ${(e as Error).message}`);
      this.world.record({
        method,
        params,
        status: err.code,
        ok: false,
        description: err.description,
        ...(err.parameters?.retry_after ? { retryAfter: err.parameters.retry_after } : {}),
      });
      reply(err.code, {
        ok: false,
        error_code: err.code,
        description: err.description,
        ...(err.parameters ? { parameters: err.parameters } : {}),
      });
    }
  }

  private call(method: string, p: Params): unknown {
    const methods = this.methods as unknown as Record<string, ((p: Params) => unknown) | undefined>;
    if (method === 'getMe')
      return { ...this.world.bot, can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false };
    if (method === 'sendChatAction' || method === 'deleteMessage' || method === 'close') return true;
    const fn = method !== 'resolveChat' ? methods[method] : undefined;
    if (typeof fn !== 'function') throw new ApiError(404, 'Not Found');
    return fn.call(this.methods, p);
  }

  /** Long polling: answers at once when updates wait, else when one arrives or `timeout` s pass. */
  private async getUpdates(p: Params, res: ServerResponse): Promise<unknown> {
    if (this.world.webhook)
      throw new ApiError(
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
      );
    const offset = Number(p.offset ?? 0);
    const limit = Math.min(100, Number(p.limit ?? 100));
    const timeout = Math.min(50, Number(p.timeout ?? 0));
    // Updates below the offset are confirmed: forget them, as Telegram does.
    const confirm = () => {
      while (this.world.updates.length && this.world.updates[0]!.update_id < offset) this.world.updates.shift();
    };
    confirm();
    if (this.world.updates.length === 0 && timeout > 0) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.polls.delete(wake);
          res.off('close', wake);
          this.world.emit('change');
          resolve();
        };
        const timer = setTimeout(wake, timeout * 1000);
        this.polls.add(wake);
        // The client went away (telegraf aborts its poll on stop): answer nobody, free the slot.
        res.on('close', wake);
      });
      confirm();
    }
    return this.world.updates.slice(0, limit);
  }
}

/** nginx's reason phrases for the statuses a failing upstream produces. */
const PROXY_PAGES: Record<number, string> = {
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Temporarily Unavailable',
  504: 'Gateway Time-out',
};

const commandEntity = (text: string) => {
  const m = /^\/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?/.exec(text);
  return m ? [{ type: 'bot_command', offset: 0, length: m[0].length }] : [];
};

/** JSON, multipart (telegraf uses it for uploads) or urlencoded bodies, plus query parameters. */
const readParams = async (req: IncomingMessage, url: URL): Promise<Params> => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const body = Buffer.concat(chunks);
  const type = req.headers['content-type'] ?? '';
  const params: Params = Object.fromEntries(url.searchParams);
  if (!body.length) return params;
  if (type.includes('application/json')) return { ...params, ...(JSON.parse(body.toString('utf8')) as Params) };
  if (type.includes('multipart/form-data') || type.includes('application/x-www-form-urlencoded')) {
    const form = await new Response(body, { headers: { 'content-type': type } }).formData();
    for (const [k, v] of form.entries()) params[k] = v;
  }
  return params;
};
