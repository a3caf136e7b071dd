import type { Logger } from 'pino';
import { PayloadError } from '../core/errors.ts';
import {
  isClosedStatus,
  severityOfComponent,
  severityRank,
  worstStatus,
  type Incident,
  type Severity,
  type StatusChange,
  type StatusEvent,
} from '../core/model.ts';
import type { Tracker } from '../core/tracker.ts';
import type { ComponentCatalog } from '../core/components.ts';
import type { Translator } from '../i18n/i18n.ts';
import type { MessageModel } from '../i18n/message.ts';
import { renderEvent, type RenderContext } from '../i18n/render.ts';
import { translatableTexts, type TranslationService } from '../i18n/translate/service.ts';
import type { ManualSource } from '../sources/manual/index.ts';
import type { Store } from '../storage/store.ts';
import { renderDiscord, type DiscordPayload } from '../adapters/discord/render.ts';
import { renderSlack, type SlackPayload } from '../adapters/slack/render.ts';
import { renderTelegram, type TelegramPayload } from '../adapters/telegram/render.ts';
import { AuditLog, type AuditEntry } from './audit.ts';
import { isAuthor, type Actor, type AuthorChecks, type AuthorsConfig } from './authors.ts';
import { DraftStore, validateDraft, type Draft } from './draft.ts';

/** What authoring needs of the app: the same parts the admin API uses, so a published draft takes its path. */
export interface AuthoringDeps {
  readonly authors: AuthorsConfig;
  /** Every language an announcement may be rendered in (offered locales and configured channels'). */
  readonly locales: readonly string[];
  readonly translator: Translator;
  readonly tracker: Tracker;
  readonly catalog: ComponentCatalog;
  readonly manual: ManualSource;
  readonly store: Store;
  readonly log: Logger;
  renderContext(now: string): RenderContext;
  /** The pipeline's entry: what `POST /api/incidents` calls for each change. */
  ingest(change: StatusChange): Promise<unknown>;
  readonly translations?: TranslationService | undefined;
  now(): string;
}

/** How one language reads the announcement, as each platform would receive it. */
export interface LocalePreview {
  readonly locale: string;
  readonly model: MessageModel;
  readonly slack: SlackPayload;
  readonly discord: DiscordPayload;
  readonly telegram: TelegramPayload;
  /** The incident's words were machine-translated for this language (`i18n.translate`). */
  readonly machineTranslated: boolean;
}

export type Preview =
  { readonly ok: true; readonly event: StatusEvent; readonly locales: LocalePreview[] } | { readonly ok: false; readonly error: string };

export interface Published {
  readonly key: string;
  /** The manual source's own id (what `/api/incidents/:id/updates` takes). */
  readonly id: string;
  readonly action: AuditEntry['action'];
}

/** Refused: the actor is not in config `authors`. Surfaces answer with `authoring:refused` in the actor's language. */
export class NotAnAuthorError extends Error {
  constructor(readonly actor: Actor) {
    super(`${actor.platform} user ${actor.userId} is not an author (config authors)`);
  }
}

const maxSeverity = (a: Severity, b: Severity): Severity => (severityRank(a) >= severityRank(b) ? a : b);

/**
 * Writing incidents from chat and `/admin` (docs/authoring.md): drafts in the store, a preview that
 * renders the announcement exactly as delivery would (same renderers, same translations), and a
 * publish that calls the manual source and the pipeline like `POST /api/incidents` does, then writes
 * the audit log.
 */
export class Authoring {
  readonly drafts: DraftStore;
  readonly audit: AuditLog;

  constructor(private readonly deps: AuthoringDeps) {
    this.drafts = new DraftStore(deps.store.namespace('drafts'));
    this.audit = new AuditLog(deps.store.namespace('incident-audit'));
  }

  get authors(): AuthorsConfig {
    return this.deps.authors;
  }

  /** Components a responder can pick: configured ones first, then those the sources reported, named in the locale. */
  components(locale: string): { id: string; name: string }[] {
    const names = new Map(this.deps.tracker.currentComponents().map((c) => [c.id, c.name]));
    const ids = [...new Set([...this.deps.catalog.configuredIds(), ...names.keys()])];
    const ctx = this.deps.renderContext(this.deps.now());
    return ids.map((id) => ({ id, name: ctx.componentName({ id, name: names.get(id) ?? id }, locale) }));
  }

  /** Checked on every step of every surface. */
  async mayWrite(actor: Actor, checks?: AuthorChecks): Promise<boolean> {
    return isAuthor(this.deps.authors, actor, checks);
  }

  async assertAuthor(actor: Actor, checks?: AuthorChecks): Promise<void> {
    if (!(await this.mayWrite(actor, checks))) throw new NotAnAuthorError(actor);
  }

  /** The polite refusal, in the reader's language. */
  refusal(locale: string): string {
    return this.deps.translator.t(locale)('authoring:refused');
  }

  incident(keyOrId: string): Incident | undefined {
    return this.deps.tracker.incident(keyOrId.includes(':') ? keyOrId : `${this.deps.manual.id}:${keyOrId}`);
  }

  /** Open incidents a responder may update from chat: every source's (an update to a source's story goes through the manual source). */
  openIncidents(): Incident[] {
    return this.deps.tracker.openIncidents();
  }

  /** The changes a draft stands for, built by the manual source itself; throws PayloadError when invalid. */
  private changesOf(
    draft: Pick<Draft, 'target' | 'fields'>,
    now: string,
  ): { id: string; key: string; changes: StatusChange[]; action: Published['action'] } {
    const valid = validateDraft(draft);
    if (!valid.ok) throw new PayloadError(valid.error);
    if (valid.mode === 'open') {
      const opened = this.deps.manual.open(valid.body, now);
      return { id: opened.id, key: `${this.deps.manual.id}:${opened.id}`, changes: opened.changes, action: 'opened' };
    }
    const existing = this.incident(valid.target);
    if (!existing) throw new PayloadError(`no incident "${valid.target}": it may have been closed more than 30 days ago`);
    const changes = this.deps.manual.update(existing, valid.body, now);
    const id = existing.key.startsWith(`${this.deps.manual.id}:`) ? existing.key.slice(this.deps.manual.id.length + 1) : existing.key;
    return { id, key: existing.key, changes, action: isClosedStatus(valid.body.status) ? 'resolved' : 'updated' };
  }

  /**
   * The announcement the draft would make, per language and platform. The tracker derives the event
   * without committing it, and the components show the statuses the draft sets, as the post will
   * read once its component changes are in.
   */
  async preview(draft: Pick<Draft, 'target' | 'fields'>, only?: readonly string[]): Promise<Preview> {
    const now = this.deps.now();
    let built;
    try {
      built = this.changesOf(draft, now);
    } catch (e) {
      if (e instanceof PayloadError) return { ok: false, error: e.message };
      throw e;
    }
    const [first, ...rest] = built.changes;
    const { events } = await this.deps.tracker.process(first!);
    const raw = events.find((e) => e.type === 'incident');
    if (!raw || raw.type !== 'incident') return { ok: false, error: 'nothing would be announced: the draft changes nothing' };
    const statuses = new Map(rest.flatMap((c) => (c.kind === 'component' ? [[c.component.id, c.component.status] as const] : [])));
    const components = raw.components.map((c) => {
      const s = statuses.get(c.id) ?? statuses.get(c.name);
      return s ? { ...c, status: s } : c;
    });
    const severity =
      raw.incident.kind === 'maintenance'
        ? 'maintenance'
        : maxSeverity(
            raw.incident.impact,
            (() => {
              const s = severityOfComponent(worstStatus(components.map((c) => c.status)));
              return s === 'maintenance' ? 'none' : s;
            })(),
          );
    const event: StatusEvent = { ...raw, components, severity: statuses.size ? severity : raw.severity };
    const locales = only?.length ? this.deps.locales.filter((l) => only.includes(l)) : [...this.deps.locales];
    // The same prefetch the fan-out makes: the preview shows what each language will get, translation included.
    if (this.deps.translations) await this.deps.translations.prefetch(translatableTexts(event), locales);
    const ctx = this.deps.renderContext(now);
    return {
      ok: true,
      event,
      locales: locales.map((locale) => {
        const model = renderEvent(event, locale, ctx);
        const t = this.deps.translator.t(locale);
        return {
          locale,
          model,
          slack: renderSlack(model),
          discord: renderDiscord(model).payload,
          telegram: renderTelegram(model, { fullText: t('telegram:fullText'), shortened: t('telegram:shortened') }),
          machineTranslated: model.fields.some((f) => f.label === t('translate.original')),
        };
      }),
    };
  }

  /**
   * Publishes through the pipeline (the admin API's path), then records the audit entry. The author is
   * checked again here: a draft written while allowed is not published after the right was taken away.
   */
  async publish(draft: Pick<Draft, 'target' | 'fields'>, actor: Actor, where: string, checks?: AuthorChecks): Promise<Published> {
    await this.assertAuthor(actor, checks);
    const now = this.deps.now();
    const built = this.changesOf(draft, now);
    for (const change of built.changes) await this.deps.ingest(change);
    await this.recordAudit(built.key, built.action, built.changes, actor, where, now);
    return { key: built.key, id: built.id, action: built.action };
  }

  /** The audit entry of a step published by any path (the admin API records its own through here). */
  async recordAudit(
    key: string,
    action: AuditEntry['action'],
    changes: readonly StatusChange[],
    actor: Actor,
    where: string,
    at = this.deps.now(),
  ): Promise<void> {
    const change = changes.find((c) => c.kind === 'incident');
    if (!change || change.kind !== 'incident') return;
    const update = change.incident.updates.at(-1);
    const componentStatuses = Object.fromEntries(
      changes.flatMap((c) => (c.kind === 'component' ? [[c.component.id, c.component.status] as const] : [])),
    );
    try {
      await this.audit.record({
        incident: key,
        at,
        action,
        who: { platform: actor.platform, id: actor.userId, ...(actor.name ? { name: actor.name } : {}) },
        where,
        what: {
          status: change.incident.status,
          impact: change.incident.impact,
          message: update?.body ?? '',
          components: [...change.incident.componentIds],
          ...(Object.keys(componentStatuses).length ? { componentStatuses } : {}),
        },
      });
    } catch (e) {
      // The step is announced already; a lost audit line is logged loudly rather than undoing it.
      this.deps.log.error({ err: e, incident: key, actor: `${actor.platform}:${actor.userId}` }, 'could not write the audit log entry');
    }
  }
}
