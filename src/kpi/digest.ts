import { Cron } from 'croner';
import type { Logger } from 'pino';
import type { AnnounceConfig } from '../core/config.ts';
import { ConfigError } from '../core/errors.ts';
import { DIGEST_ID_PREFIX, targetKey, type DigestAnnouncement, type Platform, type StatusEvent, type Target } from '../core/model.ts';
import type { ChannelAnnouncement } from '../core/recipients.ts';
import type { RecipientOrigin } from '../core/fanout.ts';
import type { KeyValue } from '../storage/store.ts';
import type { Translator } from '../i18n/i18n.ts';
import type { MessageModel } from '../i18n/message.ts';
import { buildDigest, type DigestData, type DigestNumbers, type Happening, type RenderContext } from '../messages/index.ts';
import type { KpiService } from './service.ts';
import { DAY } from './engine.ts';

export type { DigestData } from '../messages/index.ts';

export interface DigestRecipient {
  readonly target: Target;
  readonly locale: string;
  readonly origin: RecipientOrigin;
  readonly priority: number;
}

export interface DigestDeps {
  readonly kpi: KpiService;
  readonly kv: KeyValue;
  readonly announcements: KeyValue;
  readonly translator: Translator;
  readonly serviceName: string;
  readonly timezone: string;
  readonly defaultLocale: string;
  readonly announce: readonly AnnounceConfig[];
  readonly enabled: (p: Platform) => boolean;
  readonly paused: ReadonlySet<string>;
  readonly componentName: (id: string, locale: string, fallback: string) => string;
  /** Hands the digest to the normal delivery path (outbox → delivery → adapters). */
  readonly post: (digest: DigestAnnouncement, recipients: readonly DigestRecipient[]) => Promise<void>;
  readonly log: Logger;
  readonly now?: () => number;
  /** `service.publicUrl`: the digest links to the status page. */
  readonly publicUrl?: string;
}

const IMAGE_PREFIX = 'img:';

interface StoredImage {
  readonly png: string;
}
const MAX_HAPPENINGS = 200;
const KEEP_MS = 7 * DAY;

/**
 * docs/contract.md §3 `digest`: on a cron, a summary goes to every announce channel — what happened since the
 * last digest, and uptime / p95 / error rate per component over that period. It travels through
 * the outbox as a `DigestAnnouncement`; its message is built by `buildDigest` (src/messages/digest.ts).
 */
export class DigestService {
  private readonly digests = new Map<string, DigestData>();
  private readonly images = new Map<string, Buffer>();
  private log: Happening[] = [];
  private cron: Cron | undefined;
  private readonly now: () => number;

  constructor(private readonly deps: DigestDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Validates a cron pattern (or a one-off ISO time) with a clear error. */
  static validate(pattern: string, timezone: string): void {
    try {
      new Cron(pattern, { timezone, paused: true }).stop();
    } catch (e) {
      throw new ConfigError(
        'digest.cron',
        `"${pattern}" is not a cron pattern (${(e as Error).message}): use five fields such as "0 9 * * *"`,
      );
    }
  }

  /**
   * Digests and their charts come back from the store: a digest job still pending at a restart is
   * re-rendered from them, chart included. The chart is kept per digest and locale (not per job).
   */
  async load(): Promise<void> {
    this.log = (await this.deps.kv.get<Happening[]>('log')) ?? [];
    for await (const [key, d] of this.deps.kv.entries<DigestData | StoredImage>()) {
      if (key.startsWith('d:')) this.digests.set(`${DIGEST_ID_PREFIX}${(d as DigestData).id}`, d as DigestData);
      else if (key.startsWith(IMAGE_PREFIX)) this.images.set(key.slice(IMAGE_PREFIX.length), Buffer.from((d as StoredImage).png, 'base64'));
    }
  }

  start(pattern: string): void {
    this.cron = new Cron(pattern, { timezone: this.deps.timezone, protect: true, unref: true }, () => {
      void this.postNow().catch((e: unknown) => this.deps.log.error({ err: e }, 'digest failed'));
    });
  }

  stop(): void {
    this.cron?.stop();
    this.cron = undefined;
  }

  /** Remembers what happened, for the next digest. */
  async noteEvents(events: readonly StatusEvent[]): Promise<void> {
    let changed = false;
    for (const e of events) {
      if (e.type === 'incident')
        this.log.push({ kind: 'incident', key: e.incident.key, name: e.incident.name, status: e.incident.status, at: e.at });
      else
        this.log.push({
          kind: 'component',
          id: e.component.id,
          name: e.component.name,
          previous: e.previous,
          status: e.component.status,
          at: e.at,
        });
      changed = true;
    }
    if (!changed) return;
    if (this.log.length > MAX_HAPPENINGS) this.log = this.log.slice(-MAX_HAPPENINGS);
    await this.deps.kv.set('log', this.log);
  }

  async compose(): Promise<DigestData> {
    const until = this.now();
    const last = await this.deps.kv.get<number>('last');
    const from = last ?? until - DAY;
    const engine = this.deps.kpi.engine;
    const numbers = async (ids: readonly string[] | 'all'): Promise<DigestNumbers> => {
      const s = await engine.summaryBetween(ids, from, until, '24h');
      const { coveredFrom, coveredMs, covered } = s.coverage;
      return {
        ...(s.uptimePercent !== undefined ? { uptime: s.uptimePercent } : {}),
        ...(s.response ? { p95: s.response.p95Ms } : {}),
        ...(s.errorRatePercent !== undefined ? { errors: s.errorRatePercent } : {}),
        coverage: { coveredFrom, coveredMs, covered },
      };
    };
    // Latest state per incident and per component; oldest first.
    const latest = new Map<string, Happening>();
    for (const h of this.log) if (Date.parse(h.at) >= from - 60_000) latest.set(h.kind === 'incident' ? `i:${h.key}` : `c:${h.id}`, h);
    const components = [];
    for (const id of engine.componentIds()) components.push({ id, name: id, numbers: await numbers([id]) });
    return {
      id: new Date(until).toISOString(),
      from: new Date(from).toISOString(),
      until: new Date(until).toISOString(),
      happenings: [...latest.values()],
      overall: await numbers('all'),
      components,
    };
  }

  private async recipients(): Promise<DigestRecipient[]> {
    const out: DigestRecipient[] = [];
    const seen = new Set<string>();
    const add = (r: DigestRecipient) => {
      const k = targetKey(r.target);
      if (seen.has(k) || this.deps.paused.has(k) || !this.deps.enabled(r.target.platform)) return;
      seen.add(k);
      out.push(r);
    };
    for (const a of this.deps.announce)
      add({
        target: { platform: a.platform, chatId: a.chatId, kind: 'channel', ...(a.thread ? { threadId: a.thread } : {}) },
        locale: a.locale ?? this.deps.defaultLocale,
        origin: 'config',
        priority: 1,
      });
    for await (const [, a] of this.deps.announcements.entries<ChannelAnnouncement>())
      add({
        target: { platform: a.platform, chatId: a.chatId, kind: 'channel', ...(a.threadId ? { threadId: a.threadId } : {}) },
        locale: a.locale ?? this.deps.defaultLocale,
        origin: 'announce',
        priority: 1,
      });
    return out;
  }

  /** Composes and posts one digest now. */
  async postNow(): Promise<DigestData> {
    const data = await this.compose();
    const eventId = `${DIGEST_ID_PREFIX}${data.id}`;
    this.digests.set(eventId, data);
    await this.deps.kv.set(`d:${data.id}`, data, KEEP_MS);
    const recipients = await this.recipients();
    for (const locale of new Set(recipients.map((r) => r.locale))) {
      const png = await this.deps.kpi.chart('all', '24h', locale).catch(() => undefined);
      if (!png) continue;
      this.images.set(`${eventId}|${locale}`, png);
      await this.deps.kv.set(`${IMAGE_PREFIX}${eventId}|${locale}`, { png: png.toString('base64') } satisfies StoredImage, KEEP_MS);
    }
    await this.deps.post({ type: 'digest', id: eventId, digestId: data.id, severity: 'none', at: data.until }, recipients);
    await this.deps.kv.set('last', Date.parse(data.until));
    this.log = this.log.filter((h) => Date.parse(h.at) > Date.parse(data.until));
    await this.deps.kv.set('log', this.log);
    this.deps.log.info({ digest: data.id, recipients: recipients.length }, 'digest posted');
    return data;
  }

  /** The message of a digest in one locale, built from what was composed (and kept) when it was posted. */
  render(digest: DigestAnnouncement, locale: string): MessageModel {
    const chart = this.images.get(`${digest.id}|${locale}`);
    return buildDigest({ data: this.digests.get(digest.id), ...(chart ? { chart } : {}) }, locale, this.context());
  }

  /** Only what a digest's words need: names in the reader's language, the service's time zone. */
  private context(): RenderContext {
    return {
      translator: this.deps.translator,
      serviceName: this.deps.serviceName,
      timezone: this.deps.timezone,
      now: new Date(this.now()).toISOString(),
      fallbackLocale: this.deps.defaultLocale,
      componentName: (c, locale) => this.deps.componentName(c.id, locale, c.name),
      adviceFor: () => [],
      ...(this.deps.publicUrl ? { publicUrl: this.deps.publicUrl } : {}),
    };
  }
}
