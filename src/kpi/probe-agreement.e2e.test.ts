import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/helpers/app.ts';
import type { ConsoleAdapter } from '../adapters/console/index.ts';
import { formatPercent } from '../i18n/format.ts';
import { apiStatusSchema } from './api.ts';

type Mode = 'ok' | 'slow' | '500' | 'hang';

/** A local server that answers each request with the next mode of its script; `hang` holds the request open. */
const misbehaving = async (script: Mode[]): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> => {
  const held = new Set<ServerResponse>();
  let requests = 0;
  const server: Server = createServer((_req, res) => {
    requests++;
    const mode = script.shift() ?? 'hang';
    if (mode === 'ok') return void res.end('{"status":"ok"}');
    if (mode === 'slow') return void setTimeout(() => res.end('{"status":"ok"}'), 250);
    if (mode === '500') return void res.writeHead(500).end('internal error');
    held.add(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`,
    requests: () => requests,
    close: async () => {
      for (const r of held) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
};

let t: TestApp | undefined;
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await t?.stop();
  await close?.();
  t = undefined;
});

describe('one source of truth for the error rate', () => {
  it('the first "degraded" announcement and /api/status give the same error rate at the same moment', async () => {
    // 8 good checks, then the slow phase with a 500 in it: slow, 500, slow → degraded (3 bad in a row).
    // After that every check hangs (timeout 60 s), so no sample arrives between the two readings.
    const server = await misbehaving(['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'slow', '500', 'slow']);
    close = server.close;
    t = await startTestApp(`
service: { name: Chatter, locales: [en] }
components:
  - { id: api, name: Public API }
sources:
  - { id: api-probe, type: probe, component: Public API, url: "${server.url}", interval: 50ms, timeout: 60s, degradedLatencyMs: 200, failuresToDown: 3 }
announce:
  - { platform: console, channel: "#ops" }
`);
    const out = t.app.adapters.get('console') as ConsoleAdapter;
    const deadline = Date.now() + 30_000;
    let degraded;
    while (!(degraded = out.sent.find((s) => s.message.title.includes('Degraded'))) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(degraded, 'no degraded announcement').toBeDefined();
    const api = apiStatusSchema.parse(await (await fetch(`${t.baseUrl}/api/status`)).json());
    // At most the twelfth check has started, and it hangs: nothing was recorded after the eleventh.
    expect(server.requests()).toBeLessThanOrEqual(12);

    const announced = degraded!.message.fields.find((f) => f.label === 'Error rate')?.value;
    const component = api.components.find((c) => c.id === 'api')!.kpis!['24h'];
    const figures = component.figures ?? component.partialFigures;
    expect(figures?.checks).toBe(11);
    expect(figures?.errorRatePercent).toBeCloseTo(100 / 11, 9);
    expect(announced).toBe(formatPercent(figures!.errorRatePercent!, 'en'));
    expect(announced).toBe('9.09%');
    // The whole service is this one component: the same figure.
    const all = api.kpis!['24h'].figures ?? api.kpis!['24h'].partialFigures;
    expect(all?.errorRatePercent).toBe(figures?.errorRatePercent);
  }, 60_000);
});
