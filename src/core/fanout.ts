import type { KeyValue, Store } from '../storage/store.ts';
import type { AnnounceConfig } from './config.ts';
import type { ComponentCatalog } from './components.ts';
import { severityRank, targetKey, type Platform, type Severity, type StatusEvent, type Target } from './model.ts';
import type { ChannelAnnouncement, Subscription, UserPrefs } from './recipients.ts';
import { userKey } from './recipients.ts';
import { quietUntil } from './quiet.ts';

export type RecipientOrigin = 'config' | 'announce' | 'subscription';

export interface Recipient {
  readonly target: Target;
  readonly locale: string;
  readonly origin: RecipientOrigin;
  /** Lower goes first: channel announcements before direct messages. */
  readonly priority: number;
  /** Held by the subscriber's quiet hours until then (epoch ms). */
  readonly holdUntil?: number;
}

export const PRIORITY = { reply: 0, channel: 1, dm: 2 } as const;

/**
 * Decides who hears about an event: config announce targets, channels that ran `/announce on`, and
 * direct-message subscribers, each filtered by component and severity. Subscriptions are streamed
 * from the store, never loaded all at once.
 */
export class Fanout {
  private readonly subscriptions: KeyValue;
  private readonly announcements: KeyValue;
  private readonly users: KeyValue;

  constructor(
    store: Store,
    private readonly options: {
      readonly announce: readonly AnnounceConfig[];
      readonly catalog: ComponentCatalog;
      readonly defaultLocale: string;
      readonly enabled: (platform: Platform) => boolean;
      /** Config targets found dead in this run (docs/contract.md §7: paused until the next start). */
      readonly paused: ReadonlySet<string>;
      readonly now?: () => number;
    },
  ) {
    this.subscriptions = store.namespace('subscriptions');
    this.announcements = store.namespace('announce');
    this.users = store.namespace('users');
  }

  async *recipients(event: StatusEvent): AsyncIterable<Recipient> {
    const components = event.type === 'incident' ? event.components.map((c) => c.id) : [event.component.id];
    const wants = (filter: readonly string[] | undefined) =>
      !filter || filter.length === 0 || filter.some((f) => components.includes(this.options.catalog.lookup(f) ?? f));
    const severe = (min: Severity) =>
      severityRank(event.severity) >= severityRank(min) || (min === 'minor' && event.severity === 'maintenance');
    const seen = new Set<string>();
    const emit = (r: Recipient): Recipient | undefined => {
      const key = targetKey(r.target);
      if (seen.has(key) || this.options.paused.has(key) || !this.options.enabled(r.target.platform)) return undefined;
      seen.add(key);
      return r;
    };

    for (const a of this.options.announce) {
      if (!wants(a.components) || !severe(a.minSeverity)) continue;
      const r = emit({
        target: { platform: a.platform, chatId: a.chatId, kind: 'channel', ...(a.thread ? { threadId: a.thread } : {}) },
        locale: a.locale ?? this.options.defaultLocale,
        origin: 'config',
        priority: PRIORITY.channel,
      });
      if (r) yield r;
    }
    for await (const [, a] of this.announcements.entries<ChannelAnnouncement>()) {
      if (!wants(a.components) || !severe(a.minSeverity)) continue;
      const r = emit({
        target: { platform: a.platform, chatId: a.chatId, kind: 'channel', ...(a.threadId ? { threadId: a.threadId } : {}) },
        locale: a.locale ?? this.options.defaultLocale,
        origin: 'announce',
        priority: PRIORITY.channel,
      });
      if (r) yield r;
    }
    // Subscribers asked for every change of their components, whatever its severity.
    const batch: Subscription[] = [];
    const flush = async function* (this: Fanout): AsyncIterable<Recipient> {
      const prefs = await this.users.getMany<UserPrefs>(batch.map((s) => userKey(s.platform, s.userId)));
      for (const [i, s] of batch.entries()) {
        const p = prefs[i];
        const wallNow = this.options.now?.() ?? Date.now();
        const quietEnd = p?.quiet && event.severity !== 'critical' ? quietUntil(p.quiet, wallNow) : undefined;
        const hold = quietEnd === undefined ? undefined : Date.now() + (quietEnd - wallNow);
        const r = emit({
          ...(hold ? { holdUntil: hold } : {}),
          target: { platform: s.platform, chatId: s.userId, kind: 'dm' },
          locale: p?.locale ?? p?.platformLocale ?? this.options.defaultLocale,
          origin: 'subscription',
          priority: PRIORITY.dm,
        });
        if (r) yield r;
      }
      batch.length = 0;
    }.bind(this);
    for await (const [, s] of this.subscriptions.entries<Subscription>()) {
      if (!wants(s.components)) continue;
      batch.push(s);
      if (batch.length >= 500) yield* flush();
    }
    if (batch.length) yield* flush();
  }
}
