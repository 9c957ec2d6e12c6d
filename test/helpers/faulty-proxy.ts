import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FaultRates {
  /** Answer 500 without forwarding. */
  fail: number;
  /** Forward, then hold the answer this long (past the caller's timeout). */
  delay: number;
  delayMs: number;
  /** Forward, let the server act, then cut the connection instead of answering. */
  drop: number;
}

export interface FaultyProxy {
  url: string;
  counts: { forwarded: number; failed: number; delayed: number; dropped: number };
  close(): Promise<void>;
}

/** An HTTP proxy on loopback that misbehaves the way real networks and services do, at set rates. */
export async function startFaultyProxy(target: string, rates: FaultRates): Promise<FaultyProxy> {
  const upstream = new URL(target);
  const counts = { forwarded: 0, failed: 0, delayed: 0, dropped: 0 };
  const server: Server = createServer((req, res) => {
    const roll = Math.random();
    if (roll < rates.fail) {
      counts.failed++;
      req.resume();
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"injected","message":"injected failure"}');
      return;
    }
    const mode = roll < rates.fail + rates.delay ? 'delay' : roll < rates.fail + rates.delay + rates.drop ? 'drop' : 'pass';
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('end', () => {
          if (mode === 'drop') {
            counts.dropped++;
            res.socket?.destroy();
            return;
          }
          const send = () => {
            if (res.destroyed) return;
            res.writeHead(answer.statusCode ?? 502, answer.headers).end(Buffer.concat(chunks));
          };
          if (mode === 'delay') {
            counts.delayed++;
            setTimeout(send, rates.delayMs);
          } else {
            counts.forwarded++;
            send();
          }
        });
      },
    );
    forward.on('error', () => res.socket?.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
