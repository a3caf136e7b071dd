import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../test/helpers/app.ts';
import { startOutageApp } from '../../test/helpers/status-page.ts';
import { parseFeed } from '../sources/feed/parse.ts';

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  isArray: (n) => n === 'entry' || n === 'item' || n === 'link',
});
type Node = Record<string, unknown>;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

describe('the incident history feeds', () => {
  let t: TestApp;
  let key: string;
  beforeAll(async () => {
    ({ t, key } = await startOutageApp('https://status.chatter.example'));
    const nasty = t.app.manual.open({
      name: 'Ü <b>bold</b> & "quoted" \u0007 ]]>',
      impact: 'minor',
      message: 'a < b && c > d',
      components: ['media'],
    });
    for (const c of nasty.changes) await t.app.ingest(c);
  });
  afterAll(() => t.stop());

  it('Atom: well-formed, the RFC 4287 required elements, and our own feed source reads the stories back', async () => {
    const res = await fetch(`${t.baseUrl}/feed.atom?lang=en`);
    expect(res.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    const text = await res.text();
    expect(XMLValidator.validate(text)).toBe(true);
    const feed = (xml.parse(text) as Node).feed as Node;
    expect(feed['@_xmlns']).toBe('http://www.w3.org/2005/Atom');
    for (const k of ['id', 'title', 'updated', 'author']) expect(feed, k).toHaveProperty(k);
    expect(String(feed.updated)).toMatch(RFC3339);
    expect(
      (feed.link as Node[]).some((l) => l['@_rel'] === 'self' && l['@_href'] === 'https://status.chatter.example/feed.atom?lang=en'),
    ).toBe(true);
    const entries = feed.entry as Node[];
    expect(entries).toHaveLength(2);
    for (const e of entries) {
      for (const k of ['id', 'title', 'updated', 'content']) expect(e, k).toHaveProperty(k);
      expect(String(e.updated)).toMatch(RFC3339);
    }
    const stories = parseFeed(text, 'b');
    const outage = stories.find((s) => s.name === 'Messages are delayed or fail to send')!;
    expect(outage.url).toBe(`https://status.chatter.example/incidents/${encodeURIComponent(key)}?lang=en`);
    expect(outage.updates.map((u) => [u.status, u.body])).toEqual([
      ['investigating', 'We are investigating reports that messages are delayed or fail to send.'],
      ['identified', 'A failed network link in one data centre. Traffic is being moved to another site.'],
    ]);
    const nasty = stories.find((s) => s.name.startsWith('Ü'))!;
    // The name as the tracker holds it (the manual source already cleaned it): markup in it stays text.
    const stored = t.app.tracker.knownIncidents().find((i) => i.name.startsWith('Ü'))!;
    expect(nasty.name).toBe(stored.name.replace(String.fromCharCode(7), '').replace(/\s+/g, ' '));
    expect(nasty.name).toContain('& "quoted"');
    expect(nasty.updates[0]!.body).toBe('a < b && c > d');
  });

  it('RSS 2.0: well-formed, channel and item required elements, read back by the feed source', async () => {
    const res = await fetch(`${t.baseUrl}/feed.rss?lang=en`);
    expect(res.headers.get('content-type')).toBe('application/rss+xml; charset=utf-8');
    const text = await res.text();
    expect(XMLValidator.validate(text)).toBe(true);
    const rss = (xml.parse(text) as Node).rss as Node;
    expect(rss['@_version']).toBe('2.0');
    const channel = rss.channel as Node;
    for (const k of ['title', 'link', 'description', 'language']) expect(channel, k).toHaveProperty(k);
    const items = channel.item as Node[];
    expect(items).toHaveLength(2);
    for (const i of items) {
      expect(i).toHaveProperty('title');
      expect(Number.isFinite(Date.parse(String(i.pubDate)))).toBe(true);
    }
    expect(parseFeed(text, 'b').find((s) => s.name === 'Messages are delayed or fail to send')!.status).toBe('identified');
  });

  it('per language: titles and status words in the reader language, still well-formed', async () => {
    for (const lang of ['zh-CN', 'ar', 'ja']) {
      const text = await (await fetch(`${t.baseUrl}/feed.atom?lang=${lang}`)).text();
      expect(XMLValidator.validate(text), lang).toBe(true);
      expect(text).toContain(`xml:lang="${lang}"`);
    }
    expect(await (await fetch(`${t.baseUrl}/feed.atom?lang=zh-CN`)).text()).toContain('已查明原因');
  });
});
