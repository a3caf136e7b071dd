import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CircuitState } from '../delivery/breaker.ts';
import { DEAD_LETTER_REASONS } from '../delivery/dead-letters.ts';
import type { DeliveryStats } from '../delivery/delivery.ts';
import type { ReplyStats } from '../delivery/reply-pacer.ts';
import type { SourceHealth } from '../sources/source.ts';
import { PLATFORMS, type Platform } from '../core/model.ts';
import { VERSION } from '../core/version.ts';

const CIRCUIT_VALUE: Record<CircuitState, number> = { closed: 0, half_open: 1, open: 2 };

/** Seconds from record to first successful send: from near-instant to a long 429 wait. */
const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export interface AppMetricsExporter {
  readonly registry: Registry;
  /** Prometheus text exposition of every family. */
  render(): Promise<string>;
}

/** What `/metrics` reads at scrape time: each figure from the stage that counts it. */
export interface MetricsSource {
  /** The platforms that are on (an adapter runs). */
  platforms(): Iterable<Platform>;
  /** The pipeline's counts (src/pipeline/pipeline.ts). */
  readonly pipeline: { readonly changes: number; readonly events: number };
  /** Webhook requests refused, counted by the route. */
  webhooksRejected(): number;
  readonly delivery: { readonly stats: DeliveryStats; circuit(platform: Platform): CircuitState };
  /** Told of every first successful send of a job, with its latency from record. */
  onFirstSend(observe: (platform: Platform, latencyMs: number) => void): void;
  readonly replies: { readonly stats: ReplyStats };
  readonly outbox: { depth(): number; deadLetterCount(): Promise<number> };
  readonly sourceHealth: ReadonlyMap<string, SourceHealth>;
  sourceType(id: string): string | undefined;
  readonly pausedTargets: ReadonlySet<string>;
  isLeader(): boolean;
  fencingToken(): number | undefined;
}

/**
 * One prom-client Registry per instance (never the global default), so several in one process, as
 * in tests, keep their own numbers. Counts live where they happen (the pipeline, `delivery.stats`)
 * and are read at scrape time; only the latency histogram needs a hook, since a histogram cannot be
 * rebuilt from a bounded sample.
 */
export const createMetrics = (app: MetricsSource): AppMetricsExporter => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const platforms = (values: Record<string, number>) => new Set([...app.platforms(), ...Object.keys(values)]);

  const perPlatform = (name: string, help: string, pick: () => Record<string, number>) =>
    new Counter({
      name,
      help,
      labelNames: ['platform'] as const,
      registers,
      collect() {
        const values = pick();
        this.reset();
        for (const p of platforms(values)) this.inc({ platform: p }, values[p] ?? 0);
      },
    });
  const single = (name: string, help: string, pick: () => number) =>
    new Counter({
      name,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(pick());
      },
    });

  single('status_relay_events_total', 'Status events emitted by the tracker.', () => app.pipeline.events);
  single('status_relay_changes_total', 'Status changes received from sources.', () => app.pipeline.changes);
  single('status_relay_webhooks_rejected_total', 'Webhook requests refused (401/400/404/413).', () => app.webhooksRejected());
  const stats = () => app.delivery.stats;
  perPlatform('status_relay_messages_sent_total', 'Messages delivered, per platform.', () => stats().sent);
  perPlatform('status_relay_messages_failed_total', 'Messages given up on, per platform.', () => stats().failed);
  perPlatform('status_relay_rate_limited_total', '429 answers from the platform, per platform.', () => stats().rateLimited);
  perPlatform('status_relay_dead_targets_total', 'Targets dropped because the platform said they are gone.', () => stats().deadTargets);
  perPlatform('status_relay_command_replies_total', 'Command answers sent, per platform.', () => app.replies.stats.sent);
  perPlatform(
    'status_relay_command_replies_rate_limited_total',
    '429 answers to command replies (waited out and retried).',
    () => app.replies.stats.rateLimited,
  );
  perPlatform(
    'status_relay_command_replies_given_up_total',
    'Command answers given up: no slot within 60 s of the command.',
    () => app.replies.stats.givenUp,
  );
  single(
    'status_relay_messages_coalesced_total',
    'Queued updates superseded by a later update of the same story.',
    () => stats().coalesced,
  );

  new Counter({
    name: 'status_relay_dead_lettered_total',
    help: 'Messages moved to the dead letters (expired: waited longer than delivery.maxAge; permanent: refused by the platform).',
    labelNames: ['platform', 'reason'] as const,
    registers,
    collect() {
      this.reset();
      for (const reason of DEAD_LETTER_REASONS) {
        const values = stats().deadLettered[reason];
        for (const p of platforms(values)) this.inc({ platform: p, reason }, values[p] ?? 0);
      }
    },
  });
  new Gauge({
    name: 'status_relay_dead_letters',
    help: 'Dead letters held in the store (`status-relay outbox list`).',
    registers,
    async collect() {
      this.set(await app.outbox.deadLetterCount().catch(() => Number.NaN));
    },
  });
  new Gauge({
    name: 'status_relay_circuit_state',
    help: 'Circuit breaker per platform: 0 closed (sending), 1 half-open (one probe in flight), 2 open (paused).',
    labelNames: ['platform'] as const,
    registers,
    collect() {
      this.reset();
      for (const p of app.platforms()) this.set({ platform: p }, CIRCUIT_VALUE[app.delivery.circuit(p)]);
    },
  });

  new Gauge({
    name: 'status_relay_build_info',
    help: 'Always 1; the labels say which Status Relay and which Node.js run.',
    labelNames: ['version', 'node'] as const,
    registers,
  }).set({ version: VERSION, node: process.version }, 1);
  new Gauge({
    name: 'status_relay_source_up',
    help: 'Per source: 1 when its last fetch or check succeeded, 0 when it failed (sources run on the leader; absent until the first attempt).',
    labelNames: ['source', 'type'] as const,
    registers,
    collect() {
      this.reset();
      for (const [id, health] of app.sourceHealth) {
        if (health.state === 'pending') continue;
        this.set({ source: id, type: app.sourceType(id) ?? 'unknown' }, health.state === 'ok' ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: 'status_relay_source_last_success_timestamp_seconds',
    help: 'Per source: Unix time of its last successful fetch or check (absent until one succeeded; webhook and manual sources have none).',
    labelNames: ['source'] as const,
    registers,
    collect() {
      this.reset();
      for (const [id, health] of app.sourceHealth) {
        const at = health.lastSuccessAt ? Date.parse(health.lastSuccessAt) : Number.NaN;
        if (Number.isFinite(at)) this.set({ source: id }, at / 1000);
      }
    },
  });
  new Gauge({
    name: 'status_relay_paused_targets',
    help: 'Configured chats paused because the platform said they are gone or moved (fix announce[] and restart; `/readyz` lists them).',
    labelNames: ['platform'] as const,
    registers,
    collect() {
      this.reset();
      const counts = new Map<string, number>();
      for (const key of app.pausedTargets) {
        const platform = key.slice(0, key.indexOf(':'));
        counts.set(platform, (counts.get(platform) ?? 0) + 1);
      }
      const on = new Set(app.platforms());
      for (const p of PLATFORMS) if (on.has(p) || counts.has(p)) this.set({ platform: p }, counts.get(p) ?? 0);
    },
  });

  new Gauge({
    name: 'status_relay_queue_depth',
    help: 'Messages waiting in the outbox.',
    registers,
    collect() {
      this.set(app.outbox.depth());
    },
  });
  new Gauge({
    name: 'status_relay_leader',
    help: '1 while this instance holds the leader lease, else 0.',
    registers,
    collect() {
      this.set(app.isLeader() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'status_relay_lease_token',
    help: 'Fencing token of the lease this instance holds (0 when it holds none).',
    registers,
    collect() {
      this.set(app.isLeader() ? (app.fencingToken() ?? 0) : 0);
    },
  });

  const latency = new Histogram({
    name: 'status_relay_delivery_latency_seconds',
    help: 'Time from recording a message to its first successful send, per platform.',
    labelNames: ['platform'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  app.onFirstSend((platform, ms) => latency.observe({ platform }, ms / 1000));

  return { registry, render: () => registry.metrics() };
};
