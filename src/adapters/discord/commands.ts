import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ApplicationIntegrationType,
  InteractionContextType,
  Locale,
  PermissionFlagsBits,
  type ChatInputCommandInteraction,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
  type APIApplicationCommandBasicOption,
  type APIApplicationCommandOptionChoice,
} from 'discord.js';
import { COMMAND_NAMES, KPI_WINDOWS, type CommandInvocation, type CommandName } from '../../commands/context.ts';
import { truncate } from './render.ts';

/** What the bot needs in a channel, and nothing more (docs/discord.md builds the invite URL from it). */
export const INVITE_PERMISSIONS =
  PermissionFlagsBits.ViewChannel |
  PermissionFlagsBits.SendMessages |
  PermissionFlagsBits.EmbedLinks |
  // The /kpi chart and the digest's chart are uploaded files (https://discord.com/developers/docs/topics/permissions).
  PermissionFlagsBits.AttachFiles |
  PermissionFlagsBits.ReadMessageHistory |
  PermissionFlagsBits.CreatePublicThreads |
  PermissionFlagsBits.ManageThreads |
  PermissionFlagsBits.SendMessagesInThreads;

type LocalizationMap = Partial<Record<Locale, string>>;
type T = (key: string, options?: Record<string, unknown>) => string;

const DISCORD_LOCALES = Object.values(Locale) as string[];

/**
 * Discord locale codes for one of our locales (https://discord.com/developers/docs/reference#locales):
 * `en` covers en-US and en-GB, `zh-CN` is only zh-CN (zh-TW is another written language), `es`
 * covers es-ES and es-419, `pt` pt-BR.
 */
export const discordLocalesFor = (locale: string): Locale[] => {
  if (DISCORD_LOCALES.includes(locale)) return [locale as Locale];
  const [lang] = locale.toLowerCase().split('-');
  if (lang === 'zh') return [];
  return DISCORD_LOCALES.filter((d) => d.toLowerCase().split('-')[0] === lang) as Locale[];
};

const localized = (
  offered: readonly string[],
  tOf: (l: string) => T,
  key: string,
  max: number,
  options?: Record<string, unknown>,
): LocalizationMap => {
  const map: LocalizationMap = {};
  for (const l of offered) for (const d of discordLocalesFor(l)) map[d] = truncate(tOf(l)(key, options), max);
  return map;
};

/** https://discord.com/developers/docs/interactions/application-commands#application-command-object-application-command-naming */
const COMMAND_NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

/** Lowercase, no spaces: what Discord accepts as a command or option name. */
const asName = (s: string): string => s.toLocaleLowerCase('en').trim().replace(/\s+/g, '-').slice(0, 32);

/**
 * One invalid localized name makes Discord refuse the whole bulk overwrite (50035), so a
 * translation that is not a valid name is left out: those users see the English name.
 */
const localizedNames = (offered: readonly string[], tOf: (l: string) => T, key: string): LocalizationMap => {
  const map: LocalizationMap = {};
  for (const l of offered) {
    const name = asName(tOf(l)(key));
    if (COMMAND_NAME.test(name)) for (const d of discordLocalesFor(l)) map[d] = name;
  }
  return map;
};

/**
 * The names on the wire: Discord sends an interaction's command and option names in their default
 * (unlocalized) form whatever the user's language, and `toInvocation` reads them by these names. So
 * they are constants, never translations: an operator override of the English text (i18n.overrides)
 * changes only what English clients see (`name_localizations`), never what the bot parses.
 * https://discord.com/developers/docs/interactions/application-commands#localization
 */
export const OPTION_NAMES = { component: 'component', window: 'period', code: 'code', mode: 'mode', language: 'language' } as const;
type OptionKey = keyof typeof OPTION_NAMES;

/**
 * The bulk-overwrite body for docs/contract.md §5's commands, localized for every offered locale. Defaults
 * are English (Discord's fallback for clients in other languages). `/announce` is hidden from
 * members without Manage Channels and is guild-only; the adapter checks the permission again
 * when it runs, because server admins can override `default_member_permissions`.
 */
export const buildCommandDefinitions = (
  offered: readonly string[],
  tOf: (l: string) => T,
): RESTPostAPIChatInputApplicationCommandsJSONBody[] => {
  const en = tOf('en');
  const option = (key: OptionKey, extra: Partial<APIApplicationCommandBasicOption> = {}): APIApplicationCommandBasicOption =>
    ({
      type: ApplicationCommandOptionType.String,
      name: OPTION_NAMES[key],
      name_localizations: localizedNames(offered, tOf, `discord:options.${key}.name`),
      description: truncate(en(`discord:options.${key}.description`), 100),
      description_localizations: localized(offered, tOf, `discord:options.${key}.description`, 100),
      required: false,
      ...extra,
    }) as APIApplicationCommandBasicOption;
  const choice = (value: string, key: string, options?: Record<string, unknown>): APIApplicationCommandOptionChoice<string> => ({
    name: truncate(en(key, options), 100),
    name_localizations: localized(offered, tOf, key, 100, options),
    value,
  });
  const languageChoices = offered.map((l) => ({
    name: truncate(`${new Intl.DisplayNames([l], { type: 'language' }).of(l) ?? l} (${l})`, 100),
    value: l,
  }));
  const component = option('component', { autocomplete: true });
  const options: Record<CommandName, APIApplicationCommandBasicOption[]> = {
    status: [component],
    subscribe: [component],
    unsubscribe: [component],
    subscriptions: [],
    language: [option('code', { choices: languageChoices })],
    announce: [
      option('mode', { required: true, choices: [choice('on', 'discord:choices.on'), choice('off', 'discord:choices.off')] }),
      component,
      option('language', { choices: languageChoices }),
    ],
    kpi: [option('window', { choices: KPI_WINDOWS.map((w) => choice(w, `kpi.window.${w}`)) })],
    help: [],
  };
  return COMMAND_NAMES.map((name) => ({
    type: ApplicationCommandType.ChatInput,
    name,
    name_localizations: localizedNames(offered, tOf, `discord:commandNames.${name}`),
    description: truncate(en(`commands.${name}`), 100),
    description_localizations: localized(offered, tOf, `commands.${name}`, 100),
    options: options[name],
    integration_types: [ApplicationIntegrationType.GuildInstall],
    ...(name === 'announce'
      ? { default_member_permissions: String(PermissionFlagsBits.ManageChannels), contexts: [InteractionContextType.Guild] }
      : { contexts: [InteractionContextType.Guild, InteractionContextType.BotDM] }),
  }));
};

const words = (s: string | null): string[] => (s ?? '').split(/[\s,]+/).filter(Boolean);

/** A slash command as the platform-neutral router expects it. Options keep docs/contract.md §5's word order. */
export const toInvocation = (i: ChatInputCommandInteraction): CommandInvocation => {
  const get = (key: OptionKey) => i.options.getString(OPTION_NAMES[key]);
  let args: string[];
  switch (i.commandName) {
    case 'announce':
      args = [get('mode') ?? '', ...words(get('component')), ...words(get('language'))];
      break;
    case 'language':
      args = words(get('code'));
      break;
    case 'kpi':
      args = words(get('window'));
      break;
    default:
      args = words(get('component'));
  }
  return {
    platform: 'discord',
    userId: i.user.id,
    chatId: i.channelId,
    chatKind: i.guildId ? 'channel' : 'dm',
    command: i.commandName,
    args,
    localeHint: i.locale,
    // Checked again here: a server can override default_member_permissions for any role.
    isChannelAdmin: async () => Boolean(i.memberPermissions?.has(PermissionFlagsBits.ManageChannels)),
  };
};
