import fc from 'fast-check';
import { describe, it, expect } from 'vitest';
import { parseSummary, parseIncident, parseStatuspageWebhook } from '../../src/sources/statuspage/parse.ts';
import { parseGeneric } from '../../src/sources/webhook/generic.ts';
import { parseInstatus } from '../../src/sources/webhook/instatus.ts';
import { parseAlertmanager } from '../../src/sources/webhook/alertmanager.ts';
import { parseGrafana } from '../../src/sources/webhook/grafana.ts';
import { parseFeed } from '../../src/sources/feed/parse.ts';
import { ManualSource } from '../../src/sources/manual/index.ts';
import { PayloadError } from '../../src/core/errors.ts';
import type { StatusChange } from '../../src/core/model.ts';
import { configureFuzz, FUZZ_TIMEOUT, hostileString, junk, refusalOk } from './arbitraries.ts';
import {
  feedTime,
  alertGroup,
  genericPayload,
  instatusPayload,
  manualOpen,
  manualUpdate,
  spIncident,
  spSummary,
  spWebhook,
} from './shapes.ts';
import { expectChange, expectIncident } from './model-check.ts';

configureFuzz();

const SRC = 'src';
const NOW = '2026-11-28T01:50:00.000Z';
/** Shaped payloads mostly, junk sometimes: both must end in a result or a PayloadError. */
const input = <T>(shaped: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 5, arbitrary: shaped as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: junk });
const changes = (list: StatusChange[] | undefined) => {
  for (const c of list ?? []) expectChange(c, SRC);
};

describe('fuzz: source parsers never crash and hand the tracker well-formed changes', () => {
  it('Statuspage summary', { timeout: FUZZ_TIMEOUT }, () => {
    fc.assert(fc.property(input(spSummary), (json) => changes(refusalOk(() => [parseSummary(json, SRC, NOW)]))));
  });

  it('Statuspage incident', { timeout: FUZZ_TIMEOUT }, () => {
    fc.assert(
      fc.property(input(spIncident), (json) => {
        const i = refusalOk(() => parseIncident(json, SRC));
        if (i) expectIncident(i, SRC);
      }),
    );
  });

  it('Statuspage webhook', { timeout: FUZZ_TIMEOUT }, () => {
    fc.assert(fc.property(input(spWebhook), (json) => changes(refusalOk(() => parseStatuspageWebhook(json, SRC, NOW)))));
  });

  it('generic webhook', { timeout: FUZZ_TIMEOUT }, () => {
    fc.assert(
      fc.property(input(genericPayload), (json) => {
        const r = refusalOk(() => parseGeneric(json, SRC, NOW));
        changes(r?.changes);
        for (const s of r?.samples ?? []) expect(Number.isFinite(s.value)).toBe(true);
      }),
    );
  });

  it('Instatus webhook', { timeout: FUZZ_TIMEOUT }, () => {
    fc.assert(fc.property(input(instatusPayload), (json) => changes(refusalOk(() => parseInstatus(json, SRC, NOW)))));
  });

  it('Alertmanager webhook', { timeout: FUZZ_TIMEOUT }, () => {
    fc.assert(
      fc.property(input(alertGroup), fc.constantFrom('component', 'service', 'alertname'), (json, label) =>
        changes(refusalOk(() => parseAlertmanager(json, SRC, NOW, label))),
      ),
    );
  });

  it('Grafana webhook', { timeout: FUZZ_TIMEOUT }, () => {
    fc.assert(
      fc.property(input(alertGroup), (json) => {
        const r = refusalOk(() => parseGrafana(json, SRC, NOW, 'component'));
        changes(r?.changes);
        for (const s of r?.samples ?? []) expect(Number.isFinite(s.value)).toBe(true);
      }),
    );
  });

  it('manual incidents: open and update', { timeout: FUZZ_TIMEOUT }, () => {
    const manual = new ManualSource(SRC);
    fc.assert(
      fc.property(input(manualOpen), input(manualUpdate), (open, update) => {
        const opened = refusalOk(() => manual.open(open, NOW));
        changes(opened?.changes);
        const first = opened?.changes[0];
        if (first?.kind === 'incident') changes(refusalOk(() => manual.update(first.incident, update, NOW)));
      }),
    );
  });

  it('RSS and Atom history feeds', { timeout: FUZZ_TIMEOUT }, () => {
    const update = fc
      .tuple(
        fc.constantFrom('Nov', 'Feb', 'xyz', ''),
        fc.integer({ min: -1, max: 40 }),
        fc.constantFrom('03:25', '99:99', '0:0'),
        fc.constantFrom('UTC', 'PDT', 'IST', 'XYZ', ''),
        fc.constantFrom('Resolved', 'Update', 'In progress', 'Scheduled', '&lt;b&gt;'),
        hostileString(3000),
      )
      .map(
        ([mon, day, time, zone, label, body]) =>
          `<p><small>${mon} <var>${day}</var>, <var>${time}</var> ${zone}</small><br><strong>${label}</strong> - ${body}</p>`,
      );
    const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    const entry = fc.record({
      title: hostileString(300),
      link: fc.oneof(fc.webUrl(), hostileString(100)),
      date: feedTime,
      id: hostileString(60),
      updates: fc.array(update, { maxLength: 5 }),
      raw: fc.boolean(),
    });
    const feed = fc.tuple(fc.boolean(), fc.array(entry, { maxLength: 4 })).map(([atom, entries]) => {
      const x = (s: unknown, raw: boolean) => (raw ? String(s) : escapeXml(String(s)));
      return atom
        ? `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">${entries.map((e) => `<entry><id>${x(e.id, e.raw)}</id><title>${x(e.title, e.raw)}</title><link rel="alternate" href="${x(e.link, e.raw)}"/><published>${x(e.date, e.raw)}</published><content type="html">${x(e.updates.join(''), e.raw)}</content></entry>`).join('')}</feed>`
        : `<?xml version="1.0"?><rss version="2.0"><channel>${entries.map((e) => `<item><title>${x(e.title, e.raw)}</title><guid>${x(e.id, e.raw)}</guid><link>${x(e.link, e.raw)}</link><pubDate>${x(e.date, e.raw)}</pubDate><description>${x(e.updates.join(''), e.raw)}</description></item>`).join('')}</channel></rss>`;
    });
    fc.assert(
      fc.property(fc.oneof({ weight: 5, arbitrary: feed }, { weight: 1, arbitrary: hostileString(5000) }), (xml) => {
        for (const i of refusalOk(() => parseFeed(xml, SRC, NOW)) ?? []) expectIncident(i, SRC);
      }),
    );
  });

  it('fixed bug 4 (Statuspage): an update whose body is not a string is refused cleanly', () => {
    expect(refusalOk(() => parseIncident({ id: 'a', name: 'x', incident_updates: [{ id: 'u', body: {} }] }, SRC))).toBeDefined();
  });

  it('fixed bug 5 (feed): an entry dated +275760-09-13 is parsed or refused cleanly', () => {
    const xml =
      '<?xml version="1.0"?><rss version="2.0"><channel><item><title>t</title><guid>g</guid><link>http://a.aa</link><pubDate>+275760-09-13T00:00:00.000Z</pubDate><description>&lt;p&gt;&lt;small&gt;Nov &lt;var&gt;0&lt;/var&gt;, &lt;var&gt;03:25&lt;/var&gt; UTC&lt;/small&gt;&lt;br&gt;&lt;strong&gt;Resolved&lt;/strong&gt; - x&lt;/p&gt;</description></item></channel></rss>';
    expect(() => refusalOk(() => parseFeed(xml, SRC, NOW))).not.toThrow();
  });

  it('fixed bug 6 (Statuspage): a time field that String() cannot convert is refused cleanly', () => {
    const json: unknown = JSON.parse('{"page": {}, "incidents": [{"id": "x", "name": "n", "resolved_at": {"toString": 1}}]}');
    expect(() => refusalOk(() => parseSummary(json, SRC, NOW))).not.toThrow();
  });

  it('fixed bug 7 (Alertmanager): an empty fingerprint still gives the alert its own key', () => {
    const [change] = parseAlertmanager({ alerts: [{ fingerprint: '', labels: { alertname: 'A' } }] }, SRC, NOW, 'component');
    expect(change?.kind === 'incident' && change.incident.key).not.toBe(`${SRC}:`);
  });

  it('fixed bug 8 (manual): an unparseable scheduledFor is refused with a PayloadError', () => {
    expect(() =>
      refusalOk(() => new ManualSource(SRC).open({ name: 'Maintenance', kind: 'maintenance', scheduledFor: 'garbage' }, NOW)),
    ).not.toThrow();
  });

  it('the harness can fail: a non-PayloadError escapes refusalOk', () => {
    expect(() => refusalOk(() => JSON.parse('{'))).toThrow(SyntaxError);
    expect(refusalOk(() => parseStatuspageWebhook(1, SRC))).toBeUndefined();
    expect(() => parseStatuspageWebhook(1, SRC)).toThrow(PayloadError);
  });
});
