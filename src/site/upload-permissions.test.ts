import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, eventually, startDockhand, type TestDockhand } from '../../test/helpers/app.js';
import { upcomingCharter } from '../../test/helpers/site.js';
import { scheduleJob } from '../jobs/sql/schedule.js';
import { PHOTO, photoKey } from './photo-store.js';
import { SiteService } from './service.js';

const actor = { actor: 'test' };
let hop = 0;
/** Each request from an address of its own (TRUST_PROXY is on) unless the test names one. */
const from = (address = `198.51.100.${(hop++ % 250) + 1}`) => ({ 'x-forwarded-for': address });

function formOf(fields: Record<string, string>, file: Buffer): FormData {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('file', new Blob([new Uint8Array(file)], { type: 'image/jpeg' }), 'IMG_0001.jpg');
  return form;
}

describe('upload permissions', () => {
  let t: TestDockhand;
  let site: SiteService;
  let photo: Buffer;
  beforeAll(async () => {
    t = await startDockhand({ only: 'site', env: { TRUST_PROXY: 'true' } });
    site = new SiteService(t.dockhand.ctx);
    // About 1 MB of noise, so many bodies are still streaming when the first is stored.
    const noise = Buffer.alloc(700 * 500 * 3);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
    photo = await sharp(noise, { raw: { width: 700, height: 500, channels: 3 } }).jpeg({ quality: 100 }).toBuffer();
  });
  afterAll(() => t.close());

  const presign = async (slug: string) => {
    const res = await api(`${t.url}/g/presign`, { headers: from(), body: { slug, filename: 'IMG_0001.jpg', content_type: 'image/jpeg', size: photo.length } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as { url: string; key: string; fields: Record<string, string> };
  };
  const send = async (signed: { url: string; fields: Record<string, string> }, headers = from()) => {
    const res = await fetch(signed.url, { method: 'POST', headers, body: formOf(signed.fields, photo) });
    return { status: res.status, body: (await res.json()) as { error?: string; message?: string; photo?: { id: string } }, headers: res.headers };
  };
  const rowsOf = (key: string) => t.dockhand.ctx.db.selectFrom('photos').selectAll().where('upload_key', '=', key).execute();

  it('lets exactly one of many simultaneous uses of one permission through', async () => {
    const slug = (await site.publish(upcomingCharter({ booking_ref: 'bk_perm_once' }), actor)).slug;
    const signed = await presign(slug);
    const results = await Promise.all(Array.from({ length: 8 }, () => send(signed)));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    for (const r of results.filter((r) => r.status === 409)) expect(r.body.message).toMatch(/already used\. Ask \/g\/presign for a new one/);
    expect(await rowsOf(signed.key)).toHaveLength(1);
    expect(readdirSync(join(t.dataDir, 'incoming'))).toEqual([]);
    // Once the processor is done, the only object the permission made is gone too: nothing late is left behind.
    await eventually(async () => (await rowsOf(signed.key))[0]?.status === 'ready', 15_000, 'the photo to be processed');
    await eventually(async () => (await t.dockhand.ctx.storage.get(signed.key)) === undefined, 5000, 'the original to be deleted');
    expect((await send(signed)).status).toBe(409);
  });

  it('lets a permission be used again when its upload stored nothing', async () => {
    const slug = (await site.publish(upcomingCharter({ booking_ref: 'bk_perm_retry' }), actor)).slug;
    const signed = await presign(slug);
    const empty = new FormData();
    for (const [k, v] of Object.entries(signed.fields)) empty.append(k, v);
    empty.append('file', new Blob([], { type: 'image/jpeg' }), 'IMG_0001.jpg');
    expect((await fetch(signed.url, { method: 'POST', headers: from(), body: empty })).status).toBe(400);
    expect(await rowsOf(signed.key)).toEqual([]);
    expect((await send(signed)).status).toBe(201);
  });

  it('checks the page again when the upload arrives: a cancelled charter takes nothing', async () => {
    const slug = (await site.publish(upcomingCharter({ booking_ref: 'bk_perm_cancel' }), actor)).slug;
    const signed = await presign(slug);
    await site.publish(upcomingCharter({ booking_ref: 'bk_perm_cancel', status: 'cancelled' }), actor);
    const late = await send(signed);
    expect(late).toMatchObject({ status: 409, body: { error: 'charter_cancelled' } });
    expect(late.body.message).toMatch(/cancelled, so it no longer takes photos/);
    expect(await rowsOf(signed.key)).toEqual([]);
    expect(await t.dockhand.ctx.storage.get(signed.key)).toBeUndefined();
  });

  it('deletes a late upload to the bucket when its registration is refused', async () => {
    const slug = (await site.publish(upcomingCharter({ booking_ref: 'bk_perm_late' }), actor)).slug;
    const signed = await presign(slug);
    // As S3 would hold it: the browser posted straight to the bucket, then the charter was cancelled.
    await t.dockhand.ctx.storage.put(signed.key, photo, 'image/jpeg');
    await site.publish(upcomingCharter({ booking_ref: 'bk_perm_late', status: 'cancelled' }), actor);
    const registered = await api(`${t.url}/g/${slug}/photos`, { headers: from(), body: { key: signed.key } });
    expect(registered).toMatchObject({ status: 409, body: { error: 'charter_cancelled' } });
    expect(await t.dockhand.ctx.storage.get(signed.key)).toBeUndefined();
  });

  it('rejects, unread, an upload whose charter was cancelled before it was processed', async () => {
    const slug = (await site.publish(upcomingCharter({ booking_ref: 'bk_perm_queue' }), actor)).slug;
    const key = `g/${slug}/uploads/queuedqueued0001.jpg`;
    await t.dockhand.ctx.storage.put(key, photo, 'image/jpeg');
    await site.publish(upcomingCharter({ booking_ref: 'bk_perm_queue', status: 'cancelled' }), actor);
    const now = new Date().toISOString();
    await t.dockhand.ctx.db
      .insertInto('photos')
      .values({
        id: 'ph_queuedafter01', slug, upload_key: key, filename: 'IMG_0001.jpg', content_type: 'image/jpeg', size_bytes: photo.length, status: 'uploaded',
        width: null, height: null, attempts: 0, last_error: null, next_attempt_at: now, lease_until: null, created_at: now, updated_at: now,
      })
      .execute();
    await scheduleJob(t.dockhand.ctx.db, { kind: PHOTO, key: photoKey('ph_queuedafter01'), runAt: now, payload: { photo_id: 'ph_queuedafter01' } });
    t.dockhand.ctx.jobs.kick(PHOTO);
    const row = await eventually(async () => {
      const r = (await rowsOf(key))[0];
      return r?.status === 'rejected' && r;
    }, 15_000, 'the queued photo to be rejected');
    expect(row.last_error).toMatch(/cancelled, so it no longer takes photos/);
    // The original goes right after the row is marked.
    await eventually(async () => (await t.dockhand.ctx.storage.get(key)) === undefined, 5000, 'the original to be deleted');
    expect(readdirSync(join(t.dataDir, 'site', 'g', slug))).not.toContain('p');
  });

  it('limits /g/upload per address before reading the body', async () => {
    const address = '203.0.113.77';
    const statuses: number[] = [];
    for (let i = 0; i < 121; i++) {
      const res = await fetch(`${t.url}/g/upload`, { method: 'POST', headers: { ...from(address), 'content-type': 'text/plain' }, body: 'x' });
      statuses.push(res.status);
      if (res.status === 429) {
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(((await res.json()) as { message: string }).message).toMatch(/Too many uploads from your address.*Wait a minute/);
      } else await res.arrayBuffer();
    }
    expect(statuses.filter((s) => s === 400)).toHaveLength(120);
    expect(statuses.at(-1)).toBe(429);
    // Another address is not held back by that one.
    const signed = await presign((await site.publish(upcomingCharter({ booking_ref: 'bk_perm_limit' }), actor)).slug);
    expect((await send(signed)).status).toBe(201);
  });
});
