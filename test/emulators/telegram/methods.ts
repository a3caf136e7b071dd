import { EntityParseError, parseHtml, type Entity, type Parsed } from './html.ts';
import { parseMarkdownV2 } from './markdown.ts';
import type { LimitBook } from './limits.ts';
import type { EmuChat, EmuMessage, World } from './world.ts';

/** A refused call, answered `{"ok":false,"error_code","description","parameters"}` with that HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
    readonly parameters?: Record<string, number>,
  ) {
    super(description);
  }
}

const bad = (what: string) => new ApiError(400, `Bad Request: ${what}`);
const NOT_MODIFIED =
  'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message';
const SCOPES = ['default', 'all_private_chats', 'all_group_chats', 'all_chat_administrators', 'chat', 'chat_administrators', 'chat_member'];
/** The Bot API counts these limits after entity parsing; we count UTF-16 units like entity offsets. */
const TEXT_LIMIT = 4096;
const CAPTION_LIMIT = 1024;

export type Params = Record<string, unknown>;

const num = (v: unknown): number | undefined => (v === undefined || v === null || v === '' ? undefined : Number(v));
const obj = <T>(v: unknown): T | undefined => (typeof v === 'string' && /^[[{]/.test(v) ? (JSON.parse(v) as T) : (v as T | undefined));

export class Methods {
  constructor(
    private readonly world: World,
    private readonly limits: LimitBook,
  ) {}

  resolveChat(p: Params): EmuChat {
    const raw = p.chat_id;
    const chat =
      typeof raw === 'string' && raw.startsWith('@')
        ? [...this.world.chats.values()].find((c) => c.username === raw.slice(1))
        : this.world.chats.get(Number(raw));
    if (!chat) throw bad('chat not found');
    return chat;
  }

  /** May the bot post in this chat? The 403/400 texts of Client.cpp (docs/platforms.md §5). */
  private writable(chat: EmuChat): void {
    if (chat.migratedTo !== undefined)
      throw new ApiError(400, 'Bad Request: group chat was upgraded to a supergroup chat', { migrate_to_chat_id: chat.migratedTo });
    if (chat.type === 'private') {
      if (chat.deactivated) throw new ApiError(403, 'Forbidden: user is deactivated');
      if (chat.blocked) throw new ApiError(403, 'Forbidden: bot was blocked by the user');
      if (!chat.started) throw new ApiError(403, "Forbidden: bot can't initiate conversation with a user");
      return;
    }
    if (chat.botStatus === 'kicked') throw new ApiError(403, `Forbidden: bot was kicked from the ${chat.type} chat`);
    if (chat.botStatus === 'left') throw new ApiError(403, `Forbidden: bot is not a member of the ${chat.type} chat`);
  }

  private parse(text: unknown, mode: unknown, entities: unknown, what: 'text' | 'caption'): Parsed {
    const s = typeof text === 'string' ? text : text === undefined ? '' : String(text);
    let parsed: Parsed;
    try {
      if (mode === 'HTML' || mode === 'html') parsed = parseHtml(s);
      else if (mode === 'MarkdownV2') parsed = parseMarkdownV2(s);
      else if (mode === undefined || mode === '') parsed = { text: s, entities: obj<Entity[]>(entities) ?? [] };
      else throw bad(`unsupported parse_mode`);
    } catch (e) {
      if (e instanceof EntityParseError) throw bad(`can't parse entities: ${e.message}`);
      throw e;
    }
    const shown = parsed.text.trim();
    if (what === 'text' && !shown) throw bad('message text is empty');
    if (what === 'text' && shown.length > TEXT_LIMIT) throw bad('message is too long');
    if (what === 'caption' && shown.length > CAPTION_LIMIT) throw bad('message caption is too long');
    return parsed;
  }

  private markup(v: unknown): unknown {
    const m = obj<{ inline_keyboard?: { text: string; callback_data?: string }[][] }>(v);
    for (const row of m?.inline_keyboard ?? [])
      for (const b of row) {
        if (!b.text) throw bad('BUTTON_TEXT_INVALID');
        if (b.callback_data !== undefined && (Buffer.byteLength(b.callback_data) < 1 || Buffer.byteLength(b.callback_data) > 64))
          throw bad('BUTTON_DATA_INVALID');
      }
    return m;
  }

  private rate(chat: EmuChat): void {
    const wait = this.limits.take(String(chat.id), chat.type !== 'private');
    if (wait > 0) throw new ApiError(429, `Too Many Requests: retry after ${wait}`, { retry_after: wait });
  }

  private post(p: Params, content: { parsed: Parsed; raw: string; photoBytes?: number }): Record<string, unknown> {
    const chat = this.resolveChat(p);
    this.writable(chat);
    const thread = num(p.message_thread_id);
    if (thread !== undefined && !(chat.is_forum && (thread === 1 || chat.topics.has(thread)))) throw bad('message thread not found');
    const rp = obj<{ message_id?: number; allow_sending_without_reply?: boolean }>(p.reply_parameters);
    const replyTo = num(rp?.message_id ?? p.reply_to_message_id);
    const replyExists = replyTo !== undefined && this.world.find(chat.id, replyTo) !== undefined;
    if (replyTo !== undefined && !replyExists && !(rp?.allow_sending_without_reply ?? p.allow_sending_without_reply))
      throw bad('message to be replied not found');
    const replyMarkup = this.markup(p.reply_markup);
    this.rate(chat);
    const m: EmuMessage = this.world.store({
      message_id: chat.nextMessageId++,
      chatId: chat.id,
      fromBot: true,
      date: Math.floor(Date.now() / 1000),
      text: content.parsed.text,
      entities: content.parsed.entities,
      raw: content.raw,
      isPhoto: content.photoBytes !== undefined,
      ...(content.photoBytes !== undefined ? { photoBytes: content.photoBytes } : {}),
      ...(replyExists ? { replyTo } : {}),
      ...(thread !== undefined ? { threadId: thread } : {}),
      ...(replyMarkup ? { replyMarkup } : {}),
      edits: 0,
    });
    return this.world.messageObject(m);
  }

  sendMessage(p: Params): unknown {
    this.resolveChat(p);
    const parsed = this.parse(p.text, p.parse_mode, p.entities, 'text');
    return this.post(p, { parsed, raw: String(p.text) });
  }

  sendPhoto(p: Params): unknown {
    this.resolveChat(p);
    const photo = p.photo;
    let bytes: number;
    if (photo instanceof Blob) bytes = photo.size;
    else if (typeof photo === 'string' && photo.length > 0) bytes = 0;
    else throw bad('there is no photo in the request');
    if (photo instanceof Blob && bytes === 0) throw bad('IMAGE_PROCESS_FAILED');
    const parsed = this.parse(p.caption, p.parse_mode, p.caption_entities, 'caption');
    return this.post(p, { parsed, raw: String(p.caption ?? ''), photoBytes: bytes });
  }

  private editable(p: Params): { chat: EmuChat; m: EmuMessage } {
    const chat = this.resolveChat(p);
    const m = this.world.find(chat.id, Number(p.message_id));
    if (!m) throw bad('message to edit not found');
    if (!m.fromBot) throw bad("message can't be edited");
    return { chat, m };
  }

  private applyEdit(chat: EmuChat, m: EmuMessage, parsed: Parsed, raw: string, markup: unknown): unknown {
    const same =
      m.text === parsed.text &&
      JSON.stringify(m.entities) === JSON.stringify(parsed.entities) &&
      JSON.stringify(m.replyMarkup) === JSON.stringify(markup);
    if (same) throw bad(NOT_MODIFIED);
    this.writable(chat);
    this.rate(chat);
    Object.assign(m, { text: parsed.text, entities: parsed.entities, raw, replyMarkup: markup, edits: m.edits + 1 });
    this.world.emit('change');
    return this.world.messageObject(m);
  }

  editMessageText(p: Params): unknown {
    const { chat, m } = this.editable(p);
    if (m.isPhoto) throw bad('there is no text in the message to edit');
    const parsed = this.parse(p.text, p.parse_mode, p.entities, 'text');
    return this.applyEdit(chat, m, parsed, String(p.text), this.markup(p.reply_markup));
  }

  editMessageCaption(p: Params): unknown {
    const { chat, m } = this.editable(p);
    if (!m.isPhoto) throw bad('there is no caption in the message to edit');
    const parsed = this.parse(p.caption, p.parse_mode, p.caption_entities, 'caption');
    return this.applyEdit(chat, m, parsed, String(p.caption ?? ''), this.markup(p.reply_markup));
  }

  answerCallbackQuery(p: Params): unknown {
    const q = this.world.callbacks.get(String(p.callback_query_id));
    if (!q || q.answered) throw bad('query is too old and response timeout expired or query ID is invalid');
    if (typeof p.text === 'string' && p.text.length > 200) throw bad('MESSAGE_TOO_LONG');
    q.answered = { ...(typeof p.text === 'string' ? { text: p.text } : {}), ...(p.show_alert ? { show_alert: true } : {}) };
    q.resolve(q.answered);
    return true;
  }

  getChatMember(p: Params): unknown {
    const chat = this.resolveChat(p);
    const userId = Number(p.user_id);
    const user = this.world.users.get(userId);
    if (!user) throw bad('user not found');
    const status = chat.type === 'private' ? (chat.id === userId ? 'member' : 'left') : (chat.members.get(userId) ?? 'left');
    return { status, user: { is_bot: false, ...user } };
  }

  getChat(p: Params): unknown {
    return this.world.chatObject(this.resolveChat(p));
  }

  setMyCommands(p: Params): unknown {
    const commands = obj<{ command: string; description: string }[]>(p.commands) ?? [];
    if (commands.length > 100) throw bad('too many commands');
    for (const c of commands) {
      if (!/^[a-z0-9_]{1,32}$/.test(c.command)) throw bad('BOT_COMMAND_INVALID');
      if (!c.description || c.description.length > 256) throw bad('command description must be non-empty and at most 256 characters');
    }
    const key = this.commandKey(p);
    this.world.commands.set(key, commands);
    return true;
  }

  getMyCommands(p: Params): unknown {
    return this.world.commands.get(this.commandKey(p)) ?? [];
  }

  private commandKey(p: Params): string {
    const scope = obj<{ type: string; chat_id?: number | string }>(p.scope) ?? { type: 'default' };
    if (!SCOPES.includes(scope.type)) throw bad('unsupported bot command scope type');
    const lang = typeof p.language_code === 'string' ? p.language_code : '';
    // BotCommandScope language_code: "A two-letter ISO 639-1 language code" (core.telegram.org/bots/api#setmycommands).
    if (lang && !/^[a-z]{2}$/.test(lang)) throw bad('invalid language code specified');
    return `${scope.type}${scope.chat_id !== undefined ? `:${scope.chat_id}` : ''}|${lang}`;
  }

  setWebhook(p: Params): unknown {
    const url = typeof p.url === 'string' ? p.url : '';
    if (!url) {
      this.world.webhook = undefined;
      return true;
    }
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw bad('bad webhook: Failed to resolve host: Name or service not known');
    }
    // Telegram demands HTTPS; this emulator also takes http:// to 127.0.0.1 for local tests.
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && u.hostname === '127.0.0.1'))
      throw bad('bad webhook: An HTTPS URL must be provided for webhook');
    const secret = typeof p.secret_token === 'string' ? p.secret_token : undefined;
    if (secret !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) throw bad('secret token contains unallowed characters');
    const allowed = obj<string[]>(p.allowed_updates);
    this.world.webhook = { url, ...(secret ? { secret } : {}), ...(allowed ? { allowed } : {}) };
    if (p.drop_pending_updates) this.world.updates.length = 0;
    return true;
  }

  deleteWebhook(p: Params): unknown {
    this.world.webhook = undefined;
    if (p.drop_pending_updates) this.world.updates.length = 0;
    return true;
  }

  getWebhookInfo(): unknown {
    return { url: this.world.webhook?.url ?? '', has_custom_certificate: false, pending_update_count: this.world.updates.length };
  }
}
