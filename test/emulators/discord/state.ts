import { EventEmitter } from 'node:events';

export type Json = Record<string, unknown>;

export interface EmuUser {
  readonly id: string;
  readonly username: string;
  /** False: the user closed DMs from server members or blocked the bot → 50007 on send. */
  dmsOpen: boolean;
}

export interface EmuChannel {
  readonly id: string;
  /** 0 guild text, 1 DM, 11 public thread. */
  readonly type: 0 | 1 | 11;
  readonly guildId?: string;
  readonly parentId?: string;
  name: string;
  readonly recipientId?: string;
  /** The bot may start threads here (else 50013 Missing Permissions). */
  threadsAllowed: boolean;
  /** The bot can see the channel (else 50001 Missing Access). */
  access: boolean;
  archived: boolean;
}

export interface EmuMessage {
  readonly id: string;
  readonly channelId: string;
  content: string;
  embeds: Json[];
  components: Json[];
  attachments: { id: string; filename: string; size: number }[];
  flags: number;
  readonly replyTo?: string;
  /** Bodies as received: the create and every edit, in order. */
  readonly bodies: Json[];
  edits: number;
  /** Whether Discord would have pinged @everyone/@here for this message (at any version). */
  pingedEveryone: boolean;
}

export interface EmuRequest {
  readonly method: string;
  readonly path: string;
  readonly body: Json | undefined;
  status: number;
  code?: number;
}

export interface EmuInteraction {
  readonly id: string;
  readonly token: string;
  readonly payload: Json;
  /** When Discord dispatched it (ms): the initial response must come within 3 s, follow-ups within 15 min. */
  readonly createdAt: number;
  /** When the initial response (reply, deferral or choices) was accepted. */
  callbackAt?: number;
  /** 4 reply, 5 deferred, 7 message updated, 8 autocomplete choices, 9 modal. */
  callbackType?: number;
  /** Flags of a deferred reply (64 = ephemeral), applied when the bot edits @original. */
  deferredFlags: number;
  /** The reply message (after the callback or the @original edit). */
  reply?: EmuMessage;
  choices?: { name: string; value: string | number }[];
  /** The modal the bot answered with (callback type 9). */
  modal?: Json;
  /** A component interaction: the message whose button was pressed (type 7 edits it). */
  message?: EmuMessage;
  /** Resolved with the final visible reply (or choices) once the bot answered. */
  done: Promise<EmuInteraction>;
  finish: () => void;
}

let counter = 0n;
/** A snowflake (17-19 digits): discord.js buckets routes by `\d{17,19}` ids. */
export const snowflake = (): string => String(((BigInt(Date.now()) - 1420070400000n) << 22n) | (counter++ & 0xfffn));

/** Everything the emulated Discord knows, with events for tests to await instead of sleeping. */
export class EmuState extends EventEmitter {
  readonly users = new Map<string, EmuUser>();
  readonly channels = new Map<string, EmuChannel>();
  readonly messages = new Map<string, EmuMessage>();
  readonly interactions = new Map<string, EmuInteraction>();
  /** Registered application commands by scope: "global" or the guild id. */
  readonly commands = new Map<string, Json[]>();
  readonly requests: EmuRequest[] = [];
  /** 401, 403 and 429 answers: Discord bans an IP after 10,000 in 10 minutes. */
  invalidRequests = 0;
  /** Failures queued by tests: the next matching "METHOD /route" gets this answer. */
  readonly faults: { route: string; status: number; body: Json }[] = [];

  constructor(readonly botUser: { id: string; username: string }) {
    super();
  }

  messagesIn(channelId: string): EmuMessage[] {
    return [...this.messages.values()].filter((m) => m.channelId === channelId);
  }

  dmChannelOf(userId: string): EmuChannel | undefined {
    return [...this.channels.values()].find((c) => c.type === 1 && c.recipientId === userId);
  }

  toApiMessage(m: EmuMessage): Json {
    const ch = this.channels.get(m.channelId);
    return {
      id: m.id,
      channel_id: m.channelId,
      ...(ch?.guildId ? { guild_id: ch.guildId } : {}),
      type: m.replyTo ? 19 : 0,
      author: { id: this.botUser.id, username: this.botUser.username, discriminator: '0000', avatar: null, bot: true, global_name: null },
      content: m.content,
      embeds: m.embeds,
      components: m.components,
      attachments: m.attachments.map((a) => ({
        ...a,
        url: `https://cdn.invalid/${a.id}/${a.filename}`,
        proxy_url: `https://cdn.invalid/${a.id}`,
      })),
      mentions: [],
      mention_roles: [],
      mention_everyone: m.pingedEveryone,
      pinned: false,
      tts: false,
      flags: m.flags,
      timestamp: new Date().toISOString(),
      edited_timestamp: m.edits ? new Date().toISOString() : null,
      ...(m.replyTo ? { message_reference: { message_id: m.replyTo, channel_id: m.channelId } } : {}),
    };
  }

  toApiChannel(c: EmuChannel): Json {
    if (c.type === 1) {
      const u = this.users.get(c.recipientId!);
      return {
        id: c.id,
        type: 1,
        last_message_id: null,
        flags: 0,
        recipients: [{ id: c.recipientId, username: u?.username ?? 'user', discriminator: '0', avatar: null, global_name: null }],
      };
    }
    return {
      id: c.id,
      type: c.type,
      guild_id: c.guildId,
      name: c.name,
      ...(c.parentId ? { parent_id: c.parentId, owner_id: this.botUser.id } : { position: 0, permission_overwrites: [] }),
      ...(c.type === 11
        ? {
            thread_metadata: {
              archived: c.archived,
              auto_archive_duration: 1440,
              archive_timestamp: new Date().toISOString(),
              locked: false,
            },
            message_count: this.messagesIn(c.id).length,
            member_count: 1,
          }
        : {}),
    };
  }
}
