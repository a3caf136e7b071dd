import { connect } from 'node:net';

export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface StreamOptions {
  readonly chunkBytes?: number;
  /** No Content-Length: `Transfer-Encoding: chunked`, so the server learns the size only while reading. */
  readonly chunked?: boolean;
  /** A pause between chunks: a slow sender is still writing when the server has made up its mind. */
  readonly pauseMs?: number;
}

const parseResponse = (raw: string): RawResponse | undefined => {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine, ...lines] = raw.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { status: Number(statusLine!.split(' ')[1]), headers, body: raw.slice(end + 4) };
};

/**
 * POSTs a body over a raw socket the way senders such as Alertmanager (Go net/http) do: the whole
 * body is written before the answer is read, and the socket stays half-open, so a server that
 * answers and closes early shows up as the error the sender gets (EPIPE, ECONNRESET), which a
 * client that stops writing on an early answer (fetch, node:http) would hide.
 */
export const streamPost = (
  url: string,
  body: Buffer,
  headers: Record<string, string> = {},
  options: StreamOptions = {},
): Promise<RawResponse | { error: string }> =>
  new Promise((resolve) => {
    const u = new URL(url);
    const chunkBytes = options.chunkBytes ?? 64 * 1024;
    const socket = connect({ host: u.hostname, port: Number(u.port), allowHalfOpen: true });
    let received = '';
    let error: string | undefined;
    let written = false;
    socket.on('data', (d: Buffer) => (received += d.toString('utf8')));
    socket.on('error', (e: NodeJS.ErrnoException) => (error ??= e.code ?? e.message));
    socket.on('close', () => {
      const response = parseResponse(received);
      if (error !== undefined || !written) resolve({ error: error ?? 'closed before the body was written' });
      else if (!response) resolve({ error: 'no response' });
      else resolve(response);
    });
    const head = [
      `POST ${u.pathname}${u.search} HTTP/1.1`,
      `Host: ${u.host}`,
      // So the socket closes once answered, and the result is known without waiting for keep-alive.
      'Connection: close',
      'Content-Type: application/json',
      options.chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${body.length}`,
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    ];
    socket.write(`${head.join('\r\n')}\r\n\r\n`);
    let offset = 0;
    const writeMore = (): void => {
      while (offset < body.length) {
        if (error !== undefined || socket.destroyed) return;
        const chunk = body.subarray(offset, offset + chunkBytes);
        offset += chunk.length;
        const flushed = socket.write(
          options.chunked ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]) : chunk,
        );
        if (options.pauseMs) {
          setTimeout(writeMore, options.pauseMs);
          return;
        }
        if (!flushed) {
          socket.once('drain', writeMore);
          return;
        }
      }
      socket.end(options.chunked ? '0\r\n\r\n' : '', () => (written = true));
    };
    writeMore();
  });
