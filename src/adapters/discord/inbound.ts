import {
  AttachmentBuilder,
  MessageFlags,
  PermissionFlagsBits,
  type AutocompleteInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
} from 'discord.js';
import type { Target } from '../../core/model.ts';
import type { CommandReply } from '../../commands/context.ts';
import { knownComponents } from '../../commands/known-components.ts';
import type { AdapterContext } from '../adapter.ts';
import { NO_MENTIONS, renderDiscord, truncate } from './render.ts';
import { classifyDiscordError, discordCode } from './errors.ts';
import { toInvocation } from './commands.ts';
import { AUTOCOMPLETE_LIMITS, DEFER_AFTER_MS } from './limits.ts';
import { DiscordAuthoring } from './authoring.ts';

/**
 * Commands whose answer may take longer than Discord's 3-second window (chart rendering, KPI
 * queries): deferred at once. Others answer in the one initial response, which the global limit
 * does not count, and are deferred only when their answer is late (DEFER_AFTER_MS).
 */
const SLOW_COMMANDS = new Set(['kpi']);

/**
 * Discord's inbound side: every interaction the gateway delivers — slash commands and the component
 * option's autocomplete — becomes a platform-neutral `CommandInvocation` for the router, and its
 * answer the interaction's response. Interactive flows (buttons, select menus, modals: `i.isButton()`,
 * `i.isModalSubmit()`) are dispatched from `dispatch` too. No store access here.
 */
export class DiscordInbound {
  /** Writing incidents: `/incident`, its modal and buttons (src/adapters/discord/authoring.ts). */
  private readonly flow: DiscordAuthoring | undefined;

  constructor(private readonly ctx: AdapterContext) {
    this.flow = ctx.authoring ? new DiscordAuthoring(ctx.authoring, ctx.commands, ctx.log) : undefined;
  }

  /** Every interaction the gateway delivers; failures are logged, never thrown into discord.js. */
  async dispatch(i: Interaction): Promise<void> {
    const ctx = this.ctx;
    try {
      if (this.flow && (await this.flow.handle(i))) return;
      if (i.isAutocomplete()) await this.autocomplete(i);
      else if (i.isChatInputCommand()) await this.command(i);
    } catch (e) {
      ctx.log.warn({ code: discordCode(e), err: (e as Error).message }, 'discord interaction failed');
    }
  }

  /**
   * Choices for the component option while the user types: known components whose id or name
   * (in the user's language) contains the last word typed; earlier words are kept.
   */
  private async autocomplete(i: AutocompleteInteraction): Promise<void> {
    const router = this.ctx.commands;
    const locale = await router.resolveLocale({ platform: 'discord', userId: i.user.id, chatId: i.channelId ?? '', localeHint: i.locale });
    const typed = String(i.options.getFocused());
    const before = typed.split(/[\s,]+/);
    const last = (before.pop() ?? '').toLowerCase();
    const prefix = before.filter(Boolean).join(' ');
    const choices = knownComponents(router.services, locale)
      .filter((c) => !last || c.id.toLowerCase().includes(last) || c.name.toLowerCase().includes(last))
      .slice(0, AUTOCOMPLETE_LIMITS.choices)
      .map((c) => ({
        name: truncate(c.name === c.id ? c.id : `${c.name} (${c.id})`, AUTOCOMPLETE_LIMITS.name),
        value: truncate(prefix ? `${prefix} ${c.id}` : c.id, AUTOCOMPLETE_LIMITS.value),
      }));
    await i.respond(choices);
  }

  private async command(i: ChatInputCommandInteraction): Promise<void> {
    const ctx = this.ctx;
    const receivedAt = Date.now();
    const inv = toInvocation(i);
    // Only a successful /announce is public; everything else is for the asker only.
    const publicAnswer = i.commandName === 'announce' && Boolean(i.memberPermissions?.has(PermissionFlagsBits.ManageChannels));
    const deferFlags = publicAnswer ? {} : { flags: MessageFlags.Ephemeral as const };
    // Discord's clock stamped the interaction (its snowflake): one that reached us late, behind a
    // crowd or a busy process, has less of its 3 s left, so the race below gets less time too.
    const age = Math.max(0, receivedAt - i.createdTimestamp);
    if (SLOW_COMMANDS.has(i.commandName) || age >= DEFER_AFTER_MS) await i.deferReply(deferFlags);
    // Settled either way, so a failing command still gets an answer instead of a dead interaction.
    const work = ctx.commands.handle(inv).then(
      (reply): { reply: CommandReply } => ({ reply }),
      (error: unknown): { error: unknown } => ({ error }),
    );
    let timer: NodeJS.Timeout | undefined;
    const quick = i.deferred
      ? undefined
      : await Promise.race([work, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), DEFER_AFTER_MS - age)))]);
    clearTimeout(timer);
    if (!i.deferred && !quick) await i.deferReply(deferFlags);
    const outcome = quick ?? (await work);
    let reply: CommandReply;
    if ('reply' in outcome) reply = outcome.reply;
    else {
      ctx.log.error({ command: i.commandName, err: (outcome.error as Error).message }, 'command failed');
      const locale = await ctx.commands.resolveLocale(inv).catch(() => ctx.commands.services.defaultLocale);
      const title = ctx.commands.services.translator.t(locale)('errors.internal');
      reply = {
        message: { locale, dir: ctx.commands.services.translator.dir(locale), severity: 'none', icon: '⚠️', title, fields: [], advice: [] },
        ephemeral: true,
        locale,
      };
    }
    const { payload, files } = renderDiscord(reply.message);
    const body = {
      embeds: payload.embeds,
      components: payload.components,
      allowedMentions: NO_MENTIONS,
      files: files.map((f) => new AttachmentBuilder(f.data, { name: f.name })),
    };
    if (!i.deferred) {
      await i.reply({ ...body, ...(reply.ephemeral ? { flags: MessageFlags.Ephemeral as const } : {}) });
      return;
    }
    // The follow-up is a webhook call, which the bot's global limit counts: it takes a slot of the
    // pacer like a broadcast, ahead of them. Its bucket is the interaction's own token.
    const followUp: Target = { platform: 'discord', chatId: `interaction:${i.id}`, kind: 'dm' };
    await ctx.replies.send(
      followUp,
      async () => {
        try {
          await i.editReply(body);
        } catch (e) {
          throw classifyDiscordError(e);
        }
      },
      { receivedAt },
    );
  }
}
