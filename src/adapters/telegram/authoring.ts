import type { Context } from 'telegraf';
import type { CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message } from 'telegraf/types';
import type { Logger } from 'pino';
import type { TFunction } from 'i18next';
import type { Actor, AuthorChecks } from '../../authoring/authors.ts';
import { newDraft, type Draft } from '../../authoring/draft.ts';
import type { Authoring } from '../../authoring/service.ts';
import type { CommandRouter } from '../../commands/router.ts';
import { PayloadError } from '../../core/errors.ts';
import { COMPONENT_STATUSES, INCIDENT_STATUSES, MAINTENANCE_STATUSES, type ComponentStatus } from '../../core/model.ts';
import { INFO_ICON, type MessageModel } from '../../i18n/message.ts';
import { userKey, type UserPrefs } from '../../core/recipients.ts';
import { parseWindow } from '../../authoring/window.ts';
import { isAdminStatus, parseCommand } from './commands.ts';
import type { ReplySink } from './inbound.ts';

/**
 * Writing incidents in a private chat with the bot (docs/authoring.md): `/incident` or
 * `/maintenance`, then the title as text, impact and status on inline keyboards, the components
 * toggled on a keyboard, the message as text, a preview per language, Publish / Cancel. The flow's
 * state is the draft in the store, so a restart (or another instance, in webhook mode) continues
 * it; a draft left without an answer for `timeoutMs` is abandoned at the next step. The author is
 * checked on every message and every button press.
 */
export const FLOW_TIMEOUT_MS = 30 * 60_000;

/** callback_data is 1-64 bytes (https://core.telegram.org/bots/api#inlinekeyboardbutton): short codes, the incident id last. */
const CB = /^ai:(i|s|c|d|p|x|u|r):?(.*)$/s;

type Step = 'name' | 'window' | 'impact' | 'status' | 'components' | 'message' | 'review';

const IMPACTS = ['minor', 'major', 'critical'] as const;
/** A tap moves a component one status further; after the worst it is "not affected" again. */
const CYCLE: readonly (ComponentStatus | undefined)[] = [
  undefined,
  'degraded_performance',
  'partial_outage',
  'major_outage',
  'under_maintenance',
  'operational',
];

const rows = (buttons: InlineKeyboardButton[], perRow = 2): InlineKeyboardMarkup => {
  const out: InlineKeyboardButton[][] = [];
  for (let i = 0; i < buttons.length; i += perRow) out.push(buttons.slice(i, i + perRow));
  return { inline_keyboard: out };
};

export class TelegramAuthoring {
  constructor(
    private readonly authoring: Authoring,
    private readonly router: CommandRouter,
    private readonly sink: ReplySink,
    private readonly log: Logger,
    private readonly timeoutMs = FLOW_TIMEOUT_MS,
  ) {}

  private checks(ctx: Context): AuthorChecks {
    return {
      telegramChatAdmin: async (chatId, userId) => isAdminStatus((await ctx.telegram.getChatMember(chatId, Number(userId))).status),
    };
  }

  private async localeOf(userId: number, hint: string | undefined): Promise<string> {
    return this.router.resolveLocale({ platform: 'telegram', userId: String(userId), chatId: String(userId), localeHint: hint });
  }

  private note(locale: string, title: string, body?: string): MessageModel {
    return {
      locale,
      dir: this.router.services.translator.dir(locale),
      severity: 'none',
      icon: INFO_ICON,
      title,
      ...(body ? { body } : {}),
      fields: [],
      advice: [],
    };
  }

  private say(chatId: number, locale: string, title: string, keyboard?: InlineKeyboardMarkup): Promise<void> {
    return this.sink.reply(chatId, this.note(locale, title), keyboard ? { keyboard } : {});
  }

  /** The draft of this user, or undefined when there is none or it was abandoned (which it also says). */
  private async current(userId: number, chatId: number, locale: string, t: TFunction): Promise<Draft | undefined> {
    const draft = await this.authoring.drafts.get('telegram', String(userId));
    if (!draft) return undefined;
    if (Date.now() - Date.parse(draft.updatedAt) > this.timeoutMs) {
      await this.authoring.drafts.delete('telegram', String(userId));
      await this.say(chatId, locale, t('authoring:chat.abandoned', { minutes: Math.round(this.timeoutMs / 60_000) }));
      return undefined;
    }
    return draft;
  }

  private async save(draft: Draft, step: Step): Promise<Draft> {
    const next = { ...draft, step, updatedAt: new Date().toISOString() };
    await this.authoring.drafts.put(next);
    return next;
  }

  private actor(from: { id: number; first_name?: string; username?: string }): Actor {
    return {
      platform: 'telegram',
      userId: String(from.id),
      name: from.username ? `@${from.username}` : (from.first_name ?? String(from.id)),
    };
  }

  /** A message: `/incident`, `/maintenance`, or the text a step is waiting for. True when the flow took it. */
  async onMessage(ctx: Context, message: Message): Promise<boolean> {
    if (!('text' in message) || !message.from) return false;
    const command = parseCommand(message.text, ctx.botInfo?.username);
    const starting = command?.command === 'incident' || command?.command === 'maintenance';
    if (message.chat.type !== 'private') {
      if (!starting) return false;
      const locale = await this.localeOf(message.from.id, message.from.language_code);
      await this.sink.reply(message.chat.id, this.note(locale, this.router.services.translator.t(locale)('authoring:chat.privateOnly')), {
        replyTo: message.message_id,
      });
      return true;
    }
    const userId = message.from.id;
    const chatId = message.chat.id;
    if (!starting && command) return false;
    const locale = await this.localeOf(userId, message.from.language_code);
    const t = this.router.services.translator.t(locale);
    // Text outside a flow is not ours; a command (any other) is the router's.
    const draft = starting ? undefined : await this.authoring.drafts.get('telegram', String(userId));
    if (!starting && !draft) return false;
    if (!(await this.authoring.mayWrite(this.actor(message.from), this.checks(ctx)))) {
      await this.say(chatId, locale, this.authoring.refusal(locale));
      return true;
    }
    if (starting) {
      const kind = command!.command === 'maintenance' ? 'maintenance' : 'incident';
      await this.save(newDraft('telegram', String(userId), new Date().toISOString(), { fields: { kind }, locale }), 'name');
      await this.say(chatId, locale, t(kind === 'maintenance' ? 'authoring:chat.askTitleMaintenance' : 'authoring:chat.askTitle'));
      return true;
    }
    const live = await this.current(userId, chatId, locale, t);
    if (!live) return true;
    if (live.step === 'name') {
      const next = await this.save(
        { ...live, fields: { ...live.fields, name: message.text.slice(0, 500) } },
        live.fields.kind === 'maintenance' ? (live.target ? 'status' : 'window') : 'impact',
      );
      await this.ask(chatId, locale, t, next);
      return true;
    }
    if (live.step === 'window') {
      // Read in the user's own time zone (the one of their quiet hours), else UTC; a bad window is said and asked again.
      const zone = await this.zoneOf(userId);
      const window = parseWindow(message.text, zone);
      if (!window.ok) {
        await this.say(chatId, locale, t(window.reason === 'order' ? 'authoring:chat.windowOrder' : 'authoring:chat.badWindow', { zone }));
        await this.ask(chatId, locale, t, live);
        return true;
      }
      const next = await this.save(
        { ...live, fields: { ...live.fields, scheduledFor: window.from, scheduledUntil: window.until } },
        'status',
      );
      await this.ask(chatId, locale, t, next);
      return true;
    }
    if (live.step === 'message') {
      const next = await this.save({ ...live, fields: { ...live.fields, message: message.text.slice(0, 20_000) } }, 'review');
      await this.review(chatId, locale, t, next);
      return true;
    }
    // A text while a keyboard is waiting: ask again rather than guess.
    await this.ask(chatId, locale, t, live);
    return true;
  }

  /** The time zone a user's times are read in: theirs from `/subscribe quiet … <zone>`, else UTC. */
  private async zoneOf(userId: number): Promise<string> {
    const prefs = await this.router.services.users.get<UserPrefs>(userKey('telegram', String(userId)));
    return prefs?.quiet?.timeZone ?? 'UTC';
  }

  /** The question of a step. */
  private async ask(chatId: number, locale: string, t: TFunction, draft: Draft): Promise<void> {
    switch (draft.step as Step) {
      case 'window':
        return this.say(chatId, locale, t('authoring:chat.askWindow', { zone: await this.zoneOf(Number(draft.owner)) }));
      case 'impact':
        return this.say(
          chatId,
          locale,
          t('authoring:chat.askImpact'),
          rows(IMPACTS.map((i) => ({ text: t(`severity.${i}`), callback_data: `ai:i:${i}` }))),
        );
      case 'status': {
        const statuses = draft.fields.kind === 'maintenance' ? MAINTENANCE_STATUSES : INCIDENT_STATUSES;
        return this.say(
          chatId,
          locale,
          t('authoring:chat.askStatus'),
          rows(statuses.map((s) => ({ text: t(`storyStatus.${s}`), callback_data: `ai:s:${s}` }))),
        );
      }
      case 'components':
        return this.say(chatId, locale, t('authoring:chat.askComponents'), this.componentKeyboard(locale, t, draft));
      case 'message':
        return this.say(chatId, locale, t('authoring:chat.askMessage'));
      case 'review':
        return this.review(chatId, locale, t, draft);
      default:
        return this.say(
          chatId,
          locale,
          t(draft.fields.kind === 'maintenance' ? 'authoring:chat.askTitleMaintenance' : 'authoring:chat.askTitle'),
        );
    }
  }

  private componentKeyboard(locale: string, t: TFunction, draft: Draft): InlineKeyboardMarkup {
    const comps = this.authoring.components(locale).slice(0, 40);
    const buttons = comps.map((c, i) => {
      const s = draft.fields.componentStatuses?.[c.id];
      return {
        text: `${c.name}: ${s ? t(`componentStatus.${s}`) : t('authoring:admin.notAffected')}`.slice(0, 64),
        callback_data: `ai:c:${i}`,
      };
    });
    return {
      inline_keyboard: [...rows(buttons, 1).inline_keyboard, [{ text: t('authoring:chat.componentsDone'), callback_data: 'ai:d' }]],
    };
  }

  /** One message per language as the announcement will read, then Publish / Cancel. */
  private async review(chatId: number, locale: string, t: TFunction, draft: Draft): Promise<void> {
    const preview = await this.authoring.preview(draft);
    if (!preview.ok) {
      await this.say(chatId, locale, t('authoring:admin.invalid', { error: preview.error }));
      return;
    }
    await this.say(chatId, locale, t('authoring:chat.previewIntro'));
    for (const l of preview.locales) await this.sink.reply(chatId, l.model, {});
    await this.say(
      chatId,
      locale,
      t('authoring:chat.confirm'),
      rows([
        { text: t('authoring:admin.publish'), callback_data: 'ai:p' },
        { text: t('authoring:chat.cancel'), callback_data: 'ai:x' },
      ]),
    );
  }

  /** A button press of the flow (`ai:…`). True when it was one of ours. */
  async onCallback(ctx: Context, query: CallbackQuery): Promise<boolean> {
    const m = CB.exec('data' in query ? (query.data ?? '') : '');
    if (!m) return false;
    const [, code, arg = ''] = m as unknown as [string, string, string?];
    const from = query.from;
    const chatId = query.message && 'chat' in query.message ? query.message.chat.id : from.id;
    const locale = await this.localeOf(from.id, from.language_code);
    const t = this.router.services.translator.t(locale);
    if (!(await this.authoring.mayWrite(this.actor(from), this.checks(ctx)))) {
      await ctx.answerCbQuery(this.authoring.refusal(locale).slice(0, 200), { show_alert: true });
      return true;
    }
    if (code === 'u' || code === 'r') {
      await this.startEdit(chatId, from.id, locale, t, arg, code === 'r');
      await ctx.answerCbQuery();
      return true;
    }
    const draft = await this.current(from.id, chatId, locale, t);
    if (!draft) {
      await ctx.answerCbQuery(t('telegram:stale').slice(0, 200));
      return true;
    }
    switch (code) {
      // Each step is saved before the press is answered: the next press then reads this one's draft.
      case 'i': {
        if (IMPACTS.includes(arg as (typeof IMPACTS)[number])) {
          const next = await this.save({ ...draft, fields: { ...draft.fields, impact: arg as (typeof IMPACTS)[number] } }, 'status');
          await this.ask(chatId, locale, t, next);
        }
        await ctx.answerCbQuery();
        return true;
      }
      case 's': {
        if (([...INCIDENT_STATUSES, ...MAINTENANCE_STATUSES] as readonly string[]).includes(arg)) {
          const next = await this.save({ ...draft, fields: { ...draft.fields, status: arg as Draft['fields']['status'] } }, 'components');
          await this.ask(chatId, locale, t, next);
        }
        await ctx.answerCbQuery();
        return true;
      }
      case 'c': {
        const comp = this.authoring.components(locale)[Number(arg)];
        if (!comp || !query.message) {
          await ctx.answerCbQuery();
          return true;
        }
        const statuses = { ...draft.fields.componentStatuses };
        const nextStatus = CYCLE[(CYCLE.indexOf(statuses[comp.id]) + 1) % CYCLE.length];
        if (nextStatus) statuses[comp.id] = nextStatus;
        else delete statuses[comp.id];
        const next = await this.save(
          { ...draft, fields: { ...draft.fields, components: Object.keys(statuses), componentStatuses: statuses } },
          'components',
        );
        await this.sink.editReply(
          chatId,
          query.message.message_id,
          this.note(locale, t('authoring:chat.askComponents')),
          this.componentKeyboard(locale, t, next),
        );
        await ctx.answerCbQuery();
        return true;
      }
      case 'd': {
        const next = await this.save(draft, 'message');
        await this.ask(chatId, locale, t, next);
        await ctx.answerCbQuery();
        return true;
      }
      case 'x':
        await this.authoring.drafts.delete('telegram', String(from.id));
        await this.say(chatId, locale, t('authoring:chat.cancelled'));
        await ctx.answerCbQuery();
        return true;
      case 'p':
        await this.publish(ctx, chatId, from, locale, t, draft);
        return true;
      default:
        await ctx.answerCbQuery();
        return true;
    }
  }

  private async publish(
    ctx: Context,
    chatId: number,
    from: CallbackQuery['from'],
    locale: string,
    t: TFunction,
    draft: Draft,
  ): Promise<void> {
    let published;
    try {
      published = await this.authoring.publish(draft, this.actor(from), `telegram private chat ${chatId}`, this.checks(ctx));
    } catch (e) {
      if (!(e instanceof PayloadError)) throw e;
      await ctx.answerCbQuery();
      await this.say(chatId, locale, t('authoring:admin.invalid', { error: e.message }));
      return;
    }
    await this.authoring.drafts.delete('telegram', String(from.id));
    this.log.info({ incident: published.key, action: published.action, user: from.id }, 'incident published from telegram');
    const incident = this.authoring.incident(published.key);
    const closed = published.action === 'resolved';
    await this.say(
      chatId,
      locale,
      t('authoring:chat.published', { name: incident?.name ?? published.id }),
      closed ? undefined : this.editButtons(t, published.id),
    );
    await ctx.answerCbQuery();
  }

  /** Update / Resolve for a published incident; ids that do not fit callback_data get none (the /admin composer remains). */
  private editButtons(t: TFunction, id: string): InlineKeyboardMarkup | undefined {
    if (Buffer.byteLength(`ai:u:${id}`) > 64) return undefined;
    return rows([
      { text: t('authoring:admin.update'), callback_data: `ai:u:${id}` },
      { text: t('authoring:admin.resolve'), callback_data: `ai:r:${id}` },
    ]);
  }

  private async startEdit(chatId: number, userId: number, locale: string, t: TFunction, id: string, resolve: boolean): Promise<void> {
    const incident = this.authoring.incident(id);
    if (!incident || ['resolved', 'postmortem', 'completed'].includes(incident.status)) {
      await this.say(chatId, locale, t('authoring:admin.noSuchIncident'));
      return;
    }
    const statuses = Object.fromEntries(
      this.router.services.tracker
        .currentComponents()
        .filter((c) => incident.componentIds.includes(c.id) && (COMPONENT_STATUSES as readonly string[]).includes(c.status))
        .map((c) => [c.id, c.status]),
    );
    const draft = newDraft('telegram', String(userId), new Date().toISOString(), {
      target: incident.key,
      locale,
      fields: {
        kind: incident.kind,
        impact: incident.impact,
        components: [...incident.componentIds],
        componentStatuses: statuses,
        ...(resolve ? { status: incident.kind === 'maintenance' ? 'completed' : 'resolved' } : {}),
      },
    });
    // Resolving: every component goes back to operational, so only the closing words are asked for.
    const next = await this.save(
      resolve
        ? {
            ...draft,
            fields: { ...draft.fields, componentStatuses: Object.fromEntries(incident.componentIds.map((c) => [c, 'operational'])) },
          }
        : draft,
      resolve ? 'message' : 'status',
    );
    await this.say(chatId, locale, t('authoring:admin.updating', { name: incident.name }));
    await this.ask(chatId, locale, t, next);
  }
}
