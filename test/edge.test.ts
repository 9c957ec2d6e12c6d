import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startDockhand, type TestDockhand } from './helpers/app.js';

/** A raw HTTP request with whatever Host and headers a client (or an attacker's page) sends. */
function raw(base: string, path: string, headers: Record<string, string>, method = 'GET', body?: string): Promise<{ status: number; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, method, headers, setHost: false }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Resolves when the server closes the connection; nothing is timed. */
const closedByServer = (socket: Socket) => new Promise<string>((resolve) => {
  let received = '';
  socket.on('data', (c) => (received += c));
  socket.on('close', () => resolve(received));
});

const open = (base: string) =>
  new Promise<Socket>((resolve, reject) => {
    const url = new URL(base);
    const socket = connect(Number(url.port), url.hostname, () => resolve(socket));
    socket.on('error', reject);
  });

describe('the HTTP edge', () => {
  let t: TestDockhand;
  let host: string;
  beforeAll(async () => {
    t = await startDockhand({ env: { PUBLIC_BASE_URL: 'https://dock.example.com', HTTP_HEADERS_TIMEOUT: '1', HTTP_REQUEST_TIMEOUT: '1', MAX_CONNECTIONS_PER_ADDRESS: '8', ALLOWED_HOSTS: 'calendar.internal' } });
    host = new URL(t.url).host;
  });
  afterAll(() => t.close());

  it('answers only for loopback and the PUBLIC_BASE_URL host, on every route', async () => {
    for (const path of ['/healthz', '/bookings', '/dev/mail.json', '/dashboard/signin', '/g/abc/']) {
      const rebound = await raw(t.url, path, { host: 'attacker.example:8080', ...t.operator });
      expect(rebound.status, path).toBe(421);
      expect(rebound.body).toMatch(/does not answer for the host/);
    }
    expect((await raw(t.url, '/healthz', { host: 'dock.example.com' })).status).toBe(200);
    expect((await raw(t.url, '/healthz', { host: `localhost:${new URL(t.url).port}` })).status).toBe(200);
    expect((await raw(t.url, '/healthz', { host })).status).toBe(200);
    expect((await raw(t.url, '/healthz', { host: 'calendar.internal:8080' })).status).toBe(200);
  });

  it('shows the outbox only to a direct local browser; forwarded or public-Host requests need the operator credential', async () => {
    expect((await raw(t.url, '/dev/mail.json', { host })).status).toBe(200);
    for (const headers of <Record<string, string>[]>[{ 'x-real-ip': '203.0.113.9' }, { via: '1.1 proxy' }, { 'x-forwarded-host': 'dock.example.com' }, { forwarded: 'for=203.0.113.9' }]) {
      expect((await raw(t.url, '/dev/mail.json', { host, ...headers })).status, JSON.stringify(headers)).toBe(401);
      expect((await raw(t.url, '/dev/mail.json', { host, ...headers, ...t.operator })).status).toBe(200);
    }
    // What a TCP forwarder on this machine delivers: a loopback socket carrying the public Host.
    expect((await raw(t.url, '/dev/mail.json', { host: 'dock.example.com' })).status).toBe(401);
  });

  it('checks credentials before reading a body: an unauthenticated broken body is 401, not 400', async () => {
    for (const path of ['/bookings', '/calendar', '/events', '/crew']) {
      const res = await raw(t.url, path, { host, 'content-type': 'application/json' }, 'POST', '{"broken');
      expect(res.status, path).toBe(401);
    }
  });

  it('refuses ids that are not in their format before any query', async () => {
    for (const path of ['/bookings/bk%00x', '/calendar/%E2%80%AEx', '/events/a%20b', '/crew/x%0Ay', '/m/%00', '/g/a%00b/photos']) {
      const res = await api(`${t.url}${path}`, { headers: { ...t.operator, ...t.service } });
      expect(res.status, path).toBe(404);
    }
  });

  it('closes a connection whose headers or body trickle past the deadline', async () => {
    const slowHeaders = await open(t.url);
    const closedHeaders = closedByServer(slowHeaders);
    slowHeaders.write(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\n`);
    expect(await closedHeaders).toMatch(/^(HTTP\/1.1 408|)/);

    const slowBody = await open(t.url);
    const closedBody = closedByServer(slowBody);
    slowBody.write(`POST /bookings HTTP/1.1\r\nHost: ${host}\r\nAuthorization: ${t.operator.authorization}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`);
    expect(await closedBody).toMatch(/^(HTTP\/1.1 408|)/);
  });

  it('holds at most MAX_CONNECTIONS_PER_ADDRESS connections from one address', async () => {
    const held = await Promise.all(Array.from({ length: 8 }, () => open(t.url)));
    const extra = await open(t.url);
    expect(await closedByServer(extra)).toBe('');
    for (const s of held) s.destroy();
    await Promise.all(held.map((s) => new Promise((r) => (s.destroyed ? r(null) : s.on('close', r)))));
  });
});
