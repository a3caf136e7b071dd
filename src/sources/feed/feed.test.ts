import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isClosedStatus, STORY_STATUSES_FOR_TEST } from './feed-test-helpers.ts';
import { NOT_RUN, readSharedText, sharedFixtureFiles, sharedFixturesPresent } from '../../../test/helpers/fixtures.ts';
import { startTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { parseFeed, updateTime } from './parse.ts';

const own = (file: string): string => readFileSync(join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'feed', file), 'utf8');

describe('feed parsing (own fixtures)', () => {
  it('Atom: updates oldest first, "Update" keeps the status, year inferred across New Year, the HTML inside the XML decoded once', () => {
    const [open, old] = parseFeed(own('history.atom'), 'fd');
    expect(open).toMatchObject({
      key: 'fd:open1',
      kind: 'incident',
      status: 'identified',
      name: 'Messages & calls delayed',
      url: 'https://status.relay-test.example/incidents/open1',
      startedAt: '2026-01-02T09:30:00.000Z',
    });
    expect(open!.resolvedAt).toBeUndefined();
    expect(open!.updates.map((u) => [u.status, u.body])).toEqual([
      ['identified', 'A database node failed.'],
      ['identified', 'Still looking into it.'],
    ]);
    expect(old).toMatchObject({ status: 'resolved', startedAt: '2025-12-31T23:50:00.000Z', resolvedAt: '2026-01-01T01:10:00.000Z' });
  });

  it('RSS: maintenance labels make a maintenance; PST times become UTC', () => {
    const [m] = parseFeed(own('history.rss'), 'fd');
    expect(m).toMatchObject({
      key: 'fd:mnt1',
      kind: 'maintenance',
      status: 'in_progress',
      impact: 'maintenance',
      startedAt: '2026-01-08T20:00:00.000Z',
    });
    expect(m!.updates[0]!.body).toBe("We will upgrade the database & you won't be able to log in.");
  });

  it('dates: zone abbreviations and the year of the entry', () => {
    expect(updateTime('Nov 20, 03:25 UTC', Date.parse('2019-11-20T04:00:00Z'))).toBe('2019-11-20T03:25:00.000Z');
    expect(updateTime('Dec 31, 23:50 UTC', Date.parse('2026-01-01T01:10:00Z'))).toBe('2025-12-31T23:50:00.000Z');
    expect(updateTime('Jan  1, 09:09 PST', Date.parse('2014-01-01T17:09:00Z'))).toBe('2014-01-01T17:09:00.000Z');
  });

  it('rejects what is not a feed', () => {
    expect(() => parseFeed('<html><body>hi</body></html>', 'fd')).toThrow(/not an Atom/);
  });
});

describe('real feeds from ../shared/fixtures/statuspage-feed', () => {
  const dir = 'statuspage-feed';
  const EXPECT: Record<string, { entries: number; first: Record<string, unknown>; open: number }> = {
    'atlassian-statuspage-history-2019-11.atom.xml': {
      entries: 25,
      open: 0,
      first: { key: 'fd:lcvzzk0mgfw3', status: 'resolved', startedAt: '2019-11-21T01:00:00.000Z' },
    },
    'digitalocean-history-2019-10.atom.xml': {
      entries: 25,
      open: 0,
      first: { key: 'fd:w4j2nj1trtsg', status: 'resolved', kind: 'incident' },
    },
    'digitalocean-history-2020-01.rss.xml': {
      entries: 25,
      open: 1,
      first: { key: 'fd:2yyk6j58xcxh', kind: 'maintenance', status: 'completed', startedAt: '2020-01-09T14:27:00.000Z' },
    },
    'github-history-2019-11.atom.xml': {
      entries: 25,
      open: 0,
      first: { key: 'fd:w7wlzstc8wss', status: 'resolved', resolvedAt: '2019-11-20T03:25:00.000Z' },
    },
    'parse-history-2014-01.rss.xml': {
      entries: 17,
      open: 0,
      first: { key: 'fd:lzf7mjchpy20', status: 'resolved', startedAt: '2014-01-01T16:17:00.000Z' },
    },
    'symantec-wss-history-2020-01.atom.xml': {
      entries: 25,
      open: 4,
      first: { key: 'fd:nn13t2d7hr8s', kind: 'maintenance', status: 'scheduled' },
    },
  };
  it.runIf(sharedFixturesPresent(dir))('every file parses into the right incidents, with clean text', () => {
    const files = sharedFixtureFiles(dir, '.xml');
    expect(files).toEqual(Object.keys(EXPECT).sort());
    for (const f of files) {
      const list = parseFeed(readSharedText(dir, f), 'fd');
      const e = EXPECT[f]!;
      expect(list, f).toHaveLength(e.entries);
      expect(list[0], f).toMatchObject(e.first);
      expect(
        list.filter((i) => !isClosedStatus(i.status)),
        f,
      ).toHaveLength(e.open);
      for (const i of list) {
        expect(i.updates.length, `${f} ${i.key}`).toBeGreaterThan(0);
        expect(
          [...i.updates].sort((a, b) => a.createdAt.localeCompare(b.createdAt)),
          f,
        ).toEqual(i.updates);
        for (const u of i.updates) {
          expect(STORY_STATUSES_FOR_TEST).toContain(u.status);
          expect(u.body, `${f} ${i.key}`).not.toMatch(/<\/?(p|br|strong|small|var)\b|&amp;|&nbsp;|&lt;/);
        }
        if (isClosedStatus(i.status)) expect(i.resolvedAt, `${f} ${i.key}`).toBe(i.updates.at(-1)!.createdAt);
      }
    }
  });
  if (!sharedFixturesPresent(dir)) it(NOT_RUN(dir), () => undefined);
});

describe('feed source in a running app', () => {
  let feedServer: Server | undefined;
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.stop();
    await new Promise<void>((r) => (feedServer ? feedServer.close(() => r()) : r()));
  });

  it('the first poll is a silent baseline; a new open entry is announced, its resolution too', async () => {
    let body = own('history.atom');
    feedServer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/atom+xml' }).end(body));
    await new Promise<void>((r) => feedServer!.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(feedServer.address() as AddressInfo).port}/history.atom`;
    t = await startTestApp(`
service: { name: Chatter }
sources:
  - { id: fd, type: feed, url: "${url}", interval: 1h }
announce:
  - { platform: console, channel: "#ops" }
`);
    const source = t.app.sources.get('fd') as unknown as { pollOnce(ctx: unknown): Promise<void> };
    const ctx = {
      emit: (c: Parameters<TestApp['app']['ingest']>[0]) => t!.app.ingest(c).then(() => undefined),
      log: t.app.log,
      signal: new AbortController().signal,
      health: { state: 'pending' },
    };
    // The source's own first poll (started by the app) is the baseline.
    for (let i = 0; i < 500 && t.app.sourceHealth.get('fd')?.state !== 'ok'; i++) await new Promise((r) => setTimeout(r, 20));
    await t.app.drained();
    expect(t.consoleText()).not.toContain('Messages & calls delayed');
    expect(t.app.tracker.openIncidents().map((i) => i.key)).toEqual(['fd:open1']);

    const now = new Date();
    const stamp = (d: Date) =>
      `${d.toUTCString().slice(8, 11)} <var data-var='date'>${d.getUTCDate()}</var>, <var data-var='time'>${d.toISOString().slice(11, 16)}</var> UTC`;
    const entry = (status: string, text: string) =>
      `<entry><id>tag:x,2005:Incident/9</id><published>${now.toISOString()}</published><link rel="alternate" href="https://status.relay-test.example/incidents/new9"/><title>Uploads failing</title><content type="html">${escapeXml(`<p><small>${stamp(now)}</small><br><strong>${status}</strong> - ${text}</p>`)}</content></entry>`;
    body = own('history.atom').replace('<entry>', `${entry('Investigating', 'Uploads fail for some users.')}<entry>`);
    await source.pollOnce(ctx);
    await t.app.drained();
    expect(t.consoleText()).toContain('Uploads failing');
    expect(t.consoleText()).toContain('Uploads fail for some users.');

    body = own('history.atom').replace('<entry>', `${entry('Resolved', 'Uploads work again.')}<entry>`);
    await source.pollOnce(ctx);
    await t.app.drained();
    expect(t.consoleText()).toContain('Uploads work again.');
    expect(t.app.tracker.openIncidents().map((i) => i.key)).toEqual(['fd:open1']);
  });
});

const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
