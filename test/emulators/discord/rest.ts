import type { IncomingMessage, ServerResponse } from 'node:http';
import { snowflake, type EmuMessage, type EmuState, type Json } from './state.ts';
import { pingsEveryone, validateMessage } from './validate.ts';
import { validateCommands } from './commands.ts';
import { routeOf, type RateLimits } from './rate-limit.ts';
import { validateModal } from './modals.ts';

interface Reply {
  status: number;
  body?: unknown;
}

class RestError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly errors?: unknown,
  ) {
    super(message);
  }
}

/**
 * Interaction deadlines (https://discord.com/developers/docs/interactions/receiving-and-responding#responding-to-an-interaction):
 * the initial response within 3 s, else the token is invalid for it; the token then serves
 * follow-ups and @original edits for 15 minutes.
 */
export const INITIAL_RESPONSE_MS = 3000;
export const INTERACTION_TOKEN_MS = 15 * 60_000;

const E = {
  unknownChannel: () => new RestError(404, 10003, 'Unknown Channel'),
  unknownMessage: () => new RestError(404, 10008, 'Unknown Message'),
  unknownInteraction: () => new RestError(404, 10062, 'Unknown interaction'),
  missingAccess: () => new RestError(403, 50001, 'Missing Access'),
  missingPermissions: () => new RestError(403, 50013, 'Missing Permissions'),
  cannotDm: () => new RestError(403, 50007, 'Cannot send messages to this user'),
};

interface Parsed {
  body: Json;
  files: { name: string; size: number }[];
}

/** JSON, or multipart/form-data with `payload_json` and `files[n]` parts (as discord.js sends attachments). */
const parseBody = async (req: IncomingMessage): Promise<Parsed> => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks);
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('multipart/form-data')) {
    const form = await new Response(raw, { headers: { 'content-type': type } }).formData();
    const files: Parsed['files'] = [];
    let body: Json = {};
    for (const [key, value] of form.entries()) {
      if (key === 'payload_json') body = JSON.parse(String(value)) as Json;
      else if (typeof value !== 'string') files.push({ name: value.name, size: value.size });
    }
    return { body, files };
  }
  return { body: raw.length ? (JSON.parse(raw.toString('utf8')) as Json) : {}, files: [] };
};

/** Answers Discord's REST API (v10) for the routes Status Relay uses, as strictly as Discord. */
export class Rest {
  constructor(
    private readonly state: EmuState,
    private readonly limits: RateLimits,
    private readonly opts: { token: string; applicationId: string; gatewayUrl: () => string },
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const path = decodeURIComponent(url.pathname).replace(/^\/api\/v10/, '');
    const method = req.method ?? 'GET';
    const parsed = await parseBody(req).catch(() => undefined);
    const record = { method, path, body: parsed?.body, status: 0 } as {
      method: string;
      path: string;
      body: Json | undefined;
      status: number;
      code?: number;
    };
    this.state.requests.push(record);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const answer = (r: Reply) => {
      record.status = r.status;
      if ([401, 403, 429].includes(r.status)) this.state.invalidRequests++;
      const code = (r.body as { code?: unknown } | undefined)?.code;
      if (typeof code === 'number') record.code = code;
      if (r.body === undefined) delete headers['content-type'];
      res.writeHead(r.status, headers).end(r.body === undefined ? undefined : JSON.stringify(r.body));
      this.state.emit('request', record);
    };
    const tokenRoute = path.startsWith('/interactions/') || path.startsWith('/webhooks/');
    if (!tokenRoute && req.headers.authorization !== `Bot ${this.opts.token}`)
      return answer({ status: 401, body: { message: '401: Unauthorized', code: 0 } });
    const verdict = this.limits.check(method, path);
    Object.assign(headers, verdict.headers);
    if (verdict.limited)
      return answer({
        status: 429,
        body: {
          message: 'You are being rate limited.',
          retry_after: Number(verdict.limited.retryAfterS.toFixed(3)),
          global: verdict.limited.global,
        },
      });
    const key = `${method} ${routeOf(path)}`;
    const fault = this.state.faults.findIndex((f) => f.route === key);
    if (fault >= 0) {
      const f = this.state.faults.splice(fault, 1)[0]!;
      return answer({ status: f.status, body: f.body });
    }
    if (!parsed) return answer({ status: 400, body: { code: 50109, message: 'The request body contains invalid JSON.' } });
    try {
      answer(await this.route(method, path, parsed, url.searchParams));
    } catch (e) {
      if (!(e instanceof RestError)) throw e;
      answer({ status: e.status, body: { message: e.message, code: e.code, ...(e.errors ? { errors: e.errors } : {}) } });
    }
  }

  private async route(method: string, path: string, p: Parsed, query: URLSearchParams): Promise<Reply> {
    const s = this.state;
    let m: RegExpExecArray | null;
    if (method === 'GET' && path === '/gateway/bot')
      return {
        status: 200,
        body: {
          url: this.opts.gatewayUrl(),
          shards: 1,
          session_start_limit: { total: 1000, remaining: 999, reset_after: 86_400_000, max_concurrency: 1 },
        },
      };
    if ((m = /^\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/.exec(path))) {
      if (m[1] !== this.opts.applicationId) throw E.missingAccess();
      const scope = m[2] ?? 'global';
      if (method === 'GET') return { status: 200, body: s.commands.get(scope) ?? [] };
      if (method !== 'PUT') return { status: 405, body: { message: '405: Method Not Allowed', code: 0 } };
      const list = p.body as unknown as Json[];
      const bad = validateCommands(list);
      if (bad) return bad;
      const stored = list.map((c) => ({
        ...c,
        id: snowflake(),
        application_id: this.opts.applicationId,
        version: snowflake(),
        ...(m![2] ? { guild_id: m![2] } : {}),
      }));
      s.commands.set(scope, stored);
      s.emit('commands', scope);
      return { status: 200, body: stored };
    }
    // https://discord.com/developers/docs/resources/user#get-current-user: a bot token answers with the bot's user.
    if (method === 'GET' && path === '/users/@me')
      return {
        status: 200,
        body: {
          id: s.botUser.id,
          username: s.botUser.username,
          discriminator: '0000',
          global_name: null,
          avatar: null,
          bot: true,
          mfa_enabled: false,
          flags: 0,
          public_flags: 0,
          verified: true,
          email: null,
        },
      };
    if (method === 'POST' && path === '/users/@me/channels') {
      const id = String(p.body.recipient_id ?? '');
      if (!s.users.has(id)) throw new RestError(404, 10013, 'Unknown User');
      const existing = s.dmChannelOf(id);
      const ch = existing ?? {
        id: snowflake(),
        type: 1 as const,
        name: '',
        recipientId: id,
        threadsAllowed: false,
        access: true,
        archived: false,
      };
      s.channels.set(ch.id, ch);
      return { status: 200, body: s.toApiChannel(ch) };
    }
    if ((m = /^\/channels\/(\d+)\/messages$/.exec(path)) && method === 'POST') return this.createMessage(m[1]!, p);
    if ((m = /^\/channels\/(\d+)\/messages\/(\d+)$/.exec(path)) && method === 'PATCH') {
      this.channel(m[1]!);
      const msg = s.messages.get(m[2]!);
      if (!msg || msg.channelId !== m[1]) throw E.unknownMessage();
      return { status: 200, body: this.editMessage(msg, p) };
    }
    if ((m = /^\/channels\/(\d+)\/messages\/(\d+)\/threads$/.exec(path)) && method === 'POST')
      return this.startThread(m[1]!, m[2]!, p.body);
    if ((m = /^\/channels\/(\d+)$/.exec(path)) && method === 'PATCH') {
      const ch = this.channel(m[1]!);
      if (typeof p.body.archived === 'boolean') ch.archived = p.body.archived;
      if (typeof p.body.name === 'string') ch.name = p.body.name;
      s.emit('channel', ch);
      return { status: 200, body: s.toApiChannel(ch) };
    }
    if ((m = /^\/interactions\/(\d+)\/([^/]+)\/callback$/.exec(path)) && method === 'POST') return this.callback(m[1]!, m[2]!, p, query);
    if ((m = /^\/webhooks\/(\d+)\/([^/]+)\/messages\/@original$/.exec(path)) && (method === 'PATCH' || method === 'GET')) {
      const i = [...s.interactions.values()].find((x) => x.token === m![2]);
      if (!i || m[1] !== this.opts.applicationId) throw new RestError(404, 10015, 'Unknown Webhook');
      if (Date.now() - i.createdAt > INTERACTION_TOKEN_MS) throw new RestError(401, 50027, 'Invalid Webhook Token');
      if (method === 'GET') {
        if (!i.reply) throw E.unknownMessage();
        return { status: 200, body: s.toApiMessage(i.reply) };
      }
      if (!i.callbackType) throw E.unknownMessage();
      const bad = validateMessage(p.body, { create: !i.reply, files: p.files.length });
      if (bad) return bad;
      if (!i.reply)
        i.reply = this.newMessage(
          String((i.payload.channel as Json).id),
          p,
          Number(p.body.flags ?? 0) | (i.callbackType === 5 ? i.deferredFlags : 0),
        );
      else this.editMessage(i.reply, p);
      i.finish();
      return { status: 200, body: s.toApiMessage(i.reply) };
    }
    return { status: 404, body: { message: '404: Not Found', code: 0 } };
  }

  private channel(id: string) {
    const ch = this.state.channels.get(id);
    if (!ch) throw E.unknownChannel();
    if (!ch.access) throw E.missingAccess();
    return ch;
  }

  private createMessage(channelId: string, p: Parsed): Reply {
    const ch = this.channel(channelId);
    if (ch.type === 1 && this.state.users.get(ch.recipientId!)?.dmsOpen === false) throw E.cannotDm();
    const bad = validateMessage(p.body, { create: true, files: p.files.length });
    if (bad) return bad;
    const ref = p.body.message_reference as Json | undefined;
    if (ref) {
      const target = this.state.messages.get(String(ref.message_id));
      if (!target || target.channelId !== channelId)
        throw new RestError(400, 50035, 'Invalid Form Body', {
          message_reference: { _errors: [{ code: 'MESSAGE_REFERENCE_UNKNOWN_MESSAGE', message: 'Unknown message' }] },
        });
    }
    // Posting in an archived (not locked) thread unarchives it, as Discord does.
    if (ch.type === 11 && ch.archived) ch.archived = false;
    const msg = this.newMessage(channelId, p, Number(p.body.flags ?? 0), ref ? String(ref.message_id) : undefined);
    return { status: 200, body: this.state.toApiMessage(msg) };
  }

  private newMessage(channelId: string, p: Parsed, flags: number, replyTo?: string): EmuMessage {
    const b = p.body;
    const msg: EmuMessage = {
      id: snowflake(),
      channelId,
      content: typeof b.content === 'string' ? b.content : '',
      embeds: (b.embeds as Json[] | undefined) ?? [],
      components: (b.components as Json[] | undefined) ?? [],
      attachments: p.files.map((f) => ({ id: snowflake(), filename: f.name, size: f.size })),
      flags,
      ...(replyTo ? { replyTo } : {}),
      bodies: [b],
      edits: 0,
      pingedEveryone: pingsEveryone(b.content, b.allowed_mentions),
    };
    this.state.messages.set(msg.id, msg);
    this.state.emit('message', msg);
    return msg;
  }

  private editMessage(msg: EmuMessage, p: Parsed): Json {
    const b = p.body;
    const bad = validateMessage(b, { create: false, files: p.files.length });
    if (bad) throw new RestError(bad.status, bad.body.code, bad.body.message, bad.body.errors);
    if (b.content !== undefined) msg.content = typeof b.content === 'string' ? b.content : '';
    if (b.embeds !== undefined) msg.embeds = (b.embeds as Json[] | null) ?? [];
    if (b.components !== undefined) msg.components = (b.components as Json[] | null) ?? [];
    if (p.files.length) msg.attachments = p.files.map((f) => ({ id: snowflake(), filename: f.name, size: f.size }));
    msg.bodies.push(b);
    msg.edits++;
    // Documented: an edit without allowed_mentions re-parses the content with the default allowances.
    msg.pingedEveryone ||= pingsEveryone(msg.content, b.allowed_mentions);
    this.state.emit('edit', msg);
    return this.state.toApiMessage(msg);
  }

  private startThread(channelId: string, messageId: string, body: Json): Reply {
    const ch = this.channel(channelId);
    const msg = this.state.messages.get(messageId);
    if (!msg || msg.channelId !== channelId) throw E.unknownMessage();
    if (ch.type !== 0) throw new RestError(400, 50024, 'Cannot execute action on this channel type');
    if (!ch.threadsAllowed) throw E.missingPermissions();
    if (this.state.channels.has(messageId)) throw new RestError(400, 160004, 'A thread has already been created for this message');
    const name = body.name;
    if (typeof name !== 'string' || name.length < 1 || name.length > 100)
      throw new RestError(400, 50035, 'Invalid Form Body', {
        name: { _errors: [{ code: 'BASE_TYPE_BAD_LENGTH', message: 'Must be between 1 and 100 in length.' }] },
      });
    // A thread started from a message has the message's id.
    const thread = {
      id: messageId,
      type: 11 as const,
      guildId: ch.guildId!,
      parentId: channelId,
      name,
      threadsAllowed: false,
      access: true,
      archived: false,
    };
    this.state.channels.set(thread.id, thread);
    this.state.emit('channel', thread);
    return { status: 201, body: this.state.toApiChannel(thread) };
  }

  private callback(id: string, token: string, p: Parsed, query: URLSearchParams): Reply {
    const i = this.state.interactions.get(id);
    if (!i || i.token !== token) throw E.unknownInteraction();
    if (i.callbackType) throw new RestError(400, 40060, 'Interaction has already been acknowledged.');
    if (Date.now() - i.createdAt > INITIAL_RESPONSE_MS) throw E.unknownInteraction();
    const type = Number(p.body.type);
    const data = (p.body.data ?? {}) as Json;
    if (type === 4) {
      const bad = validateMessage(data, { create: true, files: p.files.length });
      if (bad) return bad;
      i.callbackType = 4;
      i.reply = this.newMessage(String((i.payload.channel as Json).id), { body: data, files: p.files }, Number(data.flags ?? 0));
      i.finish();
    } else if (type === 5) {
      i.callbackType = 5;
      i.deferredFlags = Number(data.flags ?? 0);
    } else if (type === 7) {
      // UPDATE_MESSAGE: only for component interactions, edits the message the component is on.
      if (i.payload.type !== 3 || !i.message)
        throw new RestError(400, 50035, 'Invalid Form Body', {
          type: {
            _errors: [{ code: 'INTERACTION_RESPONSE_TYPE_INVALID', message: 'Interaction response type is invalid for this interaction.' }],
          },
        });
      const bad = validateMessage(data, { create: false, files: p.files.length });
      if (bad) return bad;
      i.callbackType = 7;
      this.editMessage(i.message, { body: data, files: p.files });
      i.reply = i.message;
      i.finish();
    } else if (type === 9) {
      // MODAL: for commands and components, never in answer to a modal submission.
      if (i.payload.type === 5 || i.payload.type === 4)
        throw new RestError(400, 50035, 'Invalid Form Body', {
          type: {
            _errors: [{ code: 'INTERACTION_RESPONSE_TYPE_INVALID', message: 'Interaction response type is invalid for this interaction.' }],
          },
        });
      const bad = validateModal(data);
      if (bad) return bad;
      i.callbackType = 9;
      i.modal = data;
      i.finish();
    } else if (type === 8) {
      const choices = (data.choices ?? []) as { name: string; value: string }[];
      if (choices.length > 25)
        throw new RestError(400, 50035, 'Invalid Form Body', {
          data: { choices: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 25 or fewer in length.' }] } },
        });
      i.callbackType = 8;
      i.choices = choices;
      i.finish();
    } else
      throw new RestError(400, 50035, 'Invalid Form Body', {
        type: { _errors: [{ code: 'BASE_TYPE_CHOICES', message: `Value must be one of (1, 4, 5, 6, 7, 8, 9, 10, 12).` }] },
      });
    i.callbackAt = Date.now();
    if (query.get('with_response') === 'true')
      return {
        status: 200,
        body: {
          interaction: { id, type: i.payload.type },
          resource: { type, ...(i.reply ? { message: this.state.toApiMessage(i.reply) } : {}) },
        },
      };
    return { status: 204 };
  }
}
