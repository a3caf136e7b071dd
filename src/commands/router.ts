import { matchLocale } from '../i18n/locales.ts';
import { buildCommandReply, buildKpiReply, type CommandReplyInput } from '../messages/index.ts';
import type { Platform } from '../core/model.ts';
import { chatKey, userKey, type ChannelAnnouncement, type Subscription, type UserPrefs } from '../core/recipients.ts';
import { formatList } from '../i18n/format.ts';
import { statusReply } from './status.ts';
import { isValidTimeZone, parseQuietRange } from '../core/quiet.ts';
import { memoryCounter } from '../storage/counter.ts';
import { CommandBudget } from './user-limit.ts';
import {
  COMMAND_NAMES,
  KPI_WINDOWS,
  type CommandInvocation,
  type CommandName,
  type CommandReply,
  type CommandServices,
  type KpiWindow,
} from './context.ts';

export const isCommandName = (s: string): s is CommandName => (COMMAND_NAMES as readonly string[]).includes(s);

/**
 * The platform-neutral command handlers of docs/contract.md §5. Adapters map their platform's input to a
 * `CommandInvocation` and render the `CommandReply`'s message their own way.
 */
export class CommandRouter {
  private readonly budget: CommandBudget;

  constructor(readonly services: CommandServices) {
    this.budget = services.commandBudget ?? new CommandBudget(memoryCounter(), undefined);
  }

  /** docs/contract.md §5: explicit `/language`, then the platform's hint, then the channel's locale, then the default. */
  async resolveLocale(inv: Pick<CommandInvocation, 'platform' | 'userId' | 'chatId' | 'localeHint' | 'threadId'>): Promise<string> {
    const s = this.services;
    // The reply's language only: a store that cannot answer (down, disk full) must not leave the
    // asker without an answer, so a failed read falls through to the next rule and a failed
    // remember is skipped (it is written again with the next command).
    const prefs = await s.users.get<UserPrefs>(userKey(inv.platform, inv.userId)).catch(() => undefined);
    if (prefs?.locale) return prefs.locale;
    const hinted = matchLocale(inv.localeHint, s.offeredLocales);
    if (hinted) {
      if (prefs?.platformLocale !== hinted)
        await s.users.set<UserPrefs>(userKey(inv.platform, inv.userId), { ...prefs, platformLocale: hinted }).catch(() => undefined);
      return hinted;
    }
    if (prefs?.platformLocale) return prefs.platformLocale;
    const channel = await s.announcements.get<ChannelAnnouncement>(chatKey(inv.platform, inv.chatId, inv.threadId)).catch(() => undefined);
    return channel?.locale ?? s.defaultLocale;
  }

  /** A user's subscription, for views that show it (Slack's App Home): adapters never read the store themselves. */
  subscriptionOf(platform: Platform, userId: string): Promise<Subscription | undefined> {
    return this.services.subscriptions.get<Subscription>(userKey(platform, userId));
  }

  async handle(inv: CommandInvocation): Promise<CommandReply> {
    const locale = await this.resolveLocale(inv);
    const admission = await this.budget.admit(userKey(inv.platform, inv.userId));
    if (admission.kind !== 'answer')
      return {
        ...this.error(locale, this.t(locale)('errors.slowDown', { seconds: admission.seconds })),
        ...(admission.kind === 'quiet' ? { quiet: true } : {}),
      };
    const name = inv.command.replace(/^\//, '').replace(/@.*$/, '').toLowerCase();
    // Telegram opens every private chat with /start (https://core.telegram.org/bots/features#commands).
    if (name === 'start') return this.help(inv, locale, 'help.welcome');
    if (!isCommandName(name))
      return this.error(
        locale,
        this.t(locale)('errors.unknownCommand', {
          command: inv.command,
          commands: COMMAND_NAMES.map((c) => `${inv.commandPrefix ?? '/'}${c}`).join(', '),
        }),
      );
    switch (name) {
      case 'status':
        return { message: statusReply(this.services, locale, inv.args.join(' ') || undefined), ephemeral: true, locale };
      case 'subscribe':
        return this.subscribe(inv, locale);
      case 'unsubscribe':
        return this.unsubscribe(inv, locale);
      case 'subscriptions':
        return this.subscriptionsOf(inv, locale);
      case 'language':
        return this.language(inv, locale);
      case 'announce':
        return this.announce(inv, locale);
      case 'kpi':
        return this.kpi(inv, locale);
      case 'help':
        return this.help(inv, locale, 'help.title');
    }
  }

  /** `/help` (and Telegram's `/start`): every command with what it does, in the asker's language. */
  private help(inv: CommandInvocation, locale: string, titleKey: 'help.title' | 'help.welcome'): CommandReply {
    const t = this.t(locale);
    const prefix = inv.commandPrefix ?? '/';
    const lines = COMMAND_NAMES.map((c) => `${prefix}${c} — ${t(`commands.${c}`)}`);
    return this.reply(locale, t(titleKey, { service: this.services.serviceName }), { body: lines.join('\n'), tone: 'info' });
  }

  private t(locale: string) {
    return this.services.translator.t(locale);
  }

  /** A reply that reports the asker's mistake (or a limit): never marked as a success. */
  private error(locale: string, title: string): CommandReply {
    return this.reply(locale, title, { tone: 'error' });
  }

  private reply(locale: string, title: string, extra: Omit<CommandReplyInput, 'title'> = {}): CommandReply {
    return { message: buildCommandReply({ title, ...extra }, locale, this.services), ephemeral: true, locale };
  }

  /** Words → canonical component ids; the first unknown word is returned for a clear error. */
  private resolveComponents(words: readonly string[]): { ids: string[]; unknown?: string } {
    const ids: string[] = [];
    for (const w of words) {
      const id = this.services.catalog.lookup(w);
      if (!id) return { ids, unknown: w };
      if (!ids.includes(id)) ids.push(id);
    }
    return { ids };
  }

  private unknownComponent(locale: string, word: string): CommandReply {
    const ctx = this.services.renderContext(this.services.now());
    const known =
      this.knownComponentIds()
        .map((id) => ctx.componentName({ id, name: id }, locale))
        .join(', ') || '—';
    return this.error(locale, this.t(locale)('status.unknownComponent', { name: word, known }));
  }

  private knownComponentIds(): string[] {
    const ids = new Set([...this.services.catalog.configuredIds(), ...this.services.tracker.currentComponents().map((c) => c.id)]);
    return [...ids];
  }

  private describe(locale: string, ids: readonly string[]): string {
    if (ids.length === 0) return this.t(locale)('subscribe.all');
    const ctx = this.services.renderContext(this.services.now());
    const names = new Map(this.services.tracker.currentComponents().map((c) => [c.id, c.name]));
    return formatList(
      ids.map((id) => ctx.componentName({ id, name: names.get(id) ?? id }, locale)),
      locale,
    );
  }

  private async subscribe(inv: CommandInvocation, locale: string): Promise<CommandReply> {
    if (inv.args[0]?.toLowerCase() === 'quiet') return this.quiet(inv, locale);
    const { ids, unknown } = this.resolveComponents(inv.args);
    if (unknown) return this.unknownComponent(locale, unknown);
    const key = userKey(inv.platform, inv.userId);
    const existing = await this.services.subscriptions.get<Subscription>(key);
    const components =
      ids.length === 0 || (existing && existing.components.length === 0) ? [] : [...new Set([...(existing?.components ?? []), ...ids])];
    await this.services.subscriptions.set<Subscription>(key, {
      platform: inv.platform,
      userId: inv.userId,
      components,
      createdAt: existing?.createdAt ?? this.services.now(),
    });
    this.services.revive?.({ platform: inv.platform, chatId: inv.userId, kind: 'dm' });
    return this.reply(locale, this.t(locale)('subscribe.done', { what: this.describe(locale, components) }));
  }

  /** `/subscribe quiet 22:00-07:00 [time zone]` and `/subscribe quiet off`. */
  private async quiet(inv: CommandInvocation, locale: string): Promise<CommandReply> {
    const t = this.t(locale);
    const key = userKey(inv.platform, inv.userId);
    const prefs = await this.services.users.get<UserPrefs>(key);
    const [, range, zone] = inv.args;
    if (range?.toLowerCase() === 'off') {
      const { quiet: _dropped, ...rest } = prefs ?? {};
      await this.services.users.set<UserPrefs>(key, rest);
      return this.reply(locale, t('quiet.off'));
    }
    const parsed = range ? parseQuietRange(range) : undefined;
    const timeZone = zone ?? this.services.timezone ?? 'UTC';
    if (!parsed || !isValidTimeZone(timeZone)) return this.error(locale, t('quiet.usage'));
    await this.services.users.set<UserPrefs>(key, { ...prefs, quiet: { ...parsed, timeZone } });
    return this.reply(locale, t('quiet.set', { from: parsed.from, to: parsed.to, timeZone }));
  }

  private async unsubscribe(inv: CommandInvocation, locale: string): Promise<CommandReply> {
    const key = userKey(inv.platform, inv.userId);
    const existing = await this.services.subscriptions.get<Subscription>(key);
    if (inv.args.length === 0) {
      if (!existing) return this.reply(locale, this.t(locale)('subscribe.none'));
      await this.services.subscriptions.delete(key);
      return this.reply(locale, this.t(locale)('subscribe.removedAll'));
    }
    const { ids, unknown } = this.resolveComponents(inv.args);
    if (unknown) return this.unknownComponent(locale, unknown);
    if (!existing) return this.reply(locale, this.t(locale)('subscribe.notSubscribed', { what: this.describe(locale, ids) }));
    const current = existing.components.length === 0 ? this.knownComponentIds() : existing.components;
    if (!ids.some((id) => current.includes(id)))
      return this.reply(locale, this.t(locale)('subscribe.notSubscribed', { what: this.describe(locale, ids) }));
    const remaining = current.filter((id) => !ids.includes(id));
    if (remaining.length === 0) await this.services.subscriptions.delete(key);
    else await this.services.subscriptions.set<Subscription>(key, { ...existing, components: remaining });
    return this.reply(locale, this.t(locale)('subscribe.removed', { what: this.describe(locale, ids) }));
  }

  private async subscriptionsOf(inv: CommandInvocation, locale: string): Promise<CommandReply> {
    const existing = await this.services.subscriptions.get<Subscription>(userKey(inv.platform, inv.userId));
    if (!existing) return this.reply(locale, this.t(locale)('subscribe.none'));
    return this.reply(locale, this.t(locale)('subscribe.list', { what: this.describe(locale, existing.components) }));
  }

  private async language(inv: CommandInvocation, locale: string): Promise<CommandReply> {
    const offered = this.services.offeredLocales.join(', ');
    const code = inv.args[0];
    if (!code) return this.reply(locale, this.t(locale)('language.current', { offered }), { tone: 'info' });
    const chosen = matchLocale(code, this.services.offeredLocales);
    if (!chosen) return this.error(locale, this.t(locale)('language.unknown', { code, offered }));
    const key = userKey(inv.platform, inv.userId);
    const prefs = await this.services.users.get<UserPrefs>(key);
    await this.services.users.set<UserPrefs>(key, { ...prefs, locale: chosen });
    return this.reply(chosen, this.t(chosen)('language.set'));
  }

  private async announce(inv: CommandInvocation, locale: string): Promise<CommandReply> {
    const t = this.t(locale);
    const [mode, ...rest] = inv.args.map((a) => a.trim()).filter(Boolean);
    if (mode !== 'on' && mode !== 'off') return this.error(locale, t('announceCmd.usage'));
    if (inv.chatKind === 'channel' && !(await inv.isChannelAdmin?.())) return this.error(locale, t('announceCmd.forbidden'));
    const key = chatKey(inv.platform, inv.chatId, inv.threadId);
    if (mode === 'off') {
      await this.services.announcements.delete(key);
      return { ...this.reply(locale, t('announceCmd.off')), ephemeral: false };
    }
    const last = rest.at(-1);
    const chosenLocale = last && !this.services.catalog.lookup(last) ? matchLocale(last, this.services.offeredLocales) : undefined;
    const words = chosenLocale ? rest.slice(0, -1) : rest;
    const { ids, unknown } = this.resolveComponents(words);
    if (unknown) return this.unknownComponent(locale, unknown);
    const announceLocale = chosenLocale ?? locale;
    await this.services.announcements.set<ChannelAnnouncement>(key, {
      platform: inv.platform,
      chatId: inv.chatId,
      ...(inv.threadId ? { threadId: inv.threadId } : {}),
      components: ids,
      locale: announceLocale,
      minSeverity: this.services.defaultMinSeverity,
      createdAt: this.services.now(),
    });
    this.services.revive?.({
      platform: inv.platform,
      chatId: inv.chatId,
      kind: 'channel',
      ...(inv.threadId ? { threadId: inv.threadId } : {}),
    });
    const language = new Intl.DisplayNames([locale], { type: 'language' }).of(announceLocale) ?? announceLocale;
    return { ...this.reply(locale, t('announceCmd.on', { what: this.describe(locale, ids), language })), ephemeral: false };
  }

  private async kpi(inv: CommandInvocation, locale: string): Promise<CommandReply> {
    const window: KpiWindow = (KPI_WINDOWS as readonly string[]).includes(inv.args[0] ?? '') ? (inv.args[0] as KpiWindow) : '24h';
    const figures = await this.services.kpi?.figures('all', window);
    const chart = figures ? await this.services.kpi?.chart?.('all', window, locale) : undefined;
    const ctx = { translator: this.services.translator, serviceName: this.services.serviceName, timezone: this.services.timezone ?? 'UTC' };
    return { message: buildKpiReply({ window, figures, ...(chart ? { chart } : {}) }, locale, ctx), ephemeral: true, locale };
  }
}
