import type { App } from '../app.ts';

const line = (name: string, labels: Record<string, string>, value: number): string => {
  const l = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`).join(',');
  return `${name}${l ? `{${l}}` : ''} ${value}`;
};

/** Prometheus text exposition of the core counters. */
export const renderMetrics = (app: App): string => {
  const s = app.delivery.stats;
  const out: string[] = [
    '# HELP status_relay_events_total Status events emitted by the tracker.',
    '# TYPE status_relay_events_total counter',
    line('status_relay_events_total', {}, app.metrics.events),
    '# HELP status_relay_webhooks_rejected_total Webhook requests refused (401/400/404/413).',
    '# TYPE status_relay_webhooks_rejected_total counter',
    line('status_relay_webhooks_rejected_total', {}, app.metrics.webhookRejected),
    '# HELP status_relay_queue_depth Messages waiting in the outbox.',
    '# TYPE status_relay_queue_depth gauge',
    line('status_relay_queue_depth', {}, app.outbox.depth()),
  ];
  const counter = (name: string, help: string, values: Record<string, number>) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
    for (const p of app.adapters.keys()) out.push(line(name, { platform: p }, values[p] ?? 0));
  };
  counter('status_relay_messages_sent_total', 'Messages delivered, per platform.', s.sent);
  counter('status_relay_messages_failed_total', 'Messages given up on, per platform.', s.failed);
  counter('status_relay_rate_limited_total', '429 answers, per platform.', s.rateLimited);
  counter('status_relay_dead_targets_total', 'Targets dropped because the platform said they are gone.', s.deadTargets);
  const lat = [...s.latencyMs].sort((a, b) => a - b);
  const q = (p: number) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]! : 0);
  out.push('# HELP status_relay_delivery_latency_ms Delivery latency from record to sent.', '# TYPE status_relay_delivery_latency_ms summary');
  out.push(line('status_relay_delivery_latency_ms', { quantile: '0.5' }, q(0.5)), line('status_relay_delivery_latency_ms', { quantile: '0.99' }, q(0.99)));
  out.push(line('status_relay_delivery_latency_ms_count', {}, lat.length));
  return `${out.join('\n')}\n`;
};
