import { EventEmitter } from 'node:events';
import type { Entity } from './html.ts';

/** What the emulated Telegram knows: users, chats, messages, updates and every API call made. */

export type ChatType = 'private' | 'group' | 'supergroup' | 'channel';

export interface EmuUser {
  readonly id: number;
  readonly first_name: string;
  readonly username?: string;
  readonly language_code?: string;
  readonly is_bot?: boolean;
}

export type MemberStatus = 'creator' | 'administrator' | 'member' | 'restricted' | 'left' | 'kicked';

export interface EmuChat {
  readonly id: number;
  readonly type: ChatType;
  readonly title?: string;
  readonly username?: string;
  readonly first_name?: string;
  readonly is_forum?: boolean;
  /** The bot's standing: a kicked bot gets 403s; a private chat's user may block it. */
  botStatus: 'member' | 'administrator' | 'kicked' | 'left';
  blocked: boolean;
  deactivated: boolean;
  /** The user never pressed Start: the bot cannot write first. */
  started: boolean;
  migratedTo?: number;
  readonly members: Map<number, MemberStatus>;
  readonly topics: Set<number>;
  nextMessageId: number;
}

export interface EmuMessage {
  readonly message_id: number;
  readonly chatId: number;
  readonly fromBot: boolean;
  readonly from?: EmuUser;
  readonly date: number;
  /** What a client shows: the text (or caption) after entity parsing. */
  text: string;
  entities: Entity[];
  /** The raw text/caption as the bot sent it (with markup). */
  raw: string;
  readonly isPhoto: boolean;
  readonly photoBytes?: number;
  readonly replyTo?: number;
  readonly threadId?: number;
  replyMarkup?: unknown;
  edits: number;
}

export interface ApiCall {
  readonly method: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly status: number;
  readonly ok: boolean;
  readonly description?: string;
  readonly retryAfter?: number;
}

export interface CallbackAnswer {
  readonly text?: string;
  readonly show_alert?: boolean;
}

export type Update = { update_id: number } & Record<string, unknown>;

export class World extends EventEmitter {
  readonly users = new Map<number, EmuUser>();
  readonly chats = new Map<number, EmuChat>();
  readonly messages = new Map<number, EmuMessage[]>();
  readonly calls: ApiCall[] = [];
  readonly updates: Update[] = [];
  /** setMyCommands per `${scope type}[:chat]|${language_code}`. */
  readonly commands = new Map<string, { command: string; description: string }[]>();
  readonly callbacks = new Map<string, { answered?: CallbackAnswer; resolve: (a: CallbackAnswer) => void }>();
  webhook: { url: string; secret?: string; allowed?: readonly string[] } | undefined;
  readonly webhookDeliveries: { update_id: number; status: number }[] = [];
  private nextUpdateId = 1;
  private nextCallbackId = 1;

  constructor(readonly bot: EmuUser) {
    super();
    this.setMaxListeners(100);
  }

  addUser(user: EmuUser): EmuChat {
    this.users.set(user.id, user);
    return this.addChat({
      id: user.id,
      type: 'private',
      first_name: user.first_name,
      ...(user.username ? { username: user.username } : {}),
    });
  }

  addChat(init: {
    id: number;
    type: ChatType;
    title?: string;
    username?: string;
    first_name?: string;
    is_forum?: boolean;
    topics?: number[];
  }): EmuChat {
    const { topics, ...rest } = init;
    const chat: EmuChat = {
      ...rest,
      botStatus: 'member',
      blocked: false,
      deactivated: false,
      started: true,
      members: new Map(),
      topics: new Set(topics ?? []),
      nextMessageId: 1,
    };
    this.chats.set(chat.id, chat);
    this.messages.set(chat.id, []);
    return chat;
  }

  chat(id: number): EmuChat {
    const c = this.chats.get(id);
    if (!c) throw new Error(`emulator: no chat ${id}`);
    return c;
  }

  /** The chat as the Bot API shows it inside messages. */
  chatObject(c: EmuChat): Record<string, unknown> {
    return {
      id: c.id,
      type: c.type,
      ...(c.title ? { title: c.title } : {}),
      ...(c.username ? { username: c.username } : {}),
      ...(c.first_name ? { first_name: c.first_name } : {}),
      ...(c.is_forum ? { is_forum: true } : {}),
    };
  }

  messageObject(m: EmuMessage): Record<string, unknown> {
    const chat = this.chat(m.chatId);
    const from = m.fromBot ? this.bot : m.from;
    return {
      message_id: m.message_id,
      date: m.date,
      chat: this.chatObject(chat),
      ...(chat.type === 'channel' ? { sender_chat: this.chatObject(chat) } : from ? { from: { is_bot: false, ...from } } : {}),
      ...(m.isPhoto
        ? {
            photo: [{ file_id: `photo-${m.chatId}-${m.message_id}`, file_unique_id: `u${m.message_id}`, width: 800, height: 400 }],
            caption: m.text,
            caption_entities: m.entities,
          }
        : { text: m.text, ...(m.entities.length ? { entities: m.entities } : {}) }),
      ...(m.threadId ? { message_thread_id: m.threadId, is_topic_message: true } : {}),
      ...(m.replyTo ? { reply_to_message: { message_id: m.replyTo, date: m.date, chat: this.chatObject(chat) } } : {}),
      ...(m.replyMarkup ? { reply_markup: m.replyMarkup } : {}),
    };
  }

  store(m: EmuMessage): EmuMessage {
    this.messages.get(m.chatId)!.push(m);
    return m;
  }

  find(chatId: number, messageId: number): EmuMessage | undefined {
    return this.messages.get(chatId)?.find((m) => m.message_id === messageId);
  }

  pushUpdate(body: Record<string, unknown>): Update {
    const update = { update_id: this.nextUpdateId++, ...body };
    this.updates.push(update);
    this.emit('update', update);
    this.emit('change');
    return update;
  }

  newCallbackId(): string {
    return `cbq-${this.nextCallbackId++}`;
  }

  record(call: ApiCall): void {
    this.calls.push(call);
    this.emit('change');
  }
}
