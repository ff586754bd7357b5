/**
 * A real HTTP webhook receiver on loopback (port 0) for delivery tests: it records every request
 * and answers as the test's script says — a status with a body and headers, a dropped connection,
 * or no answer at all.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  /** Path and query as sent. */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

export type Reply = { status: number; body?: string; headers?: Record<string, string> } | 'drop' | 'hang';

export interface Receiver {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  base: string;
  received: Received[];
  close(): Promise<void>;
}

/** `answer` is called with each request and its 1-based number. */
export async function startReceiver(answer: (request: Received, n: number) => Reply): Promise<Receiver> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request: Received = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      received.push(request);
      const reply = answer(request, received.length);
      if (reply === 'drop') return req.socket.destroy();
      if (reply === 'hang') return;
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
