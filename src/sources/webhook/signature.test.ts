import { createHmac } from 'node:crypto';
import { describe, it, expect, afterAll } from 'vitest';
import { parseConfigText, type SourceConfig } from '../../core/config.ts';
import { WebhookAuthError } from '../source.ts';
import { WebhookSource } from './index.ts';
import { startTestApp, type TestApp } from '../../../test/helpers/app.ts';

const SECRET = 'replay-secret-1';
const NOW = '2026-11-28T02:00:00.000Z';
const NOW_S = Date.parse(NOW) / 1000;
const body = JSON.stringify({ components: [{ name: 'Messaging', status: 'major_outage' }] });
const grafanaBody = JSON.stringify({ status: 'firing', alerts: [{ status: 'firing', labels: { alertname: 'Down', component: 'api' } }] });

const hmac = (data: string, secret = SECRET) => createHmac('sha256', secret).update(data).digest('hex');

const source = (extra = '', format = 'generic'): WebhookSource => {
  const cfg = parseConfigText(`sources:\n  - { id: s, type: webhook, format: ${format}, secret: "${SECRET}"${extra} }\n`, {});
  return new WebhookSource(cfg.sources[0] as Extract<SourceConfig, { type: 'webhook' }>);
};

const push = (src: WebhookSource, headers: Record<string, string>, b = body) =>
  src.parsePush({ body: Buffer.from(b), headers, query: new URLSearchParams() }, NOW);

const refused = (f: () => unknown, message: RegExp) => {
  expect(f).toThrow(WebhookAuthError);
  expect(f).toThrow(message);
};

describe('webhook signatures with a replay window', () => {
  const src = source();

  it('plain body signing keeps working when no timestamp is sent', () => {
    expect(push(src, { 'x-signature-256': `sha256=${hmac(body)}` }).changes).toHaveLength(1);
  });

  it('accepts a signed timestamp inside the window (default 5m), either side of now', () => {
    for (const ts of [NOW_S, NOW_S - 299, NOW_S + 299])
      expect(push(src, { 'x-signature-timestamp': String(ts), 'x-signature-256': `sha256=${hmac(`${ts}.${body}`)}` }).changes).toHaveLength(
        1,
      );
  });

  it('refuses a correctly signed timestamp outside the window with 401', () => {
    for (const ts of [NOW_S - 301, NOW_S + 301, 0])
      refused(
        () => push(src, { 'x-signature-timestamp': String(ts), 'x-signature-256': `sha256=${hmac(`${ts}.${body}`)}` }),
        /replay window/,
      );
  });

  it('refuses a fresh timestamp added to a body-only signature (the HMAC must cover it)', () => {
    refused(() => push(src, { 'x-signature-timestamp': String(NOW_S), 'x-signature-256': `sha256=${hmac(body)}` }), /invalid signature/);
  });

  it('refuses a timestamp that is not Unix seconds', () => {
    for (const ts of ['soon', '2026-11-28T02:00:00Z', '-5', '1e9'])
      refused(
        () => push(src, { 'x-signature-timestamp': ts, 'x-signature-256': `sha256=${hmac(`${ts}.${body}`)}` }),
        /X-Signature-Timestamp/,
      );
  });

  it("uses the source's own replayWindow", () => {
    const tight = source(', replayWindow: 30s');
    const ts = NOW_S - 60;
    refused(
      () => push(tight, { 'x-signature-timestamp': String(ts), 'x-signature-256': `sha256=${hmac(`${ts}.${body}`)}` }),
      /replay window/,
    );
    expect(push(src, { 'x-signature-timestamp': String(ts), 'x-signature-256': `sha256=${hmac(`${ts}.${body}`)}` }).changes).toHaveLength(
      1,
    );
  });

  it("Grafana: X-Grafana-Alerting-Signature over the body, or over '<timestamp>:<body>'", () => {
    const g = source('', 'grafana');
    expect(push(g, { 'x-grafana-alerting-signature': hmac(grafanaBody) }, grafanaBody).changes.length).toBeGreaterThan(0);
    expect(
      push(g, { 'x-signature-timestamp': String(NOW_S), 'x-grafana-alerting-signature': hmac(`${NOW_S}:${grafanaBody}`) }, grafanaBody)
        .changes.length,
    ).toBeGreaterThan(0);
    const old = NOW_S - 3600;
    refused(
      () => push(g, { 'x-signature-timestamp': String(old), 'x-grafana-alerting-signature': hmac(`${old}:${grafanaBody}`) }, grafanaBody),
      /replay window/,
    );
    refused(() => push(g, { 'x-grafana-alerting-signature': hmac(grafanaBody, 'wrong') }, grafanaBody), /invalid signature/);
    // Another format does not take Grafana's header.
    refused(() => push(src, { 'x-grafana-alerting-signature': hmac(body) }), /missing X-Signature-256/);
  });
});

describe('POST /webhooks/:id with a stale timestamp', () => {
  let t: TestApp | undefined;
  afterAll(async () => t?.stop());

  it('answers 401 and stores nothing; a fresh one is accepted', async () => {
    t = await startTestApp(
      `sources:\n  - { id: hooks, type: webhook, format: generic, secret: "${SECRET}" }\nannounce:\n  - { platform: console, channel: "#ops" }\n`,
    );
    const send = (ts: number) =>
      fetch(`${t!.baseUrl}/webhooks/hooks`, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          'x-signature-timestamp': String(ts),
          'x-signature-256': `sha256=${hmac(`${ts}.${body}`)}`,
        },
      });
    const nowS = Math.floor(Date.now() / 1000);
    const stale = await send(nowS - 600);
    expect(stale.status).toBe(401);
    expect(((await stale.json()) as { error: string }).error).toMatch(/replay window/);
    expect(t.app.tracker.currentComponents()).toEqual([]);
    expect((await send(nowS)).status).toBe(202);
    expect(await t.app.processed()).toBe(true);
    expect(t.app.tracker.currentComponents().map((c) => c.status)).toEqual(['major_outage']);
  });
});
