import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { parseMetrics } from '../../test/helpers/prometheus-text.ts';
import { startTestApp, type TestApp } from '../../test/helpers/app.ts';

const YAML = `
service: { name: Chatter, locales: [en] }
sources:
  - { id: gen, type: webhook, format: generic, insecure: true }
announce:
  - { platform: console, channel: "#ops", locale: en }
`;

const parse = parseMetrics;

const scrape = async (t: TestApp) => {
  const res = await fetch(`${t.baseUrl}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  return { text, values: parse(text) };
};

const push = (t: TestApp, body: unknown) =>
  fetch(`${t.baseUrl}/webhooks/gen`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

describe('/metrics (prom-client, one registry per App)', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await startTestApp(YAML);
    b = await startTestApp(YAML);
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  it('shows every family, with values read from the app', async () => {
    expect((await push(a, { components: [{ name: 'Messaging', status: 'operational' }] })).status).toBe(202);
    expect((await push(a, { components: [{ name: 'Messaging', status: 'major_outage' }] })).status).toBe(202);
    expect((await push(a, { nope: 1 })).status).toBe(400);
    expect(await a.app.drained()).toBe(true);
    const { text, values } = await scrape(a);
    for (const family of [
      'process_cpu_user_seconds_total',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
      'status_relay_events_total',
      'status_relay_changes_total',
      'status_relay_webhooks_rejected_total',
      'status_relay_messages_sent_total',
      'status_relay_messages_failed_total',
      'status_relay_rate_limited_total',
      'status_relay_dead_targets_total',
      'status_relay_queue_depth',
      'status_relay_delivery_latency_seconds',
      'status_relay_leader',
      'status_relay_lease_token',
      'status_relay_build_info',
      'status_relay_source_up',
      'status_relay_paused_targets',
      'status_relay_dead_letters',
      'status_relay_circuit_state',
    ])
      expect(text, family).toContain(`# TYPE ${family} `);
    expect(values.get('status_relay_events_total')).toBeGreaterThanOrEqual(1);
    expect(values.get('status_relay_webhooks_rejected_total')).toBe(1);
    const sent = values.get('status_relay_messages_sent_total{platform="console"}')!;
    expect(sent).toBeGreaterThanOrEqual(1);
    expect(values.get('status_relay_rate_limited_total{platform="console"}')).toBe(0);
    expect(values.get('status_relay_queue_depth')).toBe(0);
    // Every first send is observed once; +Inf holds them all.
    expect(values.get('status_relay_delivery_latency_seconds_count{platform="console"}')).toBe(sent);
    expect(values.get('status_relay_delivery_latency_seconds_bucket{le="+Inf",platform="console"}')).toBe(sent);
    // A single instance on SQLite leads; its token is the lease's fencing token.
    expect(values.get('status_relay_leader')).toBe(a.app.isLeader() ? 1 : 0);
    expect(values.get('status_relay_lease_token')).toBe(a.app.isLeader() ? (a.app.leadership?.fencingToken() ?? 0) : 0);
  });

  it('keeps two Apps in one process apart', async () => {
    const { values } = await scrape(b);
    expect(values.get('status_relay_events_total')).toBe(0);
    expect(values.get('status_relay_webhooks_rejected_total')).toBe(0);
    expect(values.get('status_relay_messages_sent_total{platform="console"}')).toBe(0);
    expect(values.get('status_relay_delivery_latency_seconds_count{platform="console"}')).toBeUndefined();
    expect((await scrape(a)).values.get('status_relay_events_total')).toBeGreaterThanOrEqual(1);
  });
});
