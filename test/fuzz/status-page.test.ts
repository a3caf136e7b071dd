import fc from 'fast-check';
import { XMLValidator } from 'fast-xml-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/core/model.ts';
import { Translator } from '../../src/i18n/i18n.ts';
import type { PageData } from '../../src/web/data.ts';
import { esc, messageHtml, renderHome, renderIncident } from '../../src/web/html.ts';
import { atomFeed, rssFeed } from '../../src/web/feeds.ts';
import { configureFuzz, FUZZ_TIMEOUT, hostileMessageOf, hostileString, runs } from './arbitraries.ts';

configureFuzz();

/** Every element the page renderer writes; anything else in the output was smuggled in. */
const OUR_TAGS = new Set(
  'html head meta title link style body a header p nav ul li main h1 h2 h3 h4 span section article div dl dt dd strong ol time br svg path details summary table caption thead tbody tr th td footer bdi'.split(
    ' ',
  ),
);

/** The output is our markup only: our tags, no event handler, no script, and links only where we put them. */
const checkHtml = (html: string, allowedLinks: readonly string[]): void => {
  for (const m of html.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9]*)/g)) expect(OUR_TAGS, m[1]).toContain(m[1]!.toLowerCase());
  expect(html.replace(/^<!doctype html>/, '')).not.toMatch(/<!|<\?/);
  expect(html).not.toMatch(/<[^>]*\son[a-z]+\s*=/i);
  expect(html).not.toMatch(/\s(href|src|action|xlink:href)="\s*javascript:/i);
  for (const m of html.matchAll(/\shref="([^"]*)"/g)) {
    const href = m[1]!;
    if (href.startsWith('/') || href.startsWith('#')) continue;
    expect(allowedLinks, href).toContain(href);
  }
};

const incidentOf = (name: string, bodies: readonly string[]): Incident => ({
  key: 'ops:x',
  sourceId: 'ops',
  kind: 'incident',
  name,
  status: 'identified',
  impact: 'major',
  startedAt: '2026-12-02T10:00:00.000Z',
  componentIds: ['messaging'],
  updates: bodies.map((body, i) => ({ id: `u${i}`, status: 'investigating', body, createdAt: `2026-12-02T10:0${i % 10}:00.000Z` })),
});

describe('fuzz: the status page renderer on hostile text (the chat renderers corpus)', () => {
  let translator: Translator;
  beforeAll(async () => {
    translator = await Translator.create();
  });

  it('a hostile MessageModel becomes our markup only; its link only when http(s)', { timeout: FUZZ_TIMEOUT }, () => {
    fc.assert(
      fc.property(hostileMessageOf(3000), (m) => {
        const html = messageHtml(m, 3);
        checkHtml(html, m.link && /^https?:\/\//.test(m.link.url) ? [esc(m.link.url)] : []);
      }),
      { numRuns: runs(0.5) },
    );
  });

  it('pages and feeds with hostile incident names, bodies and component names stay well-formed', { timeout: FUZZ_TIMEOUT }, () => {
    fc.assert(
      fc.property(
        hostileMessageOf(2000),
        hostileString(2000),
        fc.array(hostileString(2000), { maxLength: 4 }),
        hostileString(300),
        fc.constantFrom('en', 'ar', 'zh-CN', 'ja'),
        (model, name, bodies, componentName, locale) => {
          const incident = incidentOf(name, bodies);
          const d: PageData = {
            locale,
            dir: translator.dir(locale),
            service: componentName,
            timezone: 'UTC',
            now: '2026-12-02T12:00:00.000Z',
            overall: 'major_outage',
            components: [
              {
                id: componentName,
                name: componentName,
                group: componentName,
                status: 'major_outage',
                days: [50, undefined, 99.95],
                kpis: [{ window: '24h', fields: model.fields }],
              },
            ],
            open: [{ incident, model }],
            maintenances: [],
            locales: ['en', 'ar'],
            subscribe: [],
          };
          const links = model.link && /^https?:\/\//.test(model.link.url) ? [esc(model.link.url)] : [];
          checkHtml(renderHome(d, translator), links);
          checkHtml(renderIncident(d, { incident, model }, translator), links);
          const feedInput = {
            locale,
            service: componentName,
            base: 'https://status.example/',
            now: d.now,
            incidents: [incident],
            translator,
          };
          expect(XMLValidator.validate(atomFeed(feedInput))).toBe(true);
          expect(XMLValidator.validate(rssFeed(feedInput))).toBe(true);
        },
      ),
      { numRuns: runs(0.1) },
    );
  });
});
