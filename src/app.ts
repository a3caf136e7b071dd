import type { Writable } from 'node:stream';
import { dirname, resolve as resolvePath } from 'node:path';
import type { Logger } from 'pino';
import { defaultLocaleOf, messageLocalesOf, type AppConfig } from './core/config.ts';
import { ComponentCatalog } from './core/components.ts';
import { Tracker } from './core/tracker.ts';
import { Fanout } from './core/fanout.ts';
import { adviceFor, assertAdviceKeys } from './core/advice.ts';
import { createLogger } from './core/logger.ts';
import { configSecrets } from './core/secrets.ts';
import type { Platform, StatusChange, StatusEvent } from './core/model.ts';
import { FlapGuard } from './core/flap.ts';
import { openStore, type Store } from './storage/store.ts';
import { ExpirySweeper, type SweeperOptions } from './storage/sweeper.ts';
import { memoryCounter } from './storage/counter.ts';
import { Translator } from './i18n/i18n.ts';
import { buildDigest, buildHeldSummary, RenderCache, type RenderContext } from './messages/index.ts';
import { Outbox } from './delivery/outbox.ts';
import { Delivery } from './delivery/delivery.ts';
import type { BreakerOptions } from './delivery/breaker.ts';
import { RateLimiter, DEFAULT_LIMITS, type PlatformLimits } from './delivery/rate-limit.ts';
import { ReplyPacer } from './delivery/reply-pacer.ts';
import { TargetDirectory } from './delivery/targets.ts';
import { Leadership, type LeadershipOptions } from './fleet/leadership.ts';
import { IngestInbox } from './fleet/inbox.ts';
import { CommandBudget } from './commands/user-limit.ts';
import { CommandRouter } from './commands/router.ts';
import type { KpiProvider, KpiSampleInput, KpiWindow } from './kpi/model.ts';
import { KpiService } from './kpi/service.ts';
import { DigestService } from './kpi/digest.ts';
import { ANNOUNCEMENT_KPI_FIELDS, kpiFields } from './kpi/fields.ts';
import { HttpServer } from './http/server.ts';
import { registerCoreRoutes } from './http/core-routes.ts';
import { registerAdminRoutes } from './http/admin-routes.ts';
import { Authoring } from './authoring/service.ts';
import { registerWebRoutes } from './web/routes.ts';
import type { StatusPageDeps } from './web/deps.ts';
import type { ChatAdapter } from './adapters/adapter.ts';
import { ADAPTERS } from './adapters/registry.ts';
import { ConsoleAdapter } from './adapters/console/index.ts';
import { createSource } from './sources/registry.ts';
import type { SourceHealth, StatusSource } from './sources/source.ts';
import { ManualSource } from './sources/manual/index.ts';
import { createProvider } from './i18n/translate/provider.ts';
import { TranslationService, translatableTexts } from './i18n/translate/service.ts';
import { Pipeline, jobFor } from './pipeline/pipeline.ts';
import { KpiEnrichment } from './pipeline/enrich.ts';
import { LeaderLoops } from './fleet/leader-loops.ts';

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

/** Every part `init()` builds: one object, so nothing is half-built and no field is "assigned later". */
interface Parts {
  readonly store: Store;
  readonly translator: Translator;
  readonly translations: TranslationService | undefined;
  readonly catalog: ComponentCatalog;
  readonly tracker: Tracker;
  readonly outbox: Outbox;
  readonly inbox: IngestInbox;
  readonly fanout: Fanout;
  readonly limiter: RateLimiter;
  readonly replies: ReplyPacer;
  readonly delivery: Delivery;
  readonly router: CommandRouter;
  readonly manual: ManualSource;
  /** Incidents written from chat and `/admin` (src/authoring/). */
  readonly authoring: Authoring;
  readonly kpiService: KpiService | undefined;
  readonly digest: DigestService | undefined;
  readonly pipeline: Pipeline;
  readonly leaderLoops: LeaderLoops;
  readonly sweeper: ExpirySweeper;
  readonly renderContext: (now: string) => RenderContext;
  readonly statusPage: StatusPageDeps;
}

/**
 * The composition root: builds each stage from the config and hands each the next one's narrow
 * interface (docs/architecture.md). The work happens in the stages; this class wires them and runs
 * the instance's lifecycle (start, leader or follower, stop).
 */
export class App {
  readonly log: Logger;
  readonly http: HttpServer;
  readonly adapters = new Map<Platform, ChatAdapter>();
  readonly sources = new Map<string, StatusSource>();
  readonly sourceHealth = new Map<string, SourceHealth>();
  /** Configured targets found gone or moved in this run (fan-out leaves them out until the next start). */
  readonly pausedTargets = new Set<string>();
  readonly flaps: FlapGuard;
  readonly defaultLocale: string;
  leadership: Leadership | undefined;
  private parts: Parts | undefined;
  private followerTimer: NodeJS.Timeout | undefined;
  private readonly abort = new AbortController();
  private readonly now: () => string;
  private started = false;

  constructor(
    readonly config: AppConfig,
    private readonly options: AppOptions = {},
  ) {
    this.log = options.logger ?? createLogger(config.env.LOG_LEVEL, configSecrets(config));
    this.http = new HttpServer(this.log);
    this.now = options.now ?? (() => new Date().toISOString());
    this.defaultLocale = defaultLocaleOf(config);
    // The store opens in init(); the guard reads and writes it only from the leader's first term on.
    this.flaps = new FlapGuard({ windowMs: config.flap.window, maxPerWindow: config.flap.maxPerWindow, settleMs: config.flap.settle }, () =>
      this.store.namespace('flaps'),
    );
  }

  private built(): Parts {
    if (!this.parts) throw new Error('App.init() has not run');
    return this.parts;
  }

  get store(): Store {
    return this.built().store;
  }
  get translator(): Translator {
    return this.built().translator;
  }
  get catalog(): ComponentCatalog {
    return this.built().catalog;
  }
  get tracker(): Tracker {
    return this.built().tracker;
  }
  /** What the status page reads (tests and bench/page.ts gather pages through it). */
  get statusPage(): StatusPageDeps {
    return this.built().statusPage;
  }
  get fanout(): Fanout {
    return this.built().fanout;
  }
  get outbox(): Outbox {
    return this.built().outbox;
  }
  get inbox(): IngestInbox {
    return this.built().inbox;
  }
  get delivery(): Delivery {
    return this.built().delivery;
  }
  get limiter(): RateLimiter {
    return this.built().limiter;
  }
  get replies(): ReplyPacer {
    return this.built().replies;
  }
  get router(): CommandRouter {
    return this.built().router;
  }
  get manual(): ManualSource {
    return this.built().manual;
  }
  get authoring(): Authoring {
    return this.built().authoring;
  }
  get pipeline(): Pipeline {
    return this.built().pipeline;
  }
  /** The built-in KPI engine (absent when `AppOptions.kpi` replaces it). */
  get kpiService(): KpiService | undefined {
    return this.parts?.kpiService;
  }
  get digest(): DigestService | undefined {
    return this.parts?.digest;
  }
  /** Machine translation of incident text, when `i18n.translate` is configured. */
  get translations(): TranslationService | undefined {
    return this.parts?.translations;
  }
  /** Opens the store and builds every part; does not connect to platforms yet. */
  async init(): Promise<void> {
    const cfg = this.config;
    const opts = this.options;
    // Before the store opens: a bad overrides folder is a ConfigError with nothing to clean up.
    const translator = await Translator.create({
      fallbackLocale: 'en',
      ...(cfg.i18n?.overrides
        ? { overridesDir: resolvePath(cfg.configPath ? dirname(cfg.configPath) : process.cwd(), cfg.i18n.overrides) }
        : {}),
    });
    let driverErrorLoggedAt = 0;
    const store = await openStore(cfg.env.STORE_URL, {
      ...(opts.storeTimeoutMs ? { timeoutMs: opts.storeTimeoutMs } : {}),
      // A server that is down reports on every reconnect attempt: log it at most every 30 s.
      onDriverError: (err) => {
        if (Date.now() - driverErrorLoggedAt < 30_000) return;
        driverErrorLoggedAt = Date.now();
        this.log.warn({ err: err.message }, 'store connection error');
      },
    });
    const sweeper = new ExpirySweeper(store, this.log, opts.sweep);
    const translations = cfg.i18n?.translate
      ? new TranslationService(createProvider(cfg.i18n.translate), store.namespace('translations'), this.log)
      : undefined;
    assertAdviceKeys(cfg.advice, (key) => translator.has('en', key));
    if (cfg.digest && !this.options.kpi) DigestService.validate(cfg.digest.cron, cfg.service.timezone);
    const catalog = new ComponentCatalog(cfg.components);
    const tracker = new Tracker(store, catalog);
    await tracker.load();
    const outbox = new Outbox(store, {
      assert: async () => this.leadership?.fence.assert(),
      term: () => this.leadership?.fence.term?.(),
    });
    const inbox = new IngestInbox(
      store,
      () => this.sources.keys(),
      this.log.child({ part: 'inbox' }),
      opts.ingestQueueLimit ? { limit: opts.ingestQueueLimit } : {},
    );

    for (const a of await this.buildAdapters()) this.adapters.set(a.platform, a);
    for (const a of cfg.announce)
      if (!this.adapters.has(a.platform))
        this.log.warn({ platform: a.platform, chat: a.chatId }, `announce target on ${a.platform}, which is off (no token): ignored`);
    const enabled = (p: Platform) => this.adapters.has(p);

    const componentName = (id: string, locale: string, fallback = id) =>
      catalog.localizedName(id, locale, this.defaultLocale) ?? tracker.currentComponents().find((c) => c.id === id)?.name ?? fallback;
    const kpiService = opts.kpi
      ? undefined
      : await KpiService.open({
          store,
          translator,
          serviceName: cfg.service.name,
          timezone: cfg.service.timezone,
          log: this.log.child({ part: 'kpi' }),
          componentName: (id, locale) => componentName(id, locale),
          resolve: (n) => catalog.lookup(n) ?? n,
          now: () => Date.parse(this.now()),
        });
    await kpiService?.noteStatuses(tracker.currentComponents(), Date.parse(this.now()));

    const renderContext = (now: string): RenderContext => ({
      translator,
      serviceName: cfg.service.name,
      timezone: cfg.service.timezone,
      now,
      fallbackLocale: this.defaultLocale,
      ...(cfg.service.publicUrl ? { publicUrl: cfg.service.publicUrl } : {}),
      componentName: (c, locale) => catalog.localizedName(c.id, locale, this.defaultLocale) ?? c.name,
      adviceFor: (event) => adviceFor(event, cfg.advice, catalog),
      ...(translations ? { translated: (text: string, locale: string) => translations.cached(text, locale) } : {}),
      ...(kpiService
        ? {
            kpiFields: (ids: readonly string[], locale: string) =>
              kpiFields(kpiService.cached(ids), locale, translator, cfg.service.timezone, ANNOUNCEMENT_KPI_FIELDS),
          }
        : {}),
    });

    const fanout = new Fanout(store, {
      announce: cfg.announce,
      catalog,
      defaultLocale: this.defaultLocale,
      enabled,
      paused: this.pausedTargets,
      ...(opts.clock ? { now: opts.clock } : {}),
    });
    const limits = { ...DEFAULT_LIMITS };
    for (const [p, l] of Object.entries(cfg.delivery.limits) as [Platform, Partial<PlatformLimits>][]) limits[p] = { ...limits[p], ...l };
    Object.assign(limits, opts.limits);
    const limiter = new RateLimiter(limits);
    const replies = new ReplyPacer(limiter, this.log.child({ part: 'replies' }));
    const targets = new TargetDirectory({
      subscriptions: store.namespace('subscriptions'),
      announcements: store.namespace('announce'),
      paused: this.pausedTargets,
      log: this.log,
    });
    // Filled below: the digest renders through delivery, and delivery renders digests through it.
    let digest: DigestService | undefined;
    const cache = new RenderCache(renderContext, this.now);
    const delivery = new Delivery(
      store,
      outbox,
      this.adapters,
      limiter,
      {
        render: (event, locale) =>
          event.type !== 'digest'
            ? cache.event(event, locale)
            : (digest?.render(event, locale) ?? buildDigest({ data: undefined }, locale, renderContext(this.now()))),
        renderHeldSummary: (events, locale) => buildHeldSummary(events, locale, renderContext(this.now())),
        onTargetGone: (target, origin) => targets.forget(target, origin),
        onTargetMoved: (from, to, origin) => targets.move(from, to, origin),
      },
      this.log,
      {
        concurrency: 32,
        maxAgeMs: cfg.delivery.maxAge,
        ...(opts.breaker ? { breaker: opts.breaker } : {}),
        ...(opts.requeuePollMs ? { requeuePollMs: opts.requeuePollMs } : {}),
      },
    );
    if (cfg.delivery.maxAttempts !== undefined)
      this.log.warn(
        'delivery.maxAttempts is no longer used: a message is retried until delivery.maxAge (default 24h), then dead-lettered; remove the setting',
      );

    if (kpiService) {
      digest = new DigestService({
        kpi: kpiService,
        kv: store.namespace('kpi-digest'),
        announcements: store.namespace('announce'),
        translator,
        serviceName: cfg.service.name,
        timezone: cfg.service.timezone,
        defaultLocale: this.defaultLocale,
        announce: cfg.digest?.announce === false ? [] : cfg.announce,
        enabled,
        paused: this.pausedTargets,
        componentName,
        post: async (announcement, recipients) => {
          await outbox.record(
            announcement,
            recipients.map((r) => jobFor(announcement, r)),
          );
          delivery.poke();
        },
        log: this.log.child({ part: 'digest' }),
        now: () => Date.parse(this.now()),
        ...(cfg.service.publicUrl ? { publicUrl: cfg.service.publicUrl } : {}),
      });
      await digest.load();
    }

    const kpiProvider = opts.kpi ?? kpiService;
    const router = new CommandRouter({
      serviceName: cfg.service.name,
      offeredLocales: cfg.service.locales,
      defaultLocale: this.defaultLocale,
      timezone: cfg.service.timezone,
      translator,
      tracker,
      catalog,
      renderContext,
      subscriptions: store.namespace('subscriptions'),
      announcements: store.namespace('announce'),
      users: store.namespace('users'),
      ...(kpiProvider ? { kpi: kpiProvider } : {}),
      defaultMinSeverity: 'minor',
      now: this.now,
      revive: (target) => delivery.revive(target),
      // SQLite runs one instance (a second is refused at start): this process's memory is the whole fleet.
      commandBudget: new CommandBudget(store.kind === 'sqlite' ? memoryCounter() : store.counter('commands'), this.log),
    });

    const messageLocales = messageLocalesOf(cfg);
    const pipeline = new Pipeline({
      track: tracker,
      ...(kpiService ? { enrich: new KpiEnrichment(kpiService, digest, () => Date.parse(this.now())) } : {}),
      noise: this.flaps,
      fanout,
      outbox,
      recorded: () => delivery.poke(),
      ...(translations ? { prepare: (event: StatusEvent) => translations.prefetch(translatableTexts(event), messageLocales) } : {}),
      log: this.log,
    });

    const manualConfig = cfg.sources.find((s) => s.type === 'manual');
    const manual = new ManualSource(manualConfig?.id ?? 'manual');
    for (const sc of cfg.sources) this.sources.set(sc.id, sc.type === 'manual' ? manual : createSource(sc));
    if (!manualConfig) this.sources.set(manual.id, manual);
    // Drafts, preview and audit; publishing takes the admin API's path (the manual source, then ingest).
    const authoring = new Authoring({
      authors: cfg.authors,
      locales: messageLocales,
      translator,
      tracker,
      catalog,
      manual,
      store,
      log: this.log.child({ part: 'authoring' }),
      renderContext,
      ingest: (change) => this.ingest(change),
      translations,
      now: this.now,
    });

    const leaderLoops = new LeaderLoops({
      log: this.log,
      now: this.now,
      tracker,
      flaps: this.flaps,
      inbox,
      outbox,
      delivery,
      pipeline,
      sweeper,
      digest: cfg.digest && digest ? { service: digest, cron: cfg.digest.cron } : undefined,
      reminderLeadMs: cfg.maintenance.reminder || undefined,
      startLeaderAdapters: async () => {
        for (const adapter of this.adapters.values()) if (adapter.leaderOnly) await this.startAdapter(adapter);
      },
      stopLeaderAdapters: async () => {
        for (const adapter of this.adapters.values()) if (adapter.leaderOnly) await adapter.stop().catch(() => undefined);
      },
      startSources: (signal) => this.startSources(signal),
    });

    this.parts = {
      store,
      translator,
      translations,
      catalog,
      tracker,
      outbox,
      inbox,
      fanout,
      limiter,
      replies,
      delivery,
      router,
      manual,
      authoring,
      kpiService,
      digest,
      pipeline,
      leaderLoops,
      sweeper,
      renderContext,
      statusPage: {
        router: this.http.router,
        service: cfg.service,
        components: cfg.components,
        defaultLocale: this.defaultLocale,
        status: tracker,
        translator,
        catalog,
        renderContext,
        kpi: () => kpiService,
        subscribe: {
          telegramBot: () => (this.adapters.get('telegram') as { username?: () => string | undefined } | undefined)?.username?.(),
          discordApplicationId: () => (this.adapters.has('discord') ? cfg.env.DISCORD_APPLICATION_ID : undefined),
          slackAppRedirect: () =>
            (this.adapters.get('slack') as { appRedirectUrl?: () => string | undefined } | undefined)?.appRedirectUrl?.(),
        },
      },
    };

    registerCoreRoutes({
      router: this.http.router,
      shuttingDown: () => this.http.shuttingDown,
      serviceName: cfg.service.name,
      adminToken: cfg.env.ADMIN_API_TOKEN,
      log: this.log,
      ping: (timeoutMs) => store.ping(timeoutMs),
      replays: store.namespace('webhook-replay'),
      readiness: {
        adapters: () => this.adapters.values(),
        sourceHealth: this.sourceHealth,
        isLeader: () => this.isLeader(),
        fencingToken: () => this.leadership?.fencingToken(),
        pausedTargets: this.pausedTargets,
        circuit: (p) => delivery.breaker.state(p),
      },
      sources: this.sources,
      ingest: {
        accept: (sourceId, changes) => this.accept(sourceId, changes),
        ingest: (change) => this.ingest(change),
        recordSamples: (sourceId, samples) => this.recordSamples(sourceId, samples),
      },
      status: tracker,
      kpi: () => kpiService,
      manual,
      audit: (key, action, changes) =>
        authoring.recordAudit(key, action, changes, { platform: 'api', userId: 'ADMIN_API_TOKEN' }, 'admin API'),
      metrics: {
        platforms: () => this.adapters.keys(),
        pipeline: pipeline.counts,
        delivery: { stats: delivery.stats, circuit: (p) => delivery.breaker.state(p) },
        onFirstSend: (observe) => (delivery.onFirstSend = observe),
        replies,
        outbox: { depth: () => outbox.depth(), deadLetterCount: () => outbox.deadLetters.count() },
        sourceHealth: this.sourceHealth,
        sourceType: (id) => this.sources.get(id)?.type,
        pausedTargets: this.pausedTargets,
        isLeader: () => this.isLeader(),
        fencingToken: () => this.leadership?.fencingToken(),
      },
    });
    registerAdminRoutes({
      config: this.config,
      defaultLocale: this.defaultLocale,
      router: this.http.router,
      store: this.store,
      authoring: this.authoring,
      tracker: this.tracker,
      catalog: this.catalog,
      translator: this.translator,
    });
    // The public status page, its feeds, badges and Statuspage-compatible API (docs/status-page.md).
    registerWebRoutes(this.parts.statusPage);
  }

  /** What rendering needs at `now` (the CLI preview and tests render through it). */
  renderContext(now: string): RenderContext {
    return this.built().renderContext(now);
  }

  private async buildAdapters(): Promise<ChatAdapter[]> {
    if (this.options.adapters) return [...this.options.adapters];
    const build = async (p: Platform): Promise<ChatAdapter | undefined> => {
      const adapter: ChatAdapter | undefined = await ADAPTERS[p](this.config);
      return adapter instanceof ConsoleAdapter && this.options.consoleOut ? new ConsoleAdapter(this.options.consoleOut) : adapter;
    };
    return (await Promise.all((Object.keys(ADAPTERS) as Platform[]).map(build))).filter((a): a is ChatAdapter => a !== undefined);
  }

  /**
   * Starts serving. On SQLite this instance is the only one (a second is refused) and leads at once;
   * on Redis or PostgreSQL it joins the fleet and leads when it holds the lease.
   */
  async start(): Promise<void> {
    const { store, leaderLoops, tracker } = this.built();
    this.leadership = new Leadership(store, this.log, this.options.leadership);
    for (const adapter of this.adapters.values()) if (!adapter.leaderOnly) await this.startAdapter(adapter);
    if (store.kind === 'sqlite') {
      await this.leadership.claimExclusive();
      await leaderLoops.lead(new AbortController().signal);
    } else {
      // Followers answer /status from the store: reload what the leader wrote.
      this.followerTimer = setInterval(() => {
        if (leaderLoops.leading) return;
        void tracker.load().catch((e: unknown) => this.log.warn({ err: e }, 'could not refresh state from the store'));
      }, 3000);
      this.followerTimer.unref();
      await this.leadership.run(
        (term) => leaderLoops.lead(term),
        () => leaderLoops.follow(),
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

  private async startSources(term: AbortSignal): Promise<void> {
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

  isLeader(): boolean {
    return this.leadership?.isLeader() ?? false;
  }

  /**
   * A webhook push: durably appended to its source's ingest queue (on whichever instance received
   * it), then the leader processes it in order and fans out — the sender does not wait for that.
   * Throws `QueueFullError` when the source's queue is full.
   */
  async accept(sourceId: string, changes: readonly StatusChange[]): Promise<void> {
    if (changes.length === 0) return;
    const { inbox, leaderLoops } = this.built();
    await inbox.append(sourceId, changes);
    if (leaderLoops.leading) void leaderLoops.drainInbox();
  }

  async listen(): Promise<{ host: string; port: number }> {
    const addr = await this.http.listen(this.config.env.HTTP_HOST, this.config.env.HTTP_PORT);
    return { host: addr.address, port: addr.port };
  }

  /**
   * Every change goes through the pipeline, one at a time, so the tracker sees a consistent order.
   * On a follower the change is handed to the leader through the store's inbox.
   */
  ingest(change: StatusChange): Promise<StatusEvent[]> {
    const { inbox, leaderLoops, pipeline, manual } = this.built();
    if (this.started && !leaderLoops.leading) return inbox.appendChange(change, manual.id).then(() => []);
    return pipeline.process(change);
  }

  /** KPI samples pushed through a webhook go to the KPI engine. */
  async recordSamples(sourceId: string, samples: readonly KpiSampleInput[]): Promise<void> {
    const kpi = this.options.kpi ?? this.kpiService;
    if (kpi?.record) await kpi.record(sourceId, samples);
    else this.log.warn({ source: sourceId, samples: samples.length }, 'KPI samples received but no KPI engine is running');
  }

  /** Resolves once every accepted change was processed, fanned out and recorded in the outbox (tests). */
  async processed(timeoutMs = 20_000): Promise<boolean> {
    const { inbox, pipeline } = this.built();
    const deadline = Date.now() + timeoutMs;
    while ((await inbox.depth()) > 0) {
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
    await pipeline.settled();
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
    clearInterval(this.followerTimer);
    const parts = this.parts;
    parts?.leaderLoops.stopTimers();
    await this.http.close();
    await parts?.pipeline.settled();
    if (parts?.leaderLoops.leading) await parts.delivery.stop();
    // Hand leadership over now rather than after the lease expires.
    await this.leadership?.stop();
    parts?.replies.stop();
    for (const a of this.adapters.values()) await a.stop().catch((e: unknown) => this.log.warn({ err: e }, 'adapter stop failed'));
    parts?.digest?.stop();
    await parts?.kpiService?.stop().catch((e: unknown) => this.log.warn({ err: e }, 'KPI flush failed'));
    await parts?.store.close();
  }
}

export type { KpiWindow };
