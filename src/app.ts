import type { Writable } from 'node:stream';
import { dirname, resolve as resolvePath } from 'node:path';
import type { Logger } from 'pino';
import type { AppConfig } from './core/config.ts';
import { ComponentCatalog } from './core/components.ts';
import { Tracker } from './core/tracker.ts';
import { Fanout, type RecipientOrigin } from './core/fanout.ts';
import { adviceFor } from './core/advice.ts';
import { createLogger } from './core/logger.ts';
import { configSecrets } from './core/secrets.ts';
import { targetKey, type Platform, type StatusChange, type StatusEvent, type Target } from './core/model.ts';
import { chatKey, userKey, type ChannelAnnouncement } from './core/recipients.ts';
import { openStore, type Store } from './storage/store.ts';
import { ExpirySweeper, type SweeperOptions } from './storage/sweeper.ts';
import { Translator } from './i18n/i18n.ts';
import { renderEvent, renderHeldSummary, type RenderContext, type KpiFigures } from './i18n/render.ts';
import type { MessageField, MessageModel } from './i18n/message.ts';
import { Outbox, jobId, type NewJob } from './delivery/outbox.ts';
import { FlapGuard } from './core/flap.ts';
import { Leadership, type LeadershipOptions } from './fleet/leadership.ts';
import { IngestInbox } from './fleet/inbox.ts';
import { Delivery } from './delivery/delivery.ts';
import type { BreakerOptions } from './delivery/breaker.ts';
import { RateLimiter, DEFAULT_LIMITS, type PlatformLimits } from './delivery/rate-limit.ts';
import { ReplyPacer } from './delivery/reply-pacer.ts';
import { CommandBudget } from './commands/user-limit.ts';
import { memoryCounter } from './storage/counter.ts';
import { CommandRouter } from './commands/router.ts';
import type { KpiProvider, KpiSampleInput, KpiWindow } from './kpi/model.ts';
import { HttpServer } from './http/server.ts';
import { registerCoreRoutes } from './http/core-routes.ts';
import { registerAdminRoutes } from './http/admin-routes.ts';
import type { ChatAdapter } from './adapters/adapter.ts';
import { ADAPTERS } from './adapters/registry.ts';
import { ConsoleAdapter } from './adapters/console/index.ts';
import { createSource } from './sources/registry.ts';
import type { SourceHealth, StatusSource } from './sources/source.ts';
import { ManualSource } from './sources/manual/index.ts';
import { KpiService } from './kpi/service.ts';
import { DigestService } from './kpi/digest.ts';
import { kpiFields } from './kpi/fields.ts';
import { createProvider } from './i18n/translate/provider.ts';
import { TranslationService, translatableTexts } from './i18n/translate/service.ts';
import { Authoring } from './authoring/service.ts';

export interface AppOptions {
  readonly logger?: Logger;
  /** Where the console adapter prints (the demo and tests). */
  readonly consoleOut?: Writable;
  /** Replaces the adapters built from config (tests). */
  readonly adapters?: readonly ChatAdapter[];
  readonly limits?: Partial<Record<Platform, PlatformLimits>>;
  readonly now?: () => string;
  /** Leader lease timing (tests shorten it). */
  readonly leadership?: LeadershipOptions;
  /** Flap control: at most `maxPerWindow` announcements per component per window, then one summary once still for `settleMs`. */
  readonly flap?: { windowMs: number; maxPerWindow: number; settleMs: number };
  /** Wall clock for quiet hours (tests). */
  readonly clock?: () => number;
  /** Bound of each source's ingest queue (a full one answers 503 + Retry-After). */
  readonly ingestQueueLimit?: number;
  /** Per-call store timeout (tests shorten it). */
  readonly storeTimeoutMs?: number;
  /** Expired-row sweep timing (tests shorten it). */
  readonly sweep?: SweeperOptions;
  /** Circuit breaker timing (tests shorten the cooldowns; the defaults are the documented ones). */
  readonly breaker?: Partial<BreakerOptions>;
  /** How often the leader takes in dead letters re-queued by the CLI (tests shorten it). */
  readonly requeuePollMs?: number;
  /** The KPI engine, when present. */
  readonly kpi?: KpiProvider & { record?(sourceId: string, samples: readonly KpiSampleInput[]): Promise<void> };
}

export interface AppMetrics {
  events: number;
  changes: number;
  webhookRejected: number;
}

/**
 * Wires the one-way flow: sources → tracker → fan-out → outbox → delivery → adapters, plus the
 * HTTP server and the command router the adapters map their platforms into.
 */
export class App {
  readonly log: Logger;
  readonly http: HttpServer;
  readonly adapters = new Map<Platform, ChatAdapter>();
  readonly sources = new Map<string, StatusSource>();
  readonly sourceHealth = new Map<string, SourceHealth>();
  readonly pausedTargets = new Set<string>();
  readonly metrics: AppMetrics = { events: 0, changes: 0, webhookRejected: 0 };
  store!: Store;
  translator!: Translator;
  catalog!: ComponentCatalog;
  tracker!: Tracker;
  fanout!: Fanout;
  outbox!: Outbox;
  delivery!: Delivery;
  limiter!: RateLimiter;
  replies!: ReplyPacer;
  router!: CommandRouter;
  manual!: ManualSource;
  /** Incidents written from chat and `/admin` (src/authoring/). */
  authoring!: Authoring;
  private chain: Promise<unknown> = Promise.resolve();
  readonly flaps: FlapGuard;
  private flapTimer: NodeJS.Timeout | undefined;
  private inboxTimer: NodeJS.Timeout | undefined;
  private followerTimer: NodeJS.Timeout | undefined;
  private reminderTimer: NodeJS.Timeout | undefined;
  private leading = false;
  private deliveryStopped: Promise<void> = Promise.resolve();
  inbox!: IngestInbox;
  leadership: Leadership | undefined;
  private sweeper: ExpirySweeper | undefined;
  private readonly abort = new AbortController();
  private readonly now: () => string;
  private started = false;

  constructor(
    readonly config: AppConfig,
    private readonly options: AppOptions = {},
  ) {
    const env = config.env;
    const secrets = configSecrets(config);
    this.log = options.logger ?? createLogger(env.LOG_LEVEL, secrets);
    this.http = new HttpServer(this.log);
    this.now = options.now ?? (() => new Date().toISOString());
    const flap = options.flap ?? { windowMs: config.flap.window, maxPerWindow: config.flap.maxPerWindow, settleMs: config.flap.settle };
    // The store opens in init(); the guard reads and writes it only from the leader's first term on.
    this.flaps = new FlapGuard(flap, () => this.store.namespace('flaps'));
  }

  get defaultLocale(): string {
    return this.config.service.locales.includes(this.config.env.DEFAULT_LOCALE) || this.config.demo
      ? this.config.env.DEFAULT_LOCALE
      : this.config.service.locales[0]!;
  }

  /** Opens the store and builds every part; does not connect to platforms yet. */
  async init(): Promise<void> {
    const cfg = this.config;
    // Before the store opens: a bad overrides folder is a ConfigError with nothing to clean up.
    this.translator = await Translator.create({
      fallbackLocale: 'en',
      ...(cfg.i18n?.overrides
        ? { overridesDir: resolvePath(cfg.configPath ? dirname(cfg.configPath) : process.cwd(), cfg.i18n.overrides) }
        : {}),
    });
    let driverErrorLoggedAt = 0;
    this.store = await openStore(cfg.env.STORE_URL, {
      ...(this.options.storeTimeoutMs ? { timeoutMs: this.options.storeTimeoutMs } : {}),
      // A server that is down reports on every reconnect attempt: log it at most every 30 s.
      onDriverError: (err) => {
        if (Date.now() - driverErrorLoggedAt < 30_000) return;
        driverErrorLoggedAt = Date.now();
        this.log.warn({ err: err.message }, 'store connection error');
      },
    });
    this.sweeper = new ExpirySweeper(this.store, this.log, this.options.sweep);
    if (cfg.i18n?.translate)
      this.translations = new TranslationService(createProvider(cfg.i18n.translate), this.store.namespace('translations'), this.log);
    for (const rule of cfg.advice)
      for (const key of rule.say)
        if (!this.translator.has('en', `advice.${key}`))
          throw new Error(`advice: unknown advice "${key}": use one of the keys in locales/en/translation.json → advice`);
    this.catalog = new ComponentCatalog(cfg.components);
    this.tracker = new Tracker(this.store, this.catalog);
    await this.tracker.load();
    this.outbox = new Outbox(this.store, {
      assert: async () => this.leadership?.fence.assert(),
      term: () => this.leadership?.fence.term?.(),
    });
    this.inbox = new IngestInbox(
      this.store,
      () => this.sources.keys(),
      this.log.child({ part: 'inbox' }),
      this.options.ingestQueueLimit ? { limit: this.options.ingestQueueLimit } : {},
    );
    if (!this.options.kpi) await this.initKpi();

    const build = async (p: Platform): Promise<ChatAdapter | undefined> => {
      const adapter: ChatAdapter | undefined = await ADAPTERS[p](cfg);
      return adapter instanceof ConsoleAdapter && this.options.consoleOut ? new ConsoleAdapter(this.options.consoleOut) : adapter;
    };
    const built: ChatAdapter[] = this.options.adapters
      ? [...this.options.adapters]
      : (await Promise.all((Object.keys(ADAPTERS) as Platform[]).map(build))).filter((a): a is ChatAdapter => a !== undefined);
    for (const a of built) this.adapters.set(a.platform, a);
    for (const a of cfg.announce)
      if (!this.adapters.has(a.platform))
        this.log.warn({ platform: a.platform, chat: a.chatId }, `announce target on ${a.platform}, which is off (no token): ignored`);

    this.fanout = new Fanout(this.store, {
      announce: cfg.announce,
      catalog: this.catalog,
      defaultLocale: this.defaultLocale,
      enabled: (p) => this.adapters.has(p),
      paused: this.pausedTargets,
      ...(this.options.clock ? { now: this.options.clock } : {}),
    });
    const limits = { ...DEFAULT_LIMITS };
    for (const [p, l] of Object.entries(cfg.delivery.limits) as [Platform, Partial<PlatformLimits>][]) limits[p] = { ...limits[p], ...l };
    Object.assign(limits, this.options.limits);
    this.limiter = new RateLimiter(limits);
    this.replies = new ReplyPacer(this.limiter, this.log.child({ part: 'replies' }));
    this.delivery = new Delivery(
      this.store,
      this.outbox,
      this.adapters,
      this.limiter,
      {
        render: (event, locale) => this.digest?.render(event, locale) ?? this.renderCached(event, locale),
        renderHeldSummary: (events, locale) => renderHeldSummary(events, locale, this.renderContext(this.now())),
        onTargetGone: (target, origin) => this.forgetTarget(target, origin),
        onTargetMoved: (from, to, origin) => this.moveTarget(from, to, origin),
      },
      this.log,
      {
        concurrency: 32,
        maxAgeMs: cfg.delivery.maxAge,
        ...(this.options.breaker ? { breaker: this.options.breaker } : {}),
        ...(this.options.requeuePollMs ? { requeuePollMs: this.options.requeuePollMs } : {}),
      },
    );
    if (cfg.delivery.maxAttempts !== undefined)
      this.log.warn(
        'delivery.maxAttempts is no longer used: a message is retried until delivery.maxAge (default 24h), then dead-lettered; remove the setting',
      );
    this.router = new CommandRouter({
      serviceName: cfg.service.name,
      offeredLocales: cfg.service.locales,
      defaultLocale: this.defaultLocale,
      timezone: cfg.service.timezone,
      translator: this.translator,
      tracker: this.tracker,
      catalog: this.catalog,
      renderContext: (now) => this.renderContext(now),
      subscriptions: this.store.namespace('subscriptions'),
      announcements: this.store.namespace('announce'),
      users: this.store.namespace('users'),
      ...(this.kpiProvider ? { kpi: this.kpiProvider } : {}),
      defaultMinSeverity: 'minor',
      now: this.now,
      revive: (target) => this.delivery.revive(target),
      // SQLite runs one instance (a second is refused at start): this process's memory is the whole fleet.
      commandBudget: new CommandBudget(this.store.kind === 'sqlite' ? memoryCounter() : this.store.counter('commands'), this.log),
    });

    const manualConfig = cfg.sources.find((s) => s.type === 'manual');
    this.manual = new ManualSource(manualConfig?.id ?? 'manual');
    for (const sc of cfg.sources) this.sources.set(sc.id, sc.type === 'manual' ? this.manual : createSource(sc));
    if (!manualConfig) this.sources.set(this.manual.id, this.manual);
    this.authoring = new Authoring({
      authors: cfg.authors,
      locales: this.translationLocales,
      translator: this.translator,
      tracker: this.tracker,
      catalog: this.catalog,
      manual: this.manual,
      store: this.store,
      log: this.log.child({ part: 'authoring' }),
      renderContext: (now) => this.renderContext(now),
      ingest: (change) => this.ingest(change),
      translations: this.translations,
      now: this.now,
    });
    registerCoreRoutes(this);
    registerAdminRoutes(this);
  }

  private readonly renderCache = new Map<string, MessageModel>();

  /**
   * Rendering is pure, and a broadcast sends one event in a few locales to thousands of targets:
   * render each (event, locale) once per minute (the footer shows the minute).
   */
  private renderCached(event: StatusEvent, locale: string): MessageModel {
    const now = this.now();
    const key = `${event.id}|${locale}|${now.slice(0, 16)}`;
    let model = this.renderCache.get(key);
    if (!model) {
      if (this.renderCache.size > 256) this.renderCache.clear();
      model = renderEvent(event, locale, this.renderContext(now));
      this.renderCache.set(key, model);
    }
    return model;
  }

  renderContext(now: string): RenderContext {
    const kpi = this.kpiCache;
    return {
      translator: this.translator,
      serviceName: this.config.service.name,
      timezone: this.config.service.timezone,
      now,
      fallbackLocale: this.defaultLocale,
      componentName: (c, locale) => this.catalog.localizedName(c.id, locale, this.defaultLocale) ?? c.name,
      adviceFor: (event) => adviceFor(event, this.config.advice, this.catalog),
      ...(this.translations ? { translated: (text: string, locale: string) => this.translations?.cached(text, locale) } : {}),
      ...(kpi
        ? {
            kpiFields: (ids: readonly string[], locale: string) =>
              kpiFieldsOf(kpi(ids), locale, this.translator, this.config.service.timezone),
          }
        : {}),
    };
  }

  /** Synchronous KPI look-up for rendering, filled by the KPI engine when present. */
  kpiCache: ((componentIds: readonly string[]) => KpiFigures | undefined) | undefined;

  /** Machine translation of incident text, when `i18n.translate` is configured. */
  translations: TranslationService | undefined;

  /** Every language a message may be rendered in: the offered ones and any configured channel's. */
  private get translationLocales(): string[] {
    return [...new Set([...this.config.service.locales, ...this.config.announce.flatMap((a) => (a.locale ? [a.locale] : []))])];
  }
  /** The built-in KPI engine (absent when `AppOptions.kpi` replaces it). */
  kpiService: KpiService | undefined;
  digest: DigestService | undefined;

  private get kpiProvider(): AppOptions['kpi'] {
    return this.options.kpi ?? this.kpiService;
  }

  private kpiTime(change: StatusChange): number {
    const now = Date.parse(this.now());
    return Math.min(Date.parse(change.at) || now, now);
  }

  /** KPIs: the engine over the store, the status history from the tracker, the digest on its cron. */
  private async initKpi(): Promise<void> {
    const cfg = this.config;
    const componentName = (id: string, locale: string, fallback = id) =>
      this.catalog.localizedName(id, locale, this.defaultLocale) ??
      this.tracker.currentComponents().find((c) => c.id === id)?.name ??
      fallback;
    const kpi = await KpiService.open({
      store: this.store,
      translator: this.translator,
      serviceName: cfg.service.name,
      timezone: cfg.service.timezone,
      log: this.log.child({ part: 'kpi' }),
      componentName: (id, locale) => componentName(id, locale),
      resolve: (n) => this.catalog.lookup(n) ?? n,
      now: () => Date.parse(this.now()),
    });
    this.kpiService = kpi;
    await kpi.noteStatuses(this.tracker.currentComponents(), Date.parse(this.now()));
    this.kpiCache = (ids) => kpi.cached(ids);
    if (cfg.digest) DigestService.validate(cfg.digest.cron, cfg.service.timezone);
    this.digest = new DigestService({
      kpi,
      kv: this.store.namespace('kpi-digest'),
      announcements: this.store.namespace('announce'),
      translator: this.translator,
      serviceName: cfg.service.name,
      timezone: cfg.service.timezone,
      defaultLocale: this.defaultLocale,
      announce: cfg.digest?.announce === false ? [] : cfg.announce,
      enabled: (p) => this.adapters.has(p),
      paused: this.pausedTargets,
      componentName,
      post: async (event, recipients) => {
        await this.outbox.record(
          event,
          recipients.map((r) => ({
            id: jobId(event.id, r.target),
            target: r.target,
            locale: r.locale,
            origin: r.origin,
            priority: r.priority,
          })),
        );
        this.delivery.poke();
      },
      log: this.log.child({ part: 'digest' }),
      now: () => Date.parse(this.now()),
    });
    await this.digest.load();
  }

  /**
   * Starts serving. On SQLite this instance is the only one (a second is refused) and leads at once;
   * on Redis or PostgreSQL it joins the fleet and leads when it holds the lease.
   */
  async start(): Promise<void> {
    this.leadership = new Leadership(this.store, this.log, this.options.leadership);
    for (const adapter of this.adapters.values()) if (!adapter.leaderOnly) await this.startAdapter(adapter);
    if (this.store.kind === 'sqlite') {
      await this.leadership.claimExclusive();
      await this.becomeLeader(new AbortController().signal);
    } else {
      this.followerTimer = setInterval(() => void this.refreshFollowerView(), 3000);
      this.followerTimer.unref();
      await this.leadership.run(
        (term) => this.becomeLeader(term),
        () => this.becomeFollower(),
      );
    }
    this.started = true;
  }

  private async startAdapter(adapter: ChatAdapter): Promise<void> {
    await adapter.start({
      log: this.log.child({ platform: adapter.platform }),
      commands: this.router,
      http: this.http.router,
      replies: this.replies,
      authoring: this.authoring,
    });
  }

  isLeader(): boolean {
    return this.leadership?.isLeader() ?? false;
  }

  /** Takes over the leader's work from what the store holds: state, undelivered messages, polling. */
  private async becomeLeader(term: AbortSignal): Promise<void> {
    // One term at a time: a second call while leading would start every loop twice.
    if (this.leading || term.aborted) return;
    this.leading = true;
    term.addEventListener('abort', () => this.halt(), { once: true });
    await this.tracker.load();
    await this.flaps.load();
    await this.inbox.recover();
    if (term.aborted) return;
    this.outbox.reset();
    const loaded = await this.outbox.load();
    if (loaded) this.log.info({ jobs: loaded }, 'resuming undelivered messages');
    for (const adapter of this.adapters.values()) if (adapter.leaderOnly) await this.startAdapter(adapter);
    // The term may have ended while the store was read: halt() ran already, start nothing.
    if (term.aborted) return;
    this.delivery.start();
    this.flapTimer = setInterval(() => this.flushFlaps(), Math.min(1000, this.flaps.settleMs));
    this.flapTimer.unref();
    this.inboxTimer = setInterval(() => void this.drainInbox(), 200);
    this.inboxTimer.unref();
    if (this.config.digest) this.digest?.start(this.config.digest.cron);
    const lead = this.config.maintenance.reminder;
    if (lead) {
      // Often enough that a reminder is at most a tenth of its lead time late (and 30 s for the default hour).
      this.reminderTimer = setInterval(() => this.remindMaintenances(lead), Math.min(30_000, Math.max(250, lead / 10)));
      this.reminderTimer.unref();
    }
    this.sweeper?.start();
    const signal = AbortSignal.any([this.abort.signal, term]);
    for (const source of this.sources.values()) {
      const health: SourceHealth = this.sourceHealth.get(source.id) ?? { state: 'pending' };
      this.sourceHealth.set(source.id, health);
      await source.start({
        emit: (c) => this.ingest(c).then(() => undefined),
        recordSamples: (s) => this.recordSamples(source.id, s),
        openStories: () => this.tracker.openIncidents().filter((i) => i.sourceId === source.id),
        log: this.log.child({ source: source.id }),
        signal,
        health,
      });
    }
  }

  /** The term ended: every leader loop stops now, synchronously, whether or not the store answers. */
  private halt(): void {
    if (!this.leading) return;
    this.leading = false;
    clearInterval(this.flapTimer);
    clearInterval(this.inboxTimer);
    clearInterval(this.reminderTimer);
    this.digest?.stop();
    this.sweeper?.stop();
    this.deliveryStopped = this.delivery.stop().catch((e: unknown) => this.log.warn({ err: e }, 'delivery did not stop cleanly'));
  }

  private async becomeFollower(): Promise<void> {
    this.halt();
    await this.chain.catch(() => undefined);
    await this.deliveryStopped;
    for (const adapter of this.adapters.values()) if (adapter.leaderOnly) await adapter.stop().catch(() => undefined);
  }

  /** Followers answer /status from the store: reload what the leader wrote. */
  private async refreshFollowerView(): Promise<void> {
    if (this.leading) return;
    await this.tracker.load().catch((e: unknown) => this.log.warn({ err: e }, 'could not refresh state from the store'));
  }

  /** Changes that any instance accepted (webhooks) or followers received (admin API), in arrival order. */
  private drainInbox(): Promise<void> {
    return this.inbox.drain(
      async (item) => {
        for (const change of item.changes) await this.processInOrder(change);
      },
      () => this.leading,
    );
  }

  /**
   * A webhook push: durably appended to its source's ingest queue (on whichever instance received
   * it), then the leader processes it in order and fans out — the sender does not wait for that.
   * Throws `QueueFullError` when the source's queue is full.
   */
  async accept(sourceId: string, changes: readonly StatusChange[]): Promise<void> {
    if (changes.length === 0) return;
    await this.inbox.append(sourceId, changes);
    if (this.leading) void this.drainInbox();
  }

  async listen(): Promise<{ host: string; port: number }> {
    const addr = await this.http.listen(this.config.env.HTTP_HOST, this.config.env.HTTP_PORT);
    return { host: addr.address, port: addr.port };
  }

  /**
   * Every change goes through here, one at a time, so the tracker sees a consistent order. On a
   * follower the change is handed to the leader through the store's inbox.
   */
  ingest(change: StatusChange): Promise<StatusEvent[]> {
    if (this.started && !this.leading)
      return this.inbox.append(this.sources.has(change.sourceId) ? change.sourceId : this.manual.id, [change]).then(() => []);
    return this.processInOrder(change);
  }

  private processInOrder(change: StatusChange): Promise<StatusEvent[]> {
    const run = this.chain.then(() => this.process(change));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async process(change: StatusChange): Promise<StatusEvent[]> {
    this.metrics.changes++;
    const { events, commit } = await this.tracker.process(change);
    // Before fan-out, so the announcements already count the new status in their uptime.
    if (this.kpiService) {
      await this.kpiService.noteStatuses(
        events.flatMap((e) => (e.type === 'component' ? [e.component] : e.components)),
        this.kpiTime(change),
      );
      await this.digest?.noteEvents(events);
    }
    const announced = this.flaps.filter(events);
    await this.persistFlaps();
    await this.fanOut(announced);
    // Only after the jobs are durable: a crash before this line re-derives the same events (same job ids).
    await commit();
    // KPI uptime comes from the status history recorded here, for every source type.
    await this.kpiService?.noteStatuses(this.tracker.currentComponents(), this.kpiTime(change));
    return announced;
  }

  /** Records one job per recipient, in batches, waking delivery after each so the first send need not wait for the last record. */
  private async fanOut(events: readonly StatusEvent[]): Promise<void> {
    for (const event of events) {
      // Before any job can be sent: rendering then finds the translation in memory (or shows the original).
      if (this.translations) await this.translations.prefetch(translatableTexts(event), this.translationLocales);
      let batch: NewJob[] = [];
      const flush = async () => {
        await this.outbox.record(event, batch);
        batch = [];
        this.delivery.poke();
      };
      for await (const r of this.fanout.recipients(event)) {
        batch.push({
          id: jobId(event.id, r.target),
          target: r.target,
          locale: r.locale,
          origin: r.origin,
          priority: r.priority,
          ...(r.holdUntil ? { holdUntil: r.holdUntil } : {}),
        });
        if (batch.length >= 500) await flush();
      }
      if (batch.length) await flush();
      this.metrics.events++;
      this.log.info({ event: event.id, type: event.type, ...(event.type === 'incident' ? { phase: event.phase } : {}) }, 'status event');
    }
  }

  /** Maintenances about to start: their reminder joins the story, once (recorded after its jobs are). */
  private remindMaintenances(leadMs: number): void {
    if (!this.leading) return;
    const run = this.chain.then(async () => {
      const { events, commit } = this.tracker.reminders(this.now(), leadMs);
      if (events.length === 0) return;
      await this.fanOut(events);
      await commit();
    });
    this.chain = run.catch((e: unknown) => this.log.error({ err: e }, 'maintenance reminder failed'));
  }

  /** Announces the summaries of components that stopped flapping. */
  private flushFlaps(): void {
    const due = this.flaps.due();
    // Every second: nothing to do is the common case, and it must not queue behind the pipeline.
    if (due.length === 0 && !this.flaps.unsaved()) return;
    const run = this.chain.then(async () => {
      await this.persistFlaps();
      if (due.length) await this.fanOut(due);
    });
    this.chain = run.catch((e: unknown) => this.log.error({ err: e }, 'flap summary failed'));
  }

  /** Best effort: a store that fails only costs the suppression state across a restart; the next change writes it again. */
  private async persistFlaps(): Promise<void> {
    await this.flaps
      .persist()
      .catch((e: unknown) => this.log.warn({ err: e }, 'could not write the flap state to the store; retried with the next change'));
  }

  private async forgetTarget(target: Target, origin: RecipientOrigin): Promise<void> {
    if (origin === 'subscription') await this.store.namespace('subscriptions').delete(userKey(target.platform, target.chatId));
    else if (origin === 'announce') await this.store.namespace('announce').delete(chatKey(target.platform, target.chatId, target.threadId));
    else this.pausedTargets.add(targetKey(target));
  }

  private async moveTarget(from: Target, to: Target, origin: RecipientOrigin): Promise<void> {
    if (origin === 'announce') {
      const ns = this.store.namespace('announce');
      const a = await ns.get<ChannelAnnouncement>(chatKey(from.platform, from.chatId, from.threadId));
      if (a) {
        await ns.set(chatKey(to.platform, to.chatId, to.threadId), { ...a, chatId: to.chatId });
        await ns.delete(chatKey(from.platform, from.chatId, from.threadId));
      }
    } else if (origin === 'config') {
      this.pausedTargets.add(targetKey(from));
      this.log.error({ from: from.chatId, to: to.chatId }, 'a configured chat moved: update announce[].chat in the config file');
    }
  }

  /** KPI samples pushed through a webhook go to the KPI engine. */
  async recordSamples(sourceId: string, samples: readonly KpiSampleInput[]): Promise<void> {
    const kpi = this.kpiProvider;
    if (kpi?.record) await kpi.record(sourceId, samples);
    else this.log.warn({ source: sourceId, samples: samples.length }, 'KPI samples received but no KPI engine is running');
  }

  /** Resolves once every accepted change was processed, fanned out and recorded in the outbox (tests). */
  async processed(timeoutMs = 20_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while ((await this.inbox.depth()) > 0) {
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
    await this.chain;
    return true;
  }

  /** Resolves once everything queued so far has been delivered (tests, demo). */
  async drained(timeoutMs = 20_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    if (!(await this.processed(timeoutMs))) return false;
    while (Date.now() < deadline) {
      if (this.delivery.idle()) return true;
      await new Promise((r) => setTimeout(r, 20));
    }
    return false;
  }

  /** Graceful stop: no new work, in-flight sends finish, the rest stays in the outbox for the next start. */
  async stop(): Promise<void> {
    this.abort.abort();
    clearInterval(this.flapTimer);
    clearInterval(this.inboxTimer);
    clearInterval(this.reminderTimer);
    clearInterval(this.followerTimer);
    this.sweeper?.stop();
    await this.http.close();
    await this.chain.catch(() => undefined);
    if (this.leading) await this.delivery.stop();
    // Hand leadership over now rather than after the lease expires.
    await this.leadership?.stop();
    this.replies?.stop();
    for (const a of this.adapters.values()) await a.stop().catch((e: unknown) => this.log.warn({ err: e }, 'adapter stop failed'));
    this.digest?.stop();
    await this.kpiService?.stop().catch((e: unknown) => this.log.warn({ err: e }, 'KPI flush failed'));
    await this.store?.close();
  }
}

const kpiFieldsOf = (f: KpiFigures | undefined, locale: string, translator: Translator, timezone: string): MessageField[] =>
  kpiFields(f, locale, translator, timezone, { uptimeDigits: 2 });

export type { KpiWindow };
