import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventEmitter } from 'node:events';
import { parse as parseQs } from 'node:querystring';
import { WebSocketServer, type WebSocket } from 'ws';
import { validateBlocks, textsOf, mentionsIn } from './validate.ts';
import { TRIGGER_LIFETIME_MS, missingRequired, stateValues, validateModal, type Inputs } from './views.ts';
import { signSlack } from './sign.ts';

export interface EmuUser {
  id: string;
  locale?: string;
  is_admin?: boolean;
  is_owner?: boolean;
  deleted?: boolean;
}
export interface EmuChannel {
  id: string;
  creator?: string;
  archived?: boolean;
  /** The bot was invited (false → not_in_channel). */
  member?: boolean;
  /** Gone entirely (→ channel_not_found). */
  deleted?: boolean;
}
export interface EmuMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: unknown;
  thread_ts?: string;
  reply_broadcast?: boolean;
  edits: { text: string; blocks: unknown }[];
}
export interface EmuCall {
  method: string;
  args: Record<string, unknown>;
  ok: boolean;
  error?: string;
  status: number;
}
/** A file of the external upload flow (files.getUploadURLExternal → upload URL → files.completeUploadExternal). */
export interface EmuFile {
  id: string;
  filename: string;
  /** Declared in files.getUploadURLExternal; the upload must bring exactly this many bytes. */
  length: number;
  alt?: string;
  bytes?: Buffer;
  title?: string;
  /** Where completeUploadExternal shared it; empty = private to the uploader. */
  shares: { channel: string; thread_ts?: string; initial_comment?: string }[];
  completed: boolean;
}
/** A message only one user sees (chat.postEphemeral): not in `messages`, gone when the client reloads. */
export interface EmuEphemeral {
  channel: string;
  user: string;
  text: string;
  blocks: unknown;
}
/** A modal open on a user's screen. */
export interface EmuView {
  id: string;
  user: string;
  hash: string;
  view: Record<string, unknown>;
  closed: boolean;
}
export interface EmuResponse {
  id: string;
  body: Record<string, unknown>;
}

/**
 * A response_url "can be used up to 5 times within 30 minutes" (docs.slack.dev/interactivity/handling-user-interaction);
 * the error strings Slack answers beyond are not documented: `used_url` and `expired_url` here.
 */
export const RESPONSE_URL_USES = 5;
export const RESPONSE_URL_LIFETIME_MS = 30 * 60_000;
/** Slack wants the HTTP 200 for a slash command within 3 s, else the user sees a timeout error. */
export const ACK_DEADLINE_MS = 3000;
/** Web API tiers per method per workspace per app (api.slack.com/docs/rate-limits); Tier 4 = 100+/min. */
export const TIER_PER_MINUTE: Record<string, number> = { 'users.info': 100 };

type Result = { status?: number; headers?: Record<string, string>; body: Record<string, unknown> };
const fail = (error: string, extra: Record<string, unknown> = {}): Result => ({ body: { ok: false, error, ...extra } });

/**
 * A strict local Slack Web API (`/api/<method>`) plus a `response_url` sink (`/response/<id>`).
 * Binds 127.0.0.1 on an ephemeral port. Emits 'call' and 'response' so tests wait on events, not time.
 */
export class SlackEmulator extends EventEmitter {
  readonly users = new Map<string, EmuUser>();
  readonly channels = new Map<string, EmuChannel>();
  readonly messages: EmuMessage[] = [];
  readonly calls: EmuCall[] = [];
  readonly responses: EmuResponse[] = [];
  readonly homeViews = new Map<string, Record<string, unknown>>();
  readonly files = new Map<string, EmuFile>();
  readonly ephemerals: EmuEphemeral[] = [];
  readonly views = new Map<string, EmuView>();
  /** User groups (S…) and their members, for usergroups.users.list. */
  readonly userGroups = new Map<string, string[]>();
  /** trigger_ids issued with commands and interactions: when, and whether a view was opened with one. */
  /**
   * Slack's deadlines, as Slack sets them. A test of what a flow says (not of how fast it answers)
   * may lengthen them, so that a slow, loaded machine is not read as a wrong answer; the tests of
   * the deadlines themselves keep Slack's values.
   */
  triggerLifetimeMs = TRIGGER_LIFETIME_MS;
  ackDeadlineMs = ACK_DEADLINE_MS;
  private readonly triggers = new Map<string, { issuedAt: number; user: string; used: boolean }>();
  /** The bot token's scopes: a method that needs another answers missing_scope, as Slack does. */
  readonly scopes = new Set([
    'chat:write',
    'commands',
    'im:write',
    'users:read',
    'channels:read',
    'groups:read',
    'files:write',
    'usergroups:read',
  ]);
  readonly mentions: string[] = [];
  /** Tokens Slack knows; a revoked one answers token_revoked, an unknown one invalid_auth. */
  readonly tokens = new Set(['xoxb-test']);
  readonly revoked = new Set<string>();
  /** App-level tokens (xapp-…) accepted by apps.connections.open for Socket Mode. */
  readonly appTokens = new Set(['xapp-test']);
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sockets = new Set<WebSocket>();
  private readonly acks = new Map<string, (payload: Record<string, unknown>) => void>();
  /** chat.postMessage spacing per channel ("one message per second per channel", docs/platforms.md §1). */
  postIntervalMs = 1000;
  /** chat.postMessage across the workspace ("while also maintaining a workspace-wide limit"); off when undefined. */
  workspacePerSecond: number | undefined;
  private workspaceWindow: number[] = [];
  private readonly lastPost = new Map<string, number>();
  private readonly injected = new Map<string, Result>();
  /** Issued response URLs: when, and how often they were used. */
  private readonly responseUrls = new Map<string, { issuedAt: number; uses: number }>();
  /** Posts to a response_url that Slack refused (unknown, used up, expired). */
  readonly refusedResponses: { id: string; error: string }[] = [];
  /** Calls per tiered method in the last minute. */
  private readonly tierWindows = new Map<string, number[]>();
  private server: Server | undefined;
  private seq = 0;
  private responseSeq = 0;
  baseUrl = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('upgrade', (req, socket, head) => this.wss.handleUpgrade(req, socket, head, (ws) => this.socketOpened(ws)));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    this.wss.close();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  get apiUrl(): string {
    return `${this.baseUrl}/api/`;
  }

  /** A fresh trigger_id, as Slack puts in a slash command or an interaction payload for this user. */
  trigger(user: string): string {
    const id = `${++this.seq}.${Date.now()}.${Math.random().toString(16).slice(2, 10)}`;
    this.triggers.set(id, { issuedAt: Date.now(), user, used: false });
    return id;
  }

  /** Ages an issued trigger_id by `ms` (to test its 3-second lifetime without waiting). */
  ageTrigger(id: string, ms: number): void {
    const t = this.triggers.get(id);
    if (t) t.issuedAt -= ms;
  }

  /** The modal open on a user's screen (the top of their stack), if any. */
  openView(user: string): EmuView | undefined {
    return [...this.views.values()].filter((v) => v.user === user && !v.closed).at(-1);
  }

  /**
   * The user presses the modal's submit button: a signed `view_submission` to the app
   * (https://docs.slack.dev/reference/interaction-payloads/view-interactions-payload#view_submission).
   * The app's answer is applied as Slack does (https://docs.slack.dev/surfaces/modals#updating_response):
   * `update` replaces the view (validated), `errors` must name input blocks of the view, `clear`
   * closes every view, an empty 200 closes this one. Required inputs left empty never reach the app.
   */
  async submitView(
    eventsUrl: string,
    secret: string,
    user: string,
    inputs: Inputs = {},
  ): Promise<{ status: number; answer: Record<string, unknown>; refusedBySlack?: string[]; late?: boolean }> {
    const open = this.openView(user);
    if (!open) throw new Error(`slack emulator: ${user} has no open view`);
    const values = stateValues(open.view, inputs);
    const missing = missingRequired(open.view, values);
    if (missing.length) return { status: 0, answer: {}, refusedBySlack: missing };
    const payload = {
      type: 'view_submission',
      team: { id: 'T0EMU', domain: 'emu' },
      user: { id: user, username: user.toLowerCase(), team_id: 'T0EMU' },
      api_app_id: 'A0EMU',
      token: 'legacy-verification-token',
      trigger_id: this.trigger(user),
      view: { ...open.view, id: open.id, hash: open.hash, team_id: 'T0EMU', app_id: 'A0EMU', state: { values } },
      response_urls: [],
    };
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const sentAt = Date.now();
    const res = await fetch(eventsUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlack(secret, body) },
      body,
    });
    const text = await res.text();
    const answer = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
    if (res.status !== 200) return { status: res.status, answer };
    // An answer after 3 s is not shown: the user sees Slack's own error and the view stays as it was.
    if (Date.now() - sentAt > this.ackDeadlineMs) return { status: res.status, answer, late: true };
    const action = answer.response_action;
    if (action === 'update') {
      const errors = validateModal(answer.view);
      if (errors.length) throw new Error(`slack emulator: response_action update with an invalid view: ${errors.join('; ')}`);
      open.view = answer.view as Record<string, unknown>;
      open.hash = `h${++this.seq}`;
    } else if (action === 'errors') {
      const ids = new Set(
        ((open.view.blocks as Record<string, unknown>[]) ?? []).filter((b) => b.type === 'input').map((b) => String(b.block_id)),
      );
      const bad = Object.keys((answer.errors as Record<string, unknown>) ?? {}).filter((k) => !ids.has(k));
      if (bad.length)
        throw new Error(`slack emulator: response_action errors names blocks that are not inputs of the view: ${bad.join(', ')}`);
    } else if (action === 'clear') {
      for (const v of this.views.values()) if (v.user === user) v.closed = true;
    } else if (action === undefined) {
      open.closed = true;
    } else throw new Error(`slack emulator: unknown response_action ${String(action)}`);
    this.emit('call');
    return { status: res.status, answer };
  }

  /**
   * The user clicks a button of a message only they see (an ephemeral one), or of a channel message: a
   * signed `block_actions` with a fresh trigger_id and a response_url
   * (https://docs.slack.dev/reference/interaction-payloads/block_actions-payload).
   */
  async clickButton(
    eventsUrl: string,
    secret: string,
    a: { user: string; channel: string; action_id: string; value: string; ephemeral?: boolean },
  ): Promise<{ status: number; trigger_id: string; response_url: string }> {
    const trigger_id = this.trigger(a.user);
    const response_url = this.responseUrl();
    const payload = {
      type: 'block_actions',
      team: { id: 'T0EMU', domain: 'emu' },
      user: { id: a.user, username: a.user.toLowerCase(), team_id: 'T0EMU' },
      api_app_id: 'A0EMU',
      token: 'legacy-verification-token',
      container: { type: 'message', channel_id: a.channel, is_ephemeral: a.ephemeral ?? true, message_ts: `${Date.now() / 1000}` },
      channel: { id: a.channel, name: 'general' },
      trigger_id,
      response_url,
      actions: [
        {
          type: 'button',
          action_id: a.action_id,
          block_id: 'b1',
          value: a.value,
          text: { type: 'plain_text', text: 'x' },
          action_ts: `${Date.now() / 1000}`,
        },
      ],
    };
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const res = await fetch(eventsUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlack(secret, body) },
      body,
    });
    await res.arrayBuffer();
    return { status: res.status, trigger_id, response_url };
  }

  /** A fresh response_url for a slash command or interaction. */
  responseUrl(): string {
    const id = String(++this.responseSeq);
    this.responseUrls.set(id, { issuedAt: Date.now(), uses: 0 });
    return `${this.baseUrl}/response/${id}`;
  }

  /** Ages an issued response_url by `ms` (to test its 30-minute lifetime without waiting). */
  ageResponseUrl(url: string, ms: number): void {
    const entry = this.responseUrls.get(url.slice(url.lastIndexOf('/') + 1));
    if (entry) entry.issuedAt -= ms;
  }

  /** Resolves with the first value `check` returns once something happens (or already holds). */
  waitFor<T>(check: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const tryNow = () => {
        const v = check();
        if (v !== undefined && v !== false) {
          cleanup();
          resolve(v);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `slack emulator: condition not met in ${timeoutMs} ms; calls: ${this.calls.map((c) => `${c.method}${c.ok ? '' : `!${c.error}`}`).join(' ')}`,
          ),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.off('call', tryNow);
        this.off('response', tryNow);
      };
      this.on('call', tryNow);
      this.on('response', tryNow);
      tryNow();
    });
  }

  /** The next call of `method` gets this answer instead (e.g. a 503 from Slack's edge, a 429 with `retry-after`). */
  failNext(
    method: string,
    status: number,
    body: Record<string, unknown> = { ok: false, error: 'service_unavailable' },
    headers?: Record<string, string>,
  ): void {
    this.injected.set(method, { status, body, ...(headers ? { headers } : {}) });
  }

  /** Open Socket Mode connections (after hello). */
  get socketCount(): number {
    return this.sockets.size;
  }

  /**
   * Sends a Socket Mode envelope (api.slack.com/apis/socket-mode) and resolves with the app's ack payload.
   * Slash commands and interactivity accept a response payload in the ack.
   */
  sendEnvelope(type: 'slash_commands' | 'interactive' | 'events_api', payload: Record<string, unknown>): Promise<Record<string, unknown>> {
    const ws = [...this.sockets][0];
    if (!ws) return Promise.reject(new Error('no Socket Mode connection'));
    const envelope_id = `env-${++this.seq}`;
    return new Promise((resolve) => {
      this.acks.set(envelope_id, resolve);
      ws.send(
        JSON.stringify({ envelope_id, type, payload, accepts_response_payload: type !== 'events_api', retry_attempt: 0, retry_reason: '' }),
      );
    });
  }

  private socketOpened(ws: WebSocket): void {
    this.sockets.add(ws);
    // Slack pings its clients; bolt's client drops a connection that hears nothing for 30 s.
    const ping = setInterval(() => ws.ping('emu'), 5000);
    ping.unref();
    ws.on('close', () => {
      clearInterval(ping);
      this.sockets.delete(ws);
    });
    ws.on('message', (data: Buffer) => {
      const msg = JSON.parse(data.toString('utf8')) as { envelope_id?: string; payload?: Record<string, unknown> };
      const ack = msg.envelope_id ? this.acks.get(msg.envelope_id) : undefined;
      if (msg.envelope_id) this.acks.delete(msg.envelope_id);
      ack?.(msg.payload ?? {});
    });
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: 1,
        debug_info: { host: 'emu', approximate_connection_time: 3600 },
        connection_info: { app_id: 'A0EMU' },
      }),
    );
    this.emit('call');
  }

  /** Calls Slack refused for a reason other than rate limiting. */
  rejected(): EmuCall[] {
    return this.calls.filter((c) => !c.ok && c.error !== 'ratelimited');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.baseUrl);
    const send = (r: Result) => {
      res.writeHead(r.status ?? 200, { 'content-type': 'application/json; charset=utf-8', ...r.headers });
      res.end(JSON.stringify(r.body));
    };
    if (url.pathname.startsWith('/response/')) {
      const id = url.pathname.slice('/response/'.length);
      const issued = this.responseUrls.get(id);
      const error =
        !issued || Date.now() - issued.issuedAt > RESPONSE_URL_LIFETIME_MS
          ? 'expired_url'
          : issued.uses >= RESPONSE_URL_USES
            ? 'used_url'
            : undefined;
      if (error) {
        this.refusedResponses.push({ id, error });
        send({ status: 404, body: { ok: false, error } });
        this.emit('response');
        return;
      }
      issued!.uses++;
      this.responses.push({ id, body: JSON.parse(raw || '{}') as Record<string, unknown> });
      send({ body: { ok: true } });
      this.emit('response');
      return;
    }
    if (url.pathname.startsWith('/upload/')) {
      send(this.receiveUpload(url.pathname.slice('/upload/'.length), req, Buffer.concat(chunks)));
      this.emit('call');
      return;
    }
    const method = url.pathname.replace(/^\/api\//, '');
    const args = this.parseArgs(req, raw);
    const injected = this.injected.get(method);
    this.injected.delete(method);
    const result = injected ?? this.authorize(req, method) ?? this.tier(method) ?? this.dispatch(method, args);
    this.calls.push({
      method,
      args,
      ok: result.body.ok === true,
      status: result.status ?? 200,
      ...(typeof result.body.error === 'string' ? { error: result.body.error } : {}),
    });
    send(result);
    this.emit('call');
  }

  private parseArgs(req: IncomingMessage, raw: string): Record<string, unknown> {
    if ((req.headers['content-type'] ?? '').includes('application/json')) return JSON.parse(raw || '{}') as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(parseQs(raw))) {
      const s = Array.isArray(v) ? v[0]! : (v ?? '');
      // The WebClient form-encodes objects as JSON strings (blocks, view).
      out[k] = /^[[{]/.test(s) ? JSON.parse(s) : s === 'true' ? true : s === 'false' ? false : s;
    }
    return out;
  }

  private authorize(req: IncomingMessage, method: string): Result | undefined {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token) return fail('not_authed');
    if (method === 'apps.connections.open') return this.appTokens.has(token) ? undefined : fail('invalid_auth');
    if (this.revoked.has(token)) return fail('token_revoked');
    if (!this.tokens.has(token)) return fail('invalid_auth');
    return undefined;
  }

  /** Over a tiered method's per-minute limit: 429 with Retry-After until the oldest call leaves the minute. */
  private tier(method: string): Result | undefined {
    const limit = TIER_PER_MINUTE[method];
    if (limit === undefined) return undefined;
    const now = Date.now();
    const w = (this.tierWindows.get(method) ?? []).filter((t) => now - t < 60_000);
    this.tierWindows.set(method, w);
    if (w.length >= limit)
      return {
        status: 429,
        headers: { 'retry-after': String(Math.max(1, Math.ceil((w[0]! + 60_000 - now) / 1000))) },
        body: { ok: false, error: 'ratelimited' },
      };
    w.push(now);
    return undefined;
  }

  private dispatch(method: string, a: Record<string, unknown>): Result {
    switch (method) {
      case 'apps.connections.open':
        return { body: { ok: true, url: `${this.baseUrl.replace(/^http/, 'ws')}/link/?ticket=${++this.seq}` } };
      case 'auth.test':
        return {
          body: {
            ok: true,
            url: 'https://emulated.slack.com/',
            team: 'Emu',
            user: 'statusrelay',
            team_id: 'T0EMU',
            user_id: 'UBOT',
            bot_id: 'BBOT',
            app_id: 'A0EMU',
          },
        };
      case 'chat.postMessage':
        return this.postMessage(a);
      case 'chat.update':
        return this.update(a);
      case 'conversations.open':
        return this.open(a);
      case 'conversations.info': {
        const c = this.channels.get(String(a.channel));
        if (!c || c.deleted) return fail('channel_not_found');
        return {
          body: {
            ok: true,
            channel: { id: c.id, creator: c.creator ?? 'UCREATOR', is_archived: Boolean(c.archived), is_im: c.id.startsWith('D') },
          },
        };
      }
      case 'users.info': {
        const u = this.users.get(String(a.user));
        if (!u) return fail('user_not_found');
        const withLocale = a.include_locale === true;
        return {
          body: {
            ok: true,
            user: {
              id: u.id,
              deleted: Boolean(u.deleted),
              is_admin: Boolean(u.is_admin),
              is_owner: Boolean(u.is_owner),
              ...(withLocale && u.locale ? { locale: u.locale } : {}),
            },
          },
        };
      }
      case 'files.getUploadURLExternal':
        return this.scope('files:write') ?? this.uploadUrl(a);
      case 'files.completeUploadExternal':
        return this.scope('files:write') ?? this.completeUpload(a);
      case 'views.open':
        return this.viewsOpen(a);
      case 'views.update':
        return this.viewsUpdate(a);
      case 'chat.postEphemeral':
        return this.postEphemeral(a);
      case 'usergroups.users.list': {
        const missing = this.scope('usergroups:read');
        if (missing) return missing;
        const members = this.userGroups.get(String(a.usergroup ?? ''));
        return members ? { body: { ok: true, users: [...members] } } : fail('no_such_subteam');
      }
      case 'views.publish': {
        const view = a.view as Record<string, unknown> | undefined;
        const errors = validateBlocks(view?.blocks, 100);
        if (errors.length) return fail('invalid_arguments', { response_metadata: { messages: errors } });
        this.homeViews.set(String(a.user_id), view!);
        return { body: { ok: true, view: { id: `V${++this.seq}`, ...view } } };
      }
      default:
        return { status: 404, body: { ok: false, error: 'unknown_method' } };
    }
  }

  private scope(needed: string): Result | undefined {
    return this.scopes.has(needed) ? undefined : fail('missing_scope', { needed, provided: [...this.scopes].join(',') });
  }

  /**
   * files.getUploadURLExternal (https://docs.slack.dev/reference/methods/files.getUploadURLExternal/):
   * `filename` and `length` are required; `alt_txt` is at most 1000 characters. @slack/web-api's
   * files.uploadV2 sends the alt text as `alt_text`, so both spellings are read.
   */
  private uploadUrl(a: Record<string, unknown>): Result {
    const filename = typeof a.filename === 'string' ? a.filename : '';
    const length = Number(a.length);
    if (!filename) return fail('invalid_arguments', { response_metadata: { messages: ['[ERROR] missing required field: filename'] } });
    if (!Number.isInteger(length) || length <= 0) return fail('missing_argument');
    const alt = typeof a.alt_txt === 'string' ? a.alt_txt : typeof a.alt_text === 'string' ? a.alt_text : undefined;
    if (alt !== undefined && alt.length > 1000) return fail('alt_txt_too_large');
    const id = `F${String(++this.seq).padStart(10, '0')}`;
    this.files.set(id, { id, filename, length, ...(alt !== undefined ? { alt } : {}), shares: [], completed: false });
    return { body: { ok: true, upload_url: `${this.baseUrl}/upload/${id}`, file_id: id } };
  }

  /** The upload URL takes the bytes, raw or as multipart form data; Slack answers 200 with the size. */
  private receiveUpload(id: string, req: IncomingMessage, body: Buffer): Result {
    const file = this.files.get(id);
    if (!file || file.completed) return { status: 404, body: { ok: false, error: 'file_not_found' } };
    let bytes = body;
    const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(req.headers['content-type'] ?? '');
    if (boundary) {
      const marker = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
      const start = body.indexOf(marker);
      const headerEnd = body.indexOf('\r\n\r\n', start);
      const end = body.indexOf(marker, headerEnd);
      if (start < 0 || headerEnd < 0 || end < 0) return { status: 400, body: { ok: false, error: 'invalid_form_data' } };
      bytes = body.subarray(headerEnd + 4, end - 2);
    }
    if (bytes.length !== file.length) return { status: 400, body: { ok: false, error: 'length_mismatch' } };
    file.bytes = Buffer.from(bytes);
    return { body: { ok: true, size: bytes.length } };
  }

  /**
   * files.completeUploadExternal (https://docs.slack.dev/reference/methods/files.completeUploadExternal/):
   * `files` is a required array of `{id, title}`; with `channel_id` the files are shared there
   * (the bot must be in it), with `thread_ts` as a reply to a root message; without, they stay private.
   */
  private completeUpload(a: Record<string, unknown>): Result {
    const list = a.files;
    if (!Array.isArray(list) || list.length === 0)
      return fail('invalid_arguments', { response_metadata: { messages: ['[ERROR] missing required field: files'] } });
    const files: EmuFile[] = [];
    for (const entry of list as unknown[]) {
      const id = typeof entry === 'object' && entry !== null ? (entry as { id?: unknown }).id : undefined;
      const file = typeof id === 'string' ? this.files.get(id) : undefined;
      if (!file || file.completed || !file.bytes) return fail('file_not_found');
      files.push(file);
    }
    const channel = typeof a.channel_id === 'string' ? a.channel_id : undefined;
    const thread = typeof a.thread_ts === 'string' ? a.thread_ts : undefined;
    if (thread && !channel) return fail('invalid_arguments', { response_metadata: { messages: ['[ERROR] thread_ts needs channel_id'] } });
    if (channel) {
      const bad = this.channelError(channel);
      if (bad) return bad;
      if (thread && !this.messages.some((m) => m.channel === channel && m.ts === thread && !m.thread_ts)) return fail('invalid_thread_ts');
    }
    (list as { title?: unknown }[]).forEach((entry, i) => {
      const file = files[i]!;
      file.completed = true;
      if (typeof entry.title === 'string') file.title = entry.title;
      if (channel)
        file.shares.push({
          channel,
          ...(thread ? { thread_ts: thread } : {}),
          ...(typeof a.initial_comment === 'string' ? { initial_comment: a.initial_comment } : {}),
        });
    });
    return { body: { ok: true, files: files.map((f) => ({ id: f.id, title: f.title ?? f.filename })) } };
  }

  /** Files shared to a channel, in upload order. */
  sharedFiles(channel: string): EmuFile[] {
    return [...this.files.values()].filter((f) => f.shares.some((s) => s.channel === channel));
  }

  private channelError(id: string): Result | undefined {
    const c = this.channels.get(id);
    if (!c || c.deleted) return fail('channel_not_found');
    if (c.archived) return fail('is_archived');
    if (c.member === false) return fail('not_in_channel');
    if (c.id.startsWith('D')) {
      const user = this.users.get(c.creator ?? '');
      if (user?.deleted) return fail('account_inactive');
    }
    return undefined;
  }

  private content(a: Record<string, unknown>, maxText: number): Result | undefined {
    if (a.text === undefined && a.blocks === undefined) return fail('no_text');
    if (typeof a.text === 'string' && a.text.length > maxText) return fail('msg_too_long');
    if (a.blocks !== undefined) {
      const errors = validateBlocks(a.blocks, 50);
      if (errors.length) return fail('invalid_blocks', { response_metadata: { messages: errors } });
      if (JSON.stringify(a.blocks).length > 13_000) return fail('msg_blocks_too_long');
    }
    return undefined;
  }

  private postMessage(a: Record<string, unknown>): Result {
    const channel = String(a.channel ?? '');
    const gone = this.channelError(channel) ?? this.content(a, 40_000);
    if (gone) return gone;
    const now = Date.now();
    const last = this.lastPost.get(channel);
    if (last !== undefined && now - last < this.postIntervalMs) {
      const retryAfter = Math.max(1, Math.ceil((last + this.postIntervalMs - now) / 1000));
      return { status: 429, headers: { 'retry-after': String(retryAfter) }, body: { ok: false, error: 'ratelimited' } };
    }
    if (this.workspacePerSecond !== undefined) {
      this.workspaceWindow = this.workspaceWindow.filter((t) => now - t < 1000);
      if (this.workspaceWindow.length >= this.workspacePerSecond)
        return { status: 429, headers: { 'retry-after': '1' }, body: { ok: false, error: 'ratelimited' } };
      this.workspaceWindow.push(now);
    }
    const thread = typeof a.thread_ts === 'string' ? a.thread_ts : undefined;
    if (thread && !this.messages.some((m) => m.channel === channel && m.ts === thread)) return fail('thread_not_found');
    this.lastPost.set(channel, now);
    const ts = `${Math.floor(now / 1000)}.${String(++this.seq).padStart(6, '0')}`;
    const message: EmuMessage = {
      channel,
      ts,
      text: String(a.text ?? ''),
      blocks: a.blocks,
      edits: [],
      ...(thread ? { thread_ts: thread } : {}),
      ...(a.reply_broadcast === true ? { reply_broadcast: true } : {}),
    };
    this.messages.push(message);
    this.mentions.push(...mentionsIn(textsOf(a.text, a.blocks)));
    return {
      body: { ok: true, channel, ts, message: { type: 'message', text: message.text, ts, ...(thread ? { thread_ts: thread } : {}) } },
    };
  }

  private update(a: Record<string, unknown>): Result {
    const channel = String(a.channel ?? '');
    const bad = this.channelError(channel) ?? this.content(a, 4000);
    if (bad) return bad;
    const m = this.messages.find((x) => x.channel === channel && x.ts === a.ts);
    if (!m) return fail('message_not_found');
    m.edits.push({ text: String(a.text ?? ''), blocks: a.blocks });
    this.mentions.push(...mentionsIn(textsOf(a.text, a.blocks)));
    return { body: { ok: true, channel, ts: m.ts, text: a.text } };
  }

  /** views.open (https://docs.slack.dev/reference/methods/views.open): a valid, fresh, unused trigger_id and a valid modal. */
  private viewsOpen(a: Record<string, unknown>): Result {
    const id = String(a.trigger_id ?? '');
    const t = this.triggers.get(id);
    if (!t) return fail('invalid_trigger_id');
    if (t.used) return fail('exchanged_trigger_id');
    if (Date.now() - t.issuedAt > this.triggerLifetimeMs) return fail('expired_trigger_id');
    const errors = validateModal(a.view);
    if (errors.length) return fail('invalid_arguments', { response_metadata: { messages: errors } });
    t.used = true;
    const view: EmuView = {
      id: `V${++this.seq}`,
      user: t.user,
      hash: `h${this.seq}`,
      view: a.view as Record<string, unknown>,
      closed: false,
    };
    this.views.set(view.id, view);
    return { body: { ok: true, view: { ...view.view, id: view.id, hash: view.hash } } };
  }

  /** views.update (https://docs.slack.dev/reference/methods/views.update): by view_id, optional hash against races. */
  private viewsUpdate(a: Record<string, unknown>): Result {
    const v = this.views.get(String(a.view_id ?? ''));
    if (!v || v.closed) return fail('not_found');
    if (a.hash !== undefined && a.hash !== v.hash) return fail('hash_conflict');
    const errors = validateModal(a.view);
    if (errors.length) return fail('invalid_arguments', { response_metadata: { messages: errors } });
    v.view = a.view as Record<string, unknown>;
    v.hash = `h${++this.seq}`;
    return { body: { ok: true, view: { ...v.view, id: v.id, hash: v.hash } } };
  }

  /** chat.postEphemeral (https://docs.slack.dev/reference/methods/chat.postEphemeral): the user must be known and the bot in the channel. */
  private postEphemeral(a: Record<string, unknown>): Result {
    const channel = String(a.channel ?? '');
    const bad = this.channelError(channel) ?? this.content(a, 40_000);
    if (bad) return bad;
    const user = this.users.get(String(a.user ?? ''));
    if (!user) return fail('user_not_found');
    this.ephemerals.push({ channel, user: user.id, text: String(a.text ?? ''), blocks: a.blocks });
    this.mentions.push(...mentionsIn(textsOf(a.text, a.blocks)));
    return { body: { ok: true, message_ts: `${Date.now() / 1000}` } };
  }

  private open(a: Record<string, unknown>): Result {
    const userId = String(a.users ?? '');
    const user = this.users.get(userId);
    if (!user) return fail('user_not_found');
    if (user.deleted) return fail('user_disabled');
    const id = `D${userId.slice(1)}`;
    if (!this.channels.has(id)) this.channels.set(id, { id, creator: userId, member: true });
    return { body: { ok: true, channel: { id } } };
  }
}
