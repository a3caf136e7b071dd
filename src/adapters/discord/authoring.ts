import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ApplicationIntegrationType,
  ButtonStyle,
  ComponentType,
  InteractionContextType,
  MessageFlags,
  PermissionFlagsBits,
  TextInputStyle,
  type APIActionRowComponent,
  type APIComponentInMessageActionRow,
  type APIEmbed,
  type APIModalInteractionResponseCallbackData,
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
  type ModalSubmitInteraction,
  type StringSelectMenuInteraction,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { Logger } from 'pino';
import type { TFunction } from 'i18next';
import type { Actor } from '../../authoring/authors.ts';
import { newDraft, type Draft, type DraftFields } from '../../authoring/draft.ts';
import type { Authoring } from '../../authoring/service.ts';
import type { CommandRouter } from '../../commands/router.ts';
import { PayloadError } from '../../core/errors.ts';
import { CAUSES, INCIDENT_STATUSES, isClosedStatus, type Cause, type ComponentStatus, type Incident } from '../../core/model.ts';
import type { Preview } from '../../authoring/service.ts';
import { NO_MENTIONS, renderDiscord, truncate } from './render.ts';
import { discordLocalesFor } from './commands.ts';

/**
 * Writing incidents on Discord (docs/authoring.md): `/incident open|update|resolve` answers with a
 * MODAL (interaction response type 9: a text input for the title and the message, select menus for
 * impact, status and the affected components), its submission with an ephemeral preview — one embed
 * per language — and Publish / Cancel buttons; a published step carries Update and Resolve, which open
 * the modal pre-filled. The command is registered with `default_member_permissions` (Manage Messages),
 * and the configured roles (config `authors.discord`) are checked at every step.
 */
export const INCIDENT_COMMAND = 'incident';
const PREFIX = 'sr_inc';
/** Modal and button custom ids are at most 100 characters (https://discord.com/developers/docs/components/reference#anatomy-of-a-component-custom-id). */
const fits = (id: string) => id.length <= 100;
/** The statuses a component can be given from the select (operational is "not listed"). */
const PICKABLE: readonly ComponentStatus[] = ['degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance'];
/** https://discord.com/developers/docs/resources/message#embed-object-embed-limits: 6000 characters over all embeds. */
const EMBED_TOTAL = 6000;
/** How long a modal submission waits for its preview before deferring (Discord's deadline is 3 s). */
const PREVIEW_WAIT_MS = 2000;

type T = (key: string, options?: Record<string, unknown>) => string;

/** The `/incident` command with its three subcommands, localized like the others. */
export const incidentCommandDefinition = (
  offered: readonly string[],
  tOf: (l: string) => T,
): RESTPostAPIChatInputApplicationCommandsJSONBody => {
  const en = tOf('en');
  const loc = (key: string) => {
    const map: Record<string, string> = {};
    for (const l of offered) for (const d of discordLocalesFor(l)) map[d] = truncate(tOf(l)(key), 100);
    return map;
  };
  const incidentOption = {
    type: ApplicationCommandOptionType.String as const,
    name: 'incident',
    description: truncate(en('authoring:discord.incidentOption'), 100),
    description_localizations: loc('authoring:discord.incidentOption'),
    required: true,
    autocomplete: true,
  };
  const sub = (name: 'open' | 'update' | 'resolve') => ({
    type: ApplicationCommandOptionType.Subcommand as const,
    name,
    description: truncate(en(`authoring:discord.${name}`), 100),
    description_localizations: loc(`authoring:discord.${name}`),
    ...(name === 'open' ? {} : { options: [incidentOption] }),
  });
  return {
    type: ApplicationCommandType.ChatInput,
    name: INCIDENT_COMMAND,
    description: truncate(en('authoring:discord.command'), 100),
    description_localizations: loc('authoring:discord.command'),
    options: [sub('open'), sub('update'), sub('resolve')],
    // Hidden from members who cannot manage messages; a server admin may open it to the responders'
    // role (Server Settings → Integrations). The bot checks config `authors.discord` either way.
    default_member_permissions: String(PermissionFlagsBits.ManageMessages),
    integration_types: [ApplicationIntegrationType.GuildInstall],
    contexts: [InteractionContextType.Guild],
  };
};

/** The member's role ids: the raw interaction member's list, or a cached GuildMember's own ids (cached or not). */
const rolesOf = (i: Interaction): string[] => {
  const m = i.member as unknown as { roles?: unknown; _roles?: string[] } | null;
  if (!m) return [];
  if (Array.isArray(m.roles)) return m.roles as string[];
  return m._roles ?? [];
};

const actorOf = (i: Interaction): Actor => ({
  platform: 'discord',
  userId: i.user.id,
  name: i.user.username,
  roleIds: rolesOf(i),
});

export class DiscordAuthoring {
  constructor(
    private readonly authoring: Authoring,
    private readonly router: CommandRouter,
    private readonly log: Logger,
  ) {}

  private async localeOf(i: Interaction): Promise<string> {
    return this.router.resolveLocale({ platform: 'discord', userId: i.user.id, chatId: i.channelId ?? '', localeHint: i.locale });
  }

  /** True when the interaction was ours. */
  async handle(i: Interaction): Promise<boolean> {
    if (i.isAutocomplete() && i.commandName === INCIDENT_COMMAND) {
      await this.autocomplete(i);
      return true;
    }
    const ours =
      (i.isChatInputCommand() && i.commandName === INCIDENT_COMMAND) ||
      ((i.isButton() || i.isModalSubmit() || i.isStringSelectMenu()) && i.customId.startsWith(`${PREFIX}:`));
    if (!ours) return false;
    const locale = await this.localeOf(i);
    const t = this.router.services.translator.t(locale);
    if (!(await this.authoring.mayWrite(actorOf(i)))) {
      if (i.isRepliable())
        await i.reply({ content: this.authoring.refusal(locale), flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
      return true;
    }
    try {
      if (i.isChatInputCommand()) await this.command(i, locale, t);
      else if (i.isModalSubmit()) await this.submit(i, locale, t);
      else if (i.isButton()) await this.button(i, locale, t);
      else if (i.isStringSelectMenu()) await this.chooseCause(i, locale, t);
    } catch (e) {
      if (!(e instanceof PayloadError)) throw e;
      if (i.isRepliable() && !i.replied)
        await i.reply({
          content: t('authoring:admin.invalid', { error: e.message }),
          flags: MessageFlags.Ephemeral,
          allowedMentions: NO_MENTIONS,
        });
    }
    return true;
  }

  private async autocomplete(i: AutocompleteInteraction): Promise<void> {
    if (!(await this.authoring.mayWrite(actorOf(i)))) return void (await i.respond([]));
    const typed = String(i.options.getFocused()).toLowerCase();
    await i.respond(
      this.authoring
        .openIncidents()
        .filter((x) => !typed || x.name.toLowerCase().includes(typed) || x.key.toLowerCase().includes(typed))
        .filter((x) => x.key.length <= 100)
        .slice(0, 25)
        .map((x) => ({ name: truncate(x.name, 100), value: x.key })),
    );
  }

  private async command(i: ChatInputCommandInteraction, locale: string, t: TFunction): Promise<void> {
    const sub = i.options.getSubcommand();
    if (sub === 'open') {
      await this.authoring.drafts.put(newDraft('discord', i.user.id, new Date().toISOString(), { fields: { kind: 'incident' }, locale }));
      await i.showModal(this.modal(t, locale, 'open', { kind: 'incident' }));
      return;
    }
    await this.openEdit(i, locale, t, i.options.getString('incident', true), sub === 'resolve');
  }

  private async openEdit(
    i: ChatInputCommandInteraction | ButtonInteraction,
    locale: string,
    t: TFunction,
    key: string,
    resolve: boolean,
  ): Promise<void> {
    const incident = this.authoring.incident(key);
    if (!incident || isClosedStatus(incident.status) || !fits(`${PREFIX}:m:u:${incident.key}`)) {
      await i.reply({ content: t('authoring:admin.noSuchIncident'), flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
      return;
    }
    const current = Object.fromEntries(
      this.router.services.tracker
        .currentComponents()
        .filter((c) => incident.componentIds.includes(c.id) && c.status !== 'operational')
        .map((c) => [c.id, c.status] as const),
    ) as Record<string, ComponentStatus>;
    const fields: DraftFields = {
      kind: incident.kind,
      impact: incident.impact,
      status: resolve ? (incident.kind === 'maintenance' ? 'completed' : 'resolved') : incident.status,
      components: resolve ? [] : Object.keys(current),
      componentStatuses: resolve ? {} : current,
    };
    await this.authoring.drafts.put(newDraft('discord', i.user.id, new Date().toISOString(), { target: incident.key, fields, locale }));
    await i.showModal(this.modal(t, locale, resolve ? 'r' : 'u', fields, incident));
  }

  /** The modal: at most 5 components, so title (new only), impact (incidents), status, components, message. */
  private modal(
    t: TFunction,
    locale: string,
    mode: 'open' | 'u' | 'r',
    f: DraftFields,
    incident?: Incident,
  ): APIModalInteractionResponseCallbackData {
    const kind = incident?.kind ?? f.kind ?? 'incident';
    const statuses = kind === 'maintenance' ? (['scheduled', 'in_progress', 'verifying', 'completed'] as const) : INCIDENT_STATUSES;
    const label = (text: string) => truncate(text, 45);
    const select = (id: string, text: string, options: { value: string; label: string; default: boolean }[], multi = false) => ({
      type: ComponentType.Label as const,
      label: label(text),
      component: {
        type: ComponentType.StringSelect as const,
        custom_id: id,
        options: options.slice(0, 25).map((o) => ({ value: o.value, label: truncate(o.label, 100), default: o.default })),
        ...(multi ? { min_values: 0, max_values: Math.min(25, options.length), required: false } : {}),
      },
    });
    const componentOptions = this.authoring
      .components(locale)
      .flatMap((c) =>
        PICKABLE.map((s) => ({
          value: `${c.id}=${s}`,
          label: `${c.name}: ${t(`componentStatus.${s}`)}`,
          default: f.componentStatuses?.[c.id] === s,
        })),
      )
      .filter((o) => o.value.length <= 100);
    const components: APIModalInteractionResponseCallbackData['components'] = [];
    if (mode === 'open')
      components.push({
        type: ComponentType.Label,
        label: label(t('authoring:admin.name')),
        component: {
          type: ComponentType.TextInput,
          custom_id: 'name',
          style: TextInputStyle.Short,
          max_length: 500,
          required: true,
          ...(f.name ? { value: f.name } : {}),
        },
      });
    if (kind === 'incident')
      components.push(
        select(
          'impact',
          t('authoring:admin.impact'),
          ['minor', 'major', 'critical'].map((s) => ({ value: s, label: t(`severity.${s}`), default: (f.impact ?? 'major') === s })),
        ),
      );
    components.push(
      select(
        'status',
        t('authoring:admin.status'),
        statuses.map((s) => ({ value: s, label: t(`storyStatus.${s}`), default: (f.status ?? statuses[0]) === s })),
      ),
    );
    if (componentOptions.length) components.push(select('components', t('authoring:admin.components'), componentOptions, true));
    components.push({
      type: ComponentType.Label,
      label: label(t('authoring:admin.message')),
      component: {
        type: ComponentType.TextInput,
        custom_id: 'message',
        style: TextInputStyle.Paragraph,
        max_length: 4000,
        required: false,
        ...(f.message ? { value: f.message.slice(0, 4000) } : {}),
      },
    });
    return {
      custom_id: mode === 'open' ? `${PREFIX}:m:open` : `${PREFIX}:m:${mode}:${incident!.key}`,
      title: label(
        mode === 'open' ? t('authoring:admin.newIncident') : mode === 'r' ? t('authoring:admin.resolve') : t('authoring:admin.update'),
      ),
      components: components.slice(0, 5),
    };
  }

  /** The modal's values → the draft, then the ephemeral preview with Publish / Cancel. */
  private async submit(i: ModalSubmitInteraction, locale: string, t: TFunction): Promise<void> {
    const m = /^sr_inc:m:(open|u|r)(?::(.+))?$/.exec(i.customId);
    if (!m) return;
    const target = m[2];
    const incident = target ? this.authoring.incident(target) : undefined;
    const text = (id: string): string | undefined => {
      try {
        return i.fields.getTextInputValue(id) || undefined;
      } catch {
        return undefined;
      }
    };
    const picked = (id: string): readonly string[] => {
      try {
        return i.fields.getStringSelectValues(id);
      } catch {
        return [];
      }
    };
    const statuses: Record<string, ComponentStatus> = {};
    for (const v of picked('components')) {
      const [id, s] = [v.slice(0, v.lastIndexOf('=')), v.slice(v.lastIndexOf('=') + 1)];
      if (PICKABLE.includes(s as ComponentStatus)) statuses[id] = s as ComponentStatus;
    }
    // Resolving sets every component operational again (the manual source's rule).
    const resolving = m[1] === 'r';
    const fields: DraftFields = {
      kind: incident?.kind ?? 'incident',
      ...(m[1] === 'open' ? { name: text('name') ?? '' } : {}),
      status: (picked('status')[0] ?? (resolving ? 'resolved' : 'investigating')) as DraftFields['status'],
      ...(picked('impact')[0] ? { impact: picked('impact')[0] as DraftFields['impact'] } : {}),
      message: text('message') ?? '',
      components: Object.keys(statuses),
      componentStatuses: statuses,
    };
    const now = new Date().toISOString();
    const draft: Draft = { ...newDraft('discord', i.user.id, now, { locale, ...(target ? { target } : {}) }), fields };
    // The first answer is due within 3 s (https://discord.com/developers/docs/interactions/receiving-and-responding#responding-to-an-interaction);
    // a machine translation may take longer: then the answer is deferred and the preview edits it in.
    const work = this.authoring.preview(draft);
    const quick = await Promise.race([work, new Promise<undefined>((r) => setTimeout(() => r(undefined), PREVIEW_WAIT_MS))]);
    if (!quick) await i.deferReply({ flags: MessageFlags.Ephemeral });
    const preview = quick ?? (await work);
    const answer = async (body: {
      content: string;
      embeds?: APIEmbed[];
      components?: APIActionRowComponent<APIComponentInMessageActionRow>[];
    }) => {
      if (i.deferred) await i.editReply({ ...body, allowedMentions: NO_MENTIONS });
      else await i.reply({ ...body, flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
    };
    if (!preview.ok) {
      await answer({ content: t('authoring:admin.invalid', { error: preview.error }) });
      return;
    }
    await this.authoring.drafts.put(draft);
    await answer(this.previewMessage(t, draft, preview));
  }

  /**
   * The ephemeral preview: one embed per language, the cause select (new incidents: the modal holds
   * five components and has no room for it), Publish / Cancel.
   */
  private previewMessage(
    t: TFunction,
    draft: Draft,
    preview: Extract<Preview, { ok: true }>,
  ): { content: string; embeds: APIEmbed[]; components: APIActionRowComponent<APIComponentInMessageActionRow>[] } {
    const embeds: APIEmbed[] = [];
    let total = 0;
    for (const l of preview.locales.slice(0, 10)) {
      const embed = renderDiscord(l.model).payload.embeds[0];
      if (!embed) continue;
      const size = JSON.stringify([
        embed.title,
        embed.description,
        embed.footer?.text,
        ...(embed.fields ?? []).flatMap((f) => [f.name, f.value]),
      ]).length;
      if (total + size > EMBED_TOTAL) break;
      total += size;
      embeds.push(embed);
    }
    const components: APIActionRowComponent<APIComponentInMessageActionRow>[] = [];
    if (!draft.target)
      components.push({
        type: ComponentType.ActionRow,
        components: [
          {
            type: ComponentType.StringSelect,
            custom_id: `${PREFIX}:cause`,
            placeholder: truncate(t('authoring:admin.cause'), 150),
            options: CAUSES.map((c) => ({
              value: c,
              label: truncate(t(`authoring:cause.${c}`), 100),
              default: draft.fields.cause === c,
            })),
          },
        ],
      });
    components.push({
      type: ComponentType.ActionRow,
      components: [
        {
          type: ComponentType.Button,
          style: ButtonStyle.Success,
          custom_id: `${PREFIX}:pub`,
          label: truncate(t('authoring:admin.publish'), 80),
        },
        {
          type: ComponentType.Button,
          style: ButtonStyle.Secondary,
          custom_id: `${PREFIX}:x`,
          label: truncate(t('authoring:chat.cancel'), 80),
        },
      ],
    });
    return { content: t('authoring:chat.previewIntro'), embeds, components };
  }

  /** The cause picked on the preview: the draft takes it and the preview is re-rendered in place (type 7 UPDATE_MESSAGE) with its advice. */
  private async chooseCause(i: StringSelectMenuInteraction, locale: string, t: TFunction): Promise<void> {
    if (i.customId !== `${PREFIX}:cause`) return;
    const draft = await this.authoring.drafts.get('discord', i.user.id);
    const cause = i.values[0];
    if (!draft || draft.target) {
      await i.update({
        content: t('authoring:chat.abandoned', { minutes: 1440 }),
        embeds: [],
        components: [],
        allowedMentions: NO_MENTIONS,
      });
      return;
    }
    if (!cause || !(CAUSES as readonly string[]).includes(cause)) {
      await i.deferUpdate();
      return;
    }
    const next: Draft = { ...draft, fields: { ...draft.fields, cause: cause as Cause }, updatedAt: new Date().toISOString() };
    const work = this.authoring.preview(next);
    const quick = await Promise.race([work, new Promise<undefined>((r) => setTimeout(() => r(undefined), PREVIEW_WAIT_MS))]);
    if (!quick) await i.deferUpdate();
    const preview = quick ?? (await work);
    const body = preview.ok
      ? this.previewMessage(t, next, preview)
      : { content: t('authoring:admin.invalid', { error: preview.error }), embeds: [], components: [] };
    if (preview.ok) await this.authoring.drafts.put(next);
    if (i.deferred) await i.editReply({ ...body, allowedMentions: NO_MENTIONS });
    else await i.update({ ...body, allowedMentions: NO_MENTIONS });
  }

  private async button(i: ButtonInteraction, locale: string, t: TFunction): Promise<void> {
    const [, action, ...rest] = i.customId.split(':');
    const key = rest.join(':');
    if (action === 'u' || action === 'r') return this.openEdit(i, locale, t, key, action === 'r');
    if (action === 'x') {
      await this.authoring.drafts.delete('discord', i.user.id);
      await i.update({ content: t('authoring:chat.cancelled'), embeds: [], components: [], allowedMentions: NO_MENTIONS });
      return;
    }
    if (action !== 'pub') return;
    const draft = await this.authoring.drafts.get('discord', i.user.id);
    if (!draft) {
      await i.update({
        content: t('authoring:chat.abandoned', { minutes: 1440 }),
        embeds: [],
        components: [],
        allowedMentions: NO_MENTIONS,
      });
      return;
    }
    const where = i.guildId ? `discord channel ${i.channelId}` : `discord DM ${i.channelId}`;
    const published = await this.authoring.publish(draft, actorOf(i), where);
    await this.authoring.drafts.delete('discord', i.user.id);
    this.log.info({ incident: published.key, action: published.action, user: i.user.id }, 'incident published from discord');
    const incident = this.authoring.incident(published.key);
    const done = published.action === 'resolved' || !fits(`${PREFIX}:u:${published.key}`);
    await i.update({
      content: t('authoring:chat.published', { name: incident?.name ?? published.id }),
      embeds: [],
      components: done
        ? []
        : [
            {
              type: ComponentType.ActionRow,
              components: [
                {
                  type: ComponentType.Button,
                  style: ButtonStyle.Primary,
                  custom_id: `${PREFIX}:u:${published.key}`,
                  label: truncate(t('authoring:admin.update'), 80),
                },
                {
                  type: ComponentType.Button,
                  style: ButtonStyle.Danger,
                  custom_id: `${PREFIX}:r:${published.key}`,
                  label: truncate(t('authoring:admin.resolve'), 80),
                },
              ],
            },
          ],
      allowedMentions: NO_MENTIONS,
    });
  }
}
