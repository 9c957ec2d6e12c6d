import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDockhand, type TestDockhand } from '../../test/helpers/app.js';
import { SiteService, type GuestPageInput } from './service.js';
import { originCharter } from '../../test/helpers/site.js';

const charter = (overrides: Partial<GuestPageInput> = {}): GuestPageInput => originCharter(overrides);

const actor = { actor: 'test' };

/** A GET with the path sent exactly as written (fetch would resolve "..", as browsers do). */
function rawGet(base: string, path: string): Promise<{ status: number; body: string; type: string | undefined }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: res.headers['content-type'] }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('guest pages over HTTP', () => {
  let t: TestDockhand;
  let site: SiteService;
  beforeAll(async () => {
    // The whole app: only a process that publishes and serves keeps the built-in page cache.
    t = await startDockhand({ background: false });
    site = new SiteService(t.dockhand.ctx);
  });
  afterAll(() => t.close());

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${t.url}${path}`, { headers });

  it('serves the origin charter at /g/<slug>/ and /g/<slug> with the page headers', async () => {
    const { slug, url } = await site.publish(charter(), actor);
    expect(url).toBe(`${t.url}/g/${slug}/`);
    for (const path of [`/g/${slug}/`, `/g/${slug}`]) {
      const res = await get(path);
      expect(res.status).toBe(200);
      const body = await res.text();
      for (const text of ['Boatsetter Guest', 'Sheraton Marina', 'JADA', 'Charter aboard JADA', 'Thursday, May 30, 2024', '9:00 AM – 12:00 PM PDT', '3 hours', '6 guests']) {
        expect(body).toContain(text);
      }
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('x-robots-tag')).toContain('noindex');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(body)?.[1];
      expect(meta).toBeDefined();
      expect(res.headers.get('content-security-policy')).toBe(meta!.replaceAll('&#39;', "'"));
      expect(body).toContain('<meta name="robots" content="noindex');
      expect(body).toMatch(/<html lang="en">/);
      expect(body).toMatch(/<title>Charter aboard JADA – Thursday, May 30, 2024<\/title>/);
      expect(body).not.toContain('has been cancelled');
    }
  });

  it('is small, self-contained and links to no other host', async () => {
    const { slug } = await site.publish(charter({ booking_ref: 'bk_small', date: `${new Date().getUTCFullYear() + 1}-05-30` }), actor);
    const res = await get(`/g/${slug}/`);
    const body = await res.text();
    expect(Buffer.byteLength(body)).toBeLessThan(30 * 1024);
    expect(body).not.toMatch(/https?:\/\//i);
    expect(body).not.toMatch(/\/\/[a-z0-9.-]+\.[a-z]{2,}/i);
    expect(body).not.toMatch(/<img|<iframe|@import|url\(|<script src/i);
    expect(body.match(/<script>/g)).toHaveLength(1);
    for (const [, value] of body.matchAll(/(?:src|href|action)\s*=\s*"([^"]*)"/gi)) expect(value).toMatch(new RegExp(`^(data:|/g/${slug}/)`));
    expect(body).toContain('prefers-color-scheme:dark');
    // What a browser checks: the inline stylesheet's and script's own hashes must be the ones the policy allows.
    const policy = res.headers.get('content-security-policy')!;
    const style = /<style>([\s\S]*?)<\/style>/.exec(body)![1]!;
    expect(policy).toContain(`style-src 'sha256-${createHash('sha256').update(style).digest('base64')}'`);
    const script = /<script>([\s\S]*?)<\/script>/.exec(body)![1]!;
    expect(policy).toContain(`script-src 'sha256-${createHash('sha256').update(script).digest('base64')}'`);
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("connect-src 'self';");
    expect(policy).toContain("form-action 'self'");
    expect(body).not.toMatch(/ style="/);
    expect(body).not.toMatch(/ on[a-z]+="/);
    expect(body).toContain('name="viewport" content="width=device-width, initial-scale=1"');
  });

  it('labels its controls and offers the charter as a calendar entry in UTC with a stable UID', async () => {
    const open = await site.publish(charter({ booking_ref: 'bk_form', date: `${new Date().getUTCFullYear() + 1}-05-30` }), actor);
    const form = await (await get(`/g/${open.slug}/`)).text();
    expect(form).toContain('<label for="files">Add your photos</label>');
    expect(form).toContain('<input id="files" name="photo" type="file"');
    expect(form).toMatch(new RegExp(`<form id="up" method="post" action="/g/${open.slug}/upload" enctype="multipart/form-data"`));
    expect(Buffer.byteLength(form)).toBeLessThan(30 * 1024);

    const { slug } = await site.publish(charter({ booking_ref: 'bk_ics' }), actor);
    const body = await (await get(`/g/${slug}/`)).text();
    const ics = Buffer.from(/href="data:text\/calendar;charset=utf-8;base64,([^"]+)" download="charter-2024-05-30.ics"/.exec(body)![1]!, 'base64').toString();
    expect(ics).toContain(`UID:${slug}@dockhand\r\n`);
    expect(ics).toContain('DTSTART:20240530T160000Z\r\n');
    expect(ics).toContain('DTEND:20240530T190000Z\r\n');
    expect(ics).toContain('SEQUENCE:1\r\n');
    expect(ics).toMatch(/DTSTAMP:\d{8}T\d{6}Z\r\n/);
    expect(ics).toContain('LOCATION:Sheraton Marina\r\n');
    await site.publish(charter({ booking_ref: 'bk_ics', start_time: '10:00' }), actor);
    const moved = await (await get(`/g/${slug}/`)).text();
    const again = Buffer.from(/base64,([^"]+)"/.exec(moved)![1]!, 'base64').toString();
    expect(again).toContain(`UID:${slug}@dockhand\r\n`);
    expect(again).toContain('SEQUENCE:2\r\n');
    expect(again).toContain('DTSTART:20240530T170000Z\r\n');
  });

  it('escapes what the guest typed', async () => {
    const { slug } = await site.publish(
      charter({ booking_ref: 'bk_xss', guest_name: '<script>alert(1)</script>', location: '"><img src=x onerror=alert(2)>' }),
      actor,
    );
    const body = await (await get(`/g/${slug}/`)).text();
    expect(body).not.toContain('<script>alert(1)</script>');
    expect(body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(body).not.toContain('<img');
    expect(body).toContain('&quot;&gt;&lt;img src=x onerror=alert(2)&gt;');
  });

  it('a republished page shows the change at once, though the first version was cached', async () => {
    const { slug } = await site.publish(charter({ booking_ref: 'bk_cache' }), actor);
    expect(await (await get(`/g/${slug}/`)).text()).toContain('Sheraton Marina');
    // The built-in cache exists only where one process owns the data (SQLite); on PostgreSQL pages come from storage.
    if (t.dockhand.ctx.dialect === 'sqlite') expect(t.dockhand.ctx.pageCache!.get(`/g/${slug}.html`)).toBeDefined();
    else expect(t.dockhand.ctx.pageCache).toBeUndefined();
    const again = await site.publish(charter({ booking_ref: 'bk_cache', location: 'Shelter Island Guest Dock' }), actor);
    expect(again.slug).toBe(slug);
    const body = await (await get(`/g/${slug}`)).text();
    expect(body).toContain('Shelter Island Guest Dock');
    expect(body).not.toContain('Sheraton Marina');
  });

  it('a cancelled charter says so in a banner, and its upload form is replaced by a message', async () => {
    const { slug } = await site.publish(charter({ booking_ref: 'bk_cancel' }), actor);
    await site.publish(charter({ booking_ref: 'bk_cancel', status: 'cancelled' }), actor);
    const body = await (await get(`/g/${slug}/`)).text();
    expect(body).toMatch(/<div class="banner" role="alert"><strong>This charter has been cancelled\.<\/strong>/);
    expect(body).toContain('<title>Cancelled: Charter aboard JADA');
    expect(body).not.toContain('<form');
    expect(body).toContain('This charter was cancelled, so it no longer takes photos.');
  });

  it('an old charter, past its 30 days, shows uploads closed instead of the form', async () => {
    const { slug } = await site.publish(charter({ booking_ref: 'bk_old', date: '2020-01-10' }), actor);
    const body = await (await get(`/g/${slug}/`)).text();
    expect(body).not.toContain('<form');
    expect(body).toContain('Photo uploads for this charter are closed.');
  });

  it('shows the end date when a charter runs past midnight, and leaves out what is unknown', async () => {
    const { slug } = await site.publish(
      charter({ booking_ref: 'bk_night', start_time: '22:30', duration_hours: 4, boat: null, party_size: null }),
      actor,
    );
    const body = await (await get(`/g/${slug}/`)).text();
    expect(body).toContain('10:30 PM PDT');
    expect(body).toContain('Friday, May 31, 2024, 2:30 AM PDT');
    expect(body).not.toContain('<dt>Boat</dt>');
    expect(body).not.toContain('<dt>Party size</dt>');
  });

  it('answers unknown and malformed slugs with a plain HTML 404 page', async () => {
    for (const path of ['/g/may-30-boatsetter-zzzzzzzz/', '/g/may-30-boatsetter-zzzzzzzz', '/g/%2E%2E%2Fetc/', '/g/..%2Fetc%2Fpasswd', '/g/Upper-Case/', '/g/-dash/', '/g/a.html']) {
      const res = await rawGet(t.url, path);
      expect(res.status, path).toBe(404);
      expect(res.type).toBe('text/html; charset=utf-8');
      expect(res.body).toContain('We could not find this charter page');
    }
  });

  it('sends an ETag and answers If-None-Match with 304 until the page changes', async () => {
    const { slug } = await site.publish(charter({ booking_ref: 'bk_etag' }), actor);
    const first = await get(`/g/${slug}/`);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{16,}"$/);
    expect((await get(`/g/${slug}`)).headers.get('etag')).toBe(etag);
    const cached = await get(`/g/${slug}/`, { 'if-none-match': etag });
    expect(cached.status).toBe(304);
    expect(await cached.text()).toBe('');
    expect(cached.headers.get('etag')).toBe(etag);
    expect((await get(`/g/${slug}/`, { 'if-none-match': `"other", W/${etag}` })).status).toBe(304);
    expect((await get(`/g/${slug}/`, { 'if-none-match': '"stale"' })).status).toBe(200);

    await site.publish(charter({ booking_ref: 'bk_etag', guest_name: 'Renamed Guest' }), actor);
    const changed = await get(`/g/${slug}/`, { 'if-none-match': etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect(await changed.text()).toContain('Renamed Guest');
  });
});
