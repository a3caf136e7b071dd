import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Gateway } from './gateway.ts';
import { Rest } from './rest.ts';
import { DEFAULT_RULES, RateLimits, type RateLimitRules } from './rate-limit.ts';
import { EmuState, snowflake, type EmuChannel, type EmuInteraction, type EmuMessage, type Json } from './state.ts';
import { modalSubmitComponents, type ModalInputs } from './modals.ts';

export type { EmuChannel, EmuInteraction, EmuMessage, Json };

/** Permission bits (https://discord.com/developers/docs/topics/permissions). */
export const PERMS = {
  ManageChannels: 1n << 4n,
  SendMessages: 1n << 11n,
  ViewChannel: 1n << 10n,
  UseApplicationCommands: 1n << 31n,
} as const;
export const MEMBER_PERMS = PERMS.ViewChannel | PERMS.SendMessages | PERMS.UseApplicationCommands;

export interface InteractOptions {
  readonly name: string;
  readonly options?: Record<string, string>;
  readonly userId: string;
  readonly locale?: string;
  /** Guild channel the command is used in; absent: the user's DM with the bot. */
  readonly channelId?: string;
  readonly permissions?: bigint;
  /** Autocomplete: the option being typed. */
  readonly focused?: string;
  /** The member's role ids (guild channels only). */
  readonly roles?: readonly string[];
  /** The subcommand used (`/incident open`): the options are its own. */
  readonly subcommand?: string;
}

/** A button press (MESSAGE_COMPONENT, type 3) on a message the bot sent. */
export interface ComponentOptions {
  readonly userId: string;
  readonly message: EmuMessage;
  readonly customId: string;
  readonly locale?: string;
  readonly roles?: readonly string[];
  readonly permissions?: bigint;
}

/** A modal submission (MODAL_SUBMIT, type 5) of the modal the bot answered `opened` with. */
export interface ModalSubmitOptions {
  readonly userId: string;
  readonly opened: EmuInteraction;
  readonly inputs: ModalInputs;
  readonly locale?: string;
  readonly roles?: readonly string[];
  readonly permissions?: bigint;
}

/**
 * A local Discord: REST v10 (node:http) and a gateway (ws) on one ephemeral 127.0.0.1 port. Point
 * discord.js at it with `rest: { api: emulator.apiUrl }`; the gateway URL comes from GET /gateway/bot.
 */
export class DiscordEmulator {
  readonly token: string;
  readonly applicationId = snowflake();
  readonly guildId = snowflake();
  readonly state: EmuState;
  readonly limits: RateLimits;
  private readonly gateway: Gateway;
  private readonly server: Server;
  private port = 0;

  constructor(options: { token?: string; rules?: RateLimitRules } = {}) {
    this.token = options.token ?? 'emulated.bot.token';
    this.state = new EmuState({ id: snowflake(), username: 'Status Relay' });
    this.limits = new RateLimits(options.rules ?? DEFAULT_RULES);
    const wsUrl = () => `ws://127.0.0.1:${this.port}/gateway`;
    this.gateway = new Gateway({
      botUser: this.state.botUser,
      applicationId: this.applicationId,
      token: this.token,
      url: wsUrl,
      onChange: () => this.state.emit('gateway'),
    });
    const rest = new Rest(this.state, this.limits, { token: this.token, applicationId: this.applicationId, gatewayUrl: wsUrl });
    this.server = createServer((req, res) => {
      rest.handle(req, res).catch((e: unknown) => res.writeHead(500).end(JSON.stringify({ message: String(e), code: 0 })));
    });
    this.server.on('upgrade', (req, socket, head) => {
      if (req.url?.startsWith('/gateway')) this.gateway.handleUpgrade(req, socket, head);
      else socket.destroy();
    });
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    this.gateway.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  addChannel(init: { threads?: boolean; access?: boolean; name?: string } = {}): string {
    const id = snowflake();
    this.state.channels.set(id, {
      id,
      type: 0,
      guildId: this.guildId,
      name: init.name ?? `channel-${id.slice(-4)}`,
      threadsAllowed: init.threads ?? true,
      access: init.access ?? true,
      archived: false,
    });
    return id;
  }

  deleteChannel(id: string): void {
    this.state.channels.delete(id);
  }

  addUser(init: { dmsOpen?: boolean; username?: string } = {}): string {
    const id = snowflake();
    this.state.users.set(id, { id, username: init.username ?? `user${id.slice(-4)}`, dmsOpen: init.dmsOpen ?? true });
    return id;
  }

  messagesIn(channelId: string): EmuMessage[] {
    return this.state.messagesIn(channelId);
  }

  dmsTo(userId: string): EmuMessage[] {
    const ch = this.state.dmChannelOf(userId);
    return ch ? this.state.messagesIn(ch.id) : [];
  }

  channel(id: string): EmuChannel | undefined {
    return this.state.channels.get(id);
  }

  commands(scope: string = this.guildId): Json[] {
    return this.state.commands.get(scope) ?? [];
  }

  /** The next request to "METHOD /route/:id" is answered with this status and body. */
  failNext(route: string, status: number, body: Json): void {
    this.state.faults.push({ route, status, body });
  }

  waitReady(): Promise<void> {
    return this.gateway.waitReady();
  }

  /** Identified gateway sessions still open. */
  sessions(): number {
    return this.gateway.connected();
  }

  /** Resolves when `check()` holds, re-checked on every emulator event; rejects after `timeoutMs`. */
  waitFor<T>(check: () => T | undefined | false, timeoutMs = 15_000, what = 'condition'): Promise<T> {
    return new Promise((resolve, reject) => {
      const events = ['request', 'message', 'edit', 'channel', 'commands', 'gateway'];
      const done = (fn: () => void) => {
        clearTimeout(timer);
        for (const e of events) this.state.off(e, probe);
        fn();
      };
      const probe = () => {
        const v = check();
        if (v) done(() => resolve(v));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`emulator: timed out waiting for ${what}`))), timeoutMs);
      for (const e of events) this.state.on(e, probe);
      probe();
    });
  }

  /** The fields every interaction of a user in a channel carries (guild member or DM user). */
  private context(
    userId: string,
    channelId: string,
    roles: readonly string[] = [],
    permissions: bigint = MEMBER_PERMS,
    locale = 'en-US',
  ): Json {
    const user = this.state.users.get(userId);
    if (!user) throw new Error(`emulator: unknown user ${userId}`);
    const channel = this.state.channels.get(channelId);
    if (!channel) throw new Error(`emulator: unknown channel ${channelId}`);
    const apiUser = { id: user.id, username: user.username, discriminator: '0', avatar: null, global_name: user.username };
    const inGuild = channel.type !== 1;
    return {
      application_id: this.applicationId,
      version: 1,
      channel_id: channel.id,
      channel: this.state.toApiChannel(channel),
      locale,
      app_permissions: String(MEMBER_PERMS | PERMS.ManageChannels),
      entitlements: [],
      authorizing_integration_owners: inGuild ? { '0': this.guildId } : { '1': user.id },
      context: inGuild ? 0 : 1,
      attachment_size_limit: 10_485_760,
      ...(inGuild
        ? {
            guild_id: this.guildId,
            guild_locale: 'en-US',
            guild: { id: this.guildId, locale: 'en-US', features: [] },
            member: {
              user: apiUser,
              roles: [...roles],
              permissions: String(permissions),
              joined_at: new Date(0).toISOString(),
              deaf: false,
              mute: false,
              flags: 0,
              nick: null,
              avatar: null,
              pending: false,
            },
          }
        : { user: apiUser }),
    };
  }

  private async dispatchInteraction(
    payload: Json,
    extra: Partial<EmuInteraction>,
    what: string,
    timeoutMs: number,
  ): Promise<EmuInteraction> {
    const id = String(payload.id);
    let finish!: () => void;
    const interaction = { id, token: String(payload.token), payload, deferredFlags: 0, createdAt: Date.now(), ...extra } as EmuInteraction;
    interaction.done = new Promise<EmuInteraction>((resolve) => (finish = () => resolve(interaction)));
    interaction.finish = finish;
    this.state.interactions.set(id, interaction);
    if (!this.gateway.dispatch('INTERACTION_CREATE', payload)) throw new Error('emulator: no gateway client is connected');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>(
      (_, reject) => (timer = setTimeout(() => reject(new Error(`emulator: ${what} got no answer within ${timeoutMs} ms`)), timeoutMs)),
    );
    try {
      return await Promise.race([interaction.done, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * A user presses a button of a message (MESSAGE_COMPONENT,
   * https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-object-message-component-data-structure);
   * only buttons the message really has can be pressed.
   */
  async pressButton(o: ComponentOptions, timeoutMs = 15_000): Promise<EmuInteraction> {
    const has = o.message.components.some((row) => ((row.components as Json[] | undefined) ?? []).some((c) => c.custom_id === o.customId));
    if (!has) throw new Error(`emulator: the message has no button ${o.customId}`);
    const id = snowflake();
    const payload: Json = {
      id,
      type: 3,
      token: `aW50ZXJhY3Rpb24${id}${Math.random().toString(36).slice(2)}`,
      data: { custom_id: o.customId, component_type: 2 },
      message: this.state.toApiMessage(o.message),
      ...this.context(o.userId, o.message.channelId, o.roles, o.permissions, o.locale),
    };
    return this.dispatchInteraction(payload, { message: o.message }, `button ${o.customId}`, timeoutMs);
  }

  /**
   * A user picks options of a string select of a message (MESSAGE_COMPONENT with `component_type: 3`
   * and `values`, https://discord.com/developers/docs/components/reference#string-select). The client
   * allows only what the select offers: the message must hold that select, not disabled, and the
   * values must be its options, as many as `min_values`..`max_values`; anything else is a test mistake.
   */
  async chooseOptions(o: ComponentOptions & { readonly values: readonly string[] }, timeoutMs = 15_000): Promise<EmuInteraction> {
    const select = o.message.components
      .flatMap((row) => (row.components as Json[] | undefined) ?? [])
      .find((c) => c.type === 3 && c.custom_id === o.customId);
    if (!select) throw new Error(`emulator: the message has no string select ${o.customId}`);
    if (select.disabled === true) throw new Error(`emulator: the select ${o.customId} is disabled`);
    const offered = new Set(((select.options as Json[] | undefined) ?? []).map((x) => String(x.value)));
    const stray = o.values.filter((v) => !offered.has(v));
    if (stray.length) throw new Error(`emulator: ${stray.join(', ')} not among the options of ${o.customId}`);
    const min = select.min_values === undefined ? 1 : Number(select.min_values);
    const max = select.max_values === undefined ? 1 : Number(select.max_values);
    if (o.values.length < min || o.values.length > max || new Set(o.values).size !== o.values.length)
      throw new Error(`emulator: ${o.values.length} values for ${o.customId}, which takes ${min} to ${max}`);
    const id = snowflake();
    const payload: Json = {
      id,
      type: 3,
      token: `aW50ZXJhY3Rpb24${id}${Math.random().toString(36).slice(2)}`,
      data: { custom_id: o.customId, component_type: 3, values: [...o.values] },
      message: this.state.toApiMessage(o.message),
      ...this.context(o.userId, o.message.channelId, o.roles, o.permissions, o.locale),
    };
    return this.dispatchInteraction(payload, { message: o.message }, `select ${o.customId}`, timeoutMs);
  }

  /** A user submits the modal the bot opened (MODAL_SUBMIT); what they entered is checked as the client checks it. */
  async submitModal(o: ModalSubmitOptions, timeoutMs = 15_000): Promise<EmuInteraction> {
    const modal = o.opened.modal;
    if (!modal) throw new Error('emulator: that interaction opened no modal');
    const id = snowflake();
    const channelId = String((o.opened.payload.channel as Json).id);
    const payload: Json = {
      id,
      type: 5,
      token: `aW50ZXJhY3Rpb24${id}${Math.random().toString(36).slice(2)}`,
      data: { custom_id: modal.custom_id, components: modalSubmitComponents(modal, o.inputs) },
      ...(o.opened.message ? { message: this.state.toApiMessage(o.opened.message) } : {}),
      ...this.context(o.userId, channelId, o.roles, o.permissions, o.locale),
    };
    return this.dispatchInteraction(payload, {}, `modal ${String(modal.custom_id)}`, timeoutMs);
  }

  /** Dispatches INTERACTION_CREATE as Discord does and resolves with the bot's finished answer. */
  async interact(o: InteractOptions, timeoutMs = 15_000): Promise<EmuInteraction> {
    const user = this.state.users.get(o.userId);
    if (!user) throw new Error(`emulator: unknown user ${o.userId}`);
    const apiUser = { id: user.id, username: user.username, discriminator: '0', avatar: null, global_name: user.username };
    const registered = [...this.state.commands.values()].flat().find((c) => c.name === o.name);
    const dm = o.channelId
      ? undefined
      : (this.state.dmChannelOf(user.id) ?? {
          id: snowflake(),
          type: 1 as const,
          name: '',
          recipientId: user.id,
          threadsAllowed: false,
          access: true,
          archived: false,
        });
    if (dm) this.state.channels.set(dm.id, dm);
    const channel = o.channelId ? this.state.channels.get(o.channelId) : dm;
    if (!channel) throw new Error(`emulator: unknown channel ${o.channelId}`);
    const flat = Object.entries(o.options ?? {}).map(([name, value]) => ({
      name,
      type: 3,
      value,
      ...(o.focused === name ? { focused: true } : {}),
    }));
    const options = o.subcommand ? [{ name: o.subcommand, type: 1, options: flat }] : flat;
    const id = snowflake();
    const token = `aW50ZXJhY3Rpb24${id}${Math.random().toString(36).slice(2)}`;
    const inGuild = Boolean(o.channelId);
    const payload: Json = {
      id,
      application_id: this.applicationId,
      type: o.focused ? 4 : 2,
      token,
      version: 1,
      data: { id: registered?.id ?? snowflake(), name: o.name, type: 1, options, ...(inGuild ? { guild_id: this.guildId } : {}) },
      channel_id: channel.id,
      channel: this.state.toApiChannel(channel),
      locale: o.locale ?? 'en-US',
      app_permissions: String(MEMBER_PERMS | PERMS.ManageChannels),
      entitlements: [],
      authorizing_integration_owners: inGuild ? { '0': this.guildId } : { '1': user.id },
      context: inGuild ? 0 : 1,
      attachment_size_limit: 10_485_760,
      ...(inGuild
        ? {
            guild_id: this.guildId,
            guild_locale: 'en-US',
            guild: { id: this.guildId, locale: 'en-US', features: [] },
            member: {
              user: apiUser,
              roles: [...(o.roles ?? [])],
              permissions: String(o.permissions ?? MEMBER_PERMS),
              joined_at: new Date(0).toISOString(),
              deaf: false,
              mute: false,
              flags: 0,
              nick: null,
              avatar: null,
              pending: false,
            },
          }
        : { user: apiUser }),
    };
    let finish!: () => void;
    const interaction = { id, token, payload, deferredFlags: 0, createdAt: Date.now() } as EmuInteraction;
    interaction.done = new Promise<EmuInteraction>((resolve) => (finish = () => resolve(interaction)));
    interaction.finish = finish;
    this.state.interactions.set(id, interaction);
    if (!this.gateway.dispatch('INTERACTION_CREATE', payload)) throw new Error('emulator: no gateway client is connected');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>(
      (_, reject) => (timer = setTimeout(() => reject(new Error(`emulator: /${o.name} got no answer within ${timeoutMs} ms`)), timeoutMs)),
    );
    try {
      return await Promise.race([interaction.done, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
