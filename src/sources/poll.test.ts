import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it, expect } from 'vitest';
import { ConditionalGet } from './poll.ts';

describe('ConditionalGet (the statuspage and feed sources poll through it)', () => {
  it('sends the validators it remembered and reads a 304 as "unchanged"; a body not remembered is fetched in full again', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers);
      if (req.headers['if-none-match'] === '"v1"') return res.writeHead(304).end();
      res.writeHead(200, { etag: '"v1"', 'last-modified': 'Mon, 02 Mar 2026 09:00:00 GMT' }).end('{"page":{}}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v2/summary.json`;
    const http = new ConditionalGet('application/json');
    const signal = new AbortController().signal;
    try {
      const first = await http.get(url, signal);
      expect(first?.text).toBe('{"page":{}}');
      // Not remembered (say the body failed to parse): the next request asks for the full body again.
      const second = await http.get(url, signal);
      expect(seen[1]!['if-none-match']).toBeUndefined();
      second!.remember();
      expect(await http.get(url, signal)).toBeUndefined();
      expect(seen[2]).toMatchObject({
        'if-none-match': '"v1"',
        'if-modified-since': 'Mon, 02 Mar 2026 09:00:00 GMT',
        accept: 'application/json',
      });
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('reports an error status as a failure naming the URL', async () => {
    const server = createServer((_req, res) => res.writeHead(503).end('down'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/x`;
    try {
      await expect(new ConditionalGet('application/json').get(url, new AbortController().signal)).rejects.toThrow(`HTTP 503 from ${url}`);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
