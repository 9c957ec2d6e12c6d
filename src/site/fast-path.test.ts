import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDockhand, type TestDockhand } from '../../test/helpers/app.js';
import { originCharter } from '../../test/helpers/site.js';
import { SiteService } from './service.js';

function raw(base: string, path: string, method = 'GET', headers: Record<string, string> = {}) {
  const { hostname, port } = new URL(base);
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const req = httpRequest({ hostname, port, path, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const withoutDate = (headers: Record<string, unknown>) => Object.fromEntries(Object.entries(headers).filter(([k]) => k !== 'date'));

describe('guest pages answered from the built-in cache ahead of Fastify', () => {
  let t: TestDockhand;
  let site: SiteService;
  beforeAll(async () => {
    t = await startDockhand({ background: false });
    site = new SiteService(t.dockhand.ctx);
  });
  afterAll(() => t.close());

  it('answers a cached page exactly as the route does on a miss: same headers, same bytes, 304 and HEAD too', async () => {
    const { slug } = await site.publish(originCharter({ booking_ref: 'bk_fast' }), { actor: 'test' });
    const miss = await raw(t.url, `/g/${slug}/`);
    // Only a process that publishes and serves with SQLite keeps the built-in cache (and so the fast path).
    if (t.dockhand.ctx.pageCache) expect(t.dockhand.ctx.pageCache.get(`/g/${slug}.html`)).toBeDefined();
    const hit = await raw(t.url, `/g/${slug}/`);
    expect(hit.status).toBe(200);
    expect(hit.body).toBe(miss.body);
    expect(withoutDate(hit.headers)).toEqual(withoutDate(miss.headers));
    expect(hit.headers['content-security-policy']).toBeTruthy();
    expect(hit.headers['x-frame-options']).toBe('DENY');

    const notModified = await raw(t.url, `/g/${slug}`, 'GET', { 'if-none-match': String(hit.headers.etag) });
    expect(notModified.status).toBe(304);
    expect(notModified.body).toBe('');
    expect(notModified.headers.etag).toBe(hit.headers.etag);
    expect(notModified.headers['content-security-policy']).toBe(hit.headers['content-security-policy']);

    const head = await raw(t.url, `/g/${slug}/`, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['content-length']).toBe(hit.headers['content-length']);
  });

  it('serves the new page after a publish, and leaves other paths and methods to Fastify', async () => {
    const { slug } = await site.publish(originCharter({ booking_ref: 'bk_fast_2' }), { actor: 'test' });
    const before = await raw(t.url, `/g/${slug}/`);
    await raw(t.url, `/g/${slug}/`);
    await site.publish(originCharter({ booking_ref: 'bk_fast_2', guest_name: 'Renamed Guest' }), { actor: 'test' });
    const after = await raw(t.url, `/g/${slug}/`);
    expect(after.body).toContain('Renamed Guest');
    expect(after.headers.etag).not.toBe(before.headers.etag);
    expect((await raw(t.url, `/g/${slug}/?x=1`)).body).toBe(after.body);
    expect((await raw(t.url, `/g/${slug}/`, 'POST')).status).toBe(404);
    expect((await raw(t.url, '/g/Upper-Case/')).status).toBe(404);
  });
});
