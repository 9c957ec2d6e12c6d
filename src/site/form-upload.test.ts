import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, eventually, startDockhand, type TestDockhand } from '../../test/helpers/app.js';
import { MAX_PHOTO_BYTES } from './limits.js';
import { SiteService, type GuestPageInput } from './service.js';
import { upcomingCharter } from '../../test/helpers/site.js';

const charter = (ref: string): GuestPageInput => upcomingCharter({ booking_ref: ref });
const actor = { actor: 'test' };
const png = (color: string) => sharp({ create: { width: 800, height: 600, channels: 3, background: color } }).png().toBuffer();

describe('the plain upload form (no script)', () => {
  let t: TestDockhand;
  let site: SiteService;
  beforeAll(async () => {
    t = await startDockhand({ only: 'site' });
    site = new SiteService(t.dockhand.ctx);
  });
  afterAll(() => t.close());

  it('takes a plain form post (no script) and redirects back to a page that shows the photos', async () => {
    const page = (await site.publish(charter('bk_up_form'), actor)).slug;
    const form = new FormData();
    form.append('photo', new Blob([new Uint8Array(await png('#ff0000'))], { type: 'image/png' }), 'red.png');
    form.append('photo', new Blob([new Uint8Array(await png('#00ff00'))], { type: 'image/png' }), 'green.png');
    const res = await fetch(`${t.url}/g/${page}/upload`, { method: 'POST', body: form, redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/g/${page}/#photos`);
    const html = await (await fetch(`${t.url}/g/${page}/`)).text();
    expect(html.match(/<img /g)).toHaveLength(2);

    const bad = new FormData();
    bad.append('photo', new Blob(['just words'], { type: 'image/jpeg' }), 'words.jpg');
    bad.append('photo', new Blob(['%PDF-1.4'], { type: 'application/pdf' }), 'menu.pdf');
    const refused = await fetch(`${t.url}/g/${page}/upload`, { method: 'POST', body: bad, redirect: 'manual' });
    expect(refused.status).toBe(422);
    expect(refused.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const text = await refused.text();
    expect(text).toContain('&quot;words.jpg&quot; is not a photo we can read');
    expect(text).toContain('&quot;menu.pdf&quot; is not a JPEG, PNG, WebP or HEIC photo');
    expect(text).toContain(`href="/g/${page}/"`);

    const huge = new FormData();
    huge.append('photo', new Blob([new Uint8Array(MAX_PHOTO_BYTES + 1)], { type: 'image/jpeg' }), 'huge.jpg');
    const tooBig = await fetch(`${t.url}/g/${page}/upload`, { method: 'POST', body: huge, redirect: 'manual' });
    expect(tooBig.status).toBe(413);
    expect(await tooBig.text()).toContain('&quot;huge.jpg&quot; is larger than 25 MB');
    await eventually(async () => readdirSync(join(t.dataDir, 'incoming')).length === 0, 2000, 'incoming to be empty');
  });
});

describe('upload rate limit', () => {
  let t: TestDockhand;
  beforeAll(async () => {
    t = await startDockhand({ only: 'site' });
  });
  afterAll(() => t.close());

  it('answers 429 with Retry-After once one address has asked 120 times in a minute', async () => {
    const body = { slug: 'may-30-boatsetter-nopage00', filename: 'a.jpg', content_type: 'image/jpeg', size: 10 };
    const statuses: number[] = [];
    for (let i = 0; i < 121; i++) statuses.push((await api(`${t.url}/g/presign`, { body })).status);
    expect(statuses.slice(0, 120).every((s) => s === 404)).toBe(true);
    const last = await api(`${t.url}/g/presign`, { body });
    expect(last.status).toBe(429);
    expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(last.body.message).toMatch(/Wait a minute/);
  });
});
