import { readFileSync, readdirSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, eventually, startDockhand, type TestDockhand } from '../../test/helpers/app.js';
import { MAX_PHOTO_BYTES } from './limits.js';
import { signPolicy } from './policy.js';
import { SiteService, type GuestPageInput } from './service.js';
import { scheduleJob } from '../jobs/sql/schedule.js';
import { PHOTO, photoKey } from './photo-store.js';
import { upcomingCharter } from '../../test/helpers/site.js';

const charter = (ref: string, overrides: Partial<GuestPageInput> = {}): GuestPageInput => upcomingCharter({ booking_ref: ref, ...overrides });
const actor = { actor: 'test' };

const png = (color = '#3366aa', width = 800, height = 600) =>
  sharp({ create: { width, height, channels: 3, background: color } }).png().toBuffer();
/** A JPEG that says where it was taken, as a phone's camera writes it. */
const jpegWithGps = () =>
  sharp({ create: { width: 640, height: 480, channels: 3, background: '#228844' } })
    .jpeg()
    .withExif({ IFD0: { Make: 'TestPhone' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '32/1 42/1 30/1', GPSLongitudeRef: 'W', GPSLongitude: '117/1 9/1 0/1' } })
    .toBuffer();
const hasGpsPointer = (exif: Buffer | undefined) => !!exif && (exif.includes(Buffer.from([0x88, 0x25])) || exif.includes(Buffer.from([0x25, 0x88])));

function formOf(fields: Record<string, string>, file: Buffer, name = 'photo.png', type = 'image/png'): FormData {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('file', new Blob([new Uint8Array(file)], { type }), name);
  return form;
}

describe('photo uploads on the local disk', () => {
  let t: TestDockhand;
  let site: SiteService;
  let slug: string;
  beforeAll(async () => {
    t = await startDockhand({ only: 'site' });
    site = new SiteService(t.dockhand.ctx);
    slug = (await site.publish(charter('bk_up'), actor)).slug;
  });
  afterAll(() => t.close());

  const presign = (body: Record<string, unknown>) => api(`${t.url}/g/presign`, { body });
  const upload = async (url: string, form: FormData) => {
    const res = await fetch(url, { method: 'POST', body: form });
    return { status: res.status, body: (await res.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
  async function uploadPhoto(file: Buffer, type = 'image/png', name = 'photo.png') {
    const signed = await presign({ slug, filename: name, content_type: type, size: file.length });
    expect(signed.status).toBe(200);
    const sent = await upload(signed.body.url, formOf(signed.body.fields, file, name, type));
    expect(sent.status).toBe(201);
    return api(`${t.url}/g/${slug}/photos`, { body: { key: signed.body.key } });
  }

  it('presigns one photo under the page\'s own prefix, expiring in 10 minutes', async () => {
    const res = await presign({ slug, filename: 'IMG_0001.JPG', content_type: 'image/jpeg', size: 3_000_000 });
    expect(res.status).toBe(200);
    expect(res.body.url).toBe(`${t.url}/g/upload`);
    expect(res.body.key).toMatch(new RegExp(`^g/${slug}/uploads/[A-Za-z0-9_-]{16}\\.jpg$`));
    expect(res.body.fields).toMatchObject({ key: res.body.key, 'Content-Type': 'image/jpeg' });
    expect(res.body.fields.policy).toBeTruthy();
    expect(res.body.fields.signature).toBeTruthy();
    const minutes = (Date.parse(res.body.expires_at) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(9.5);
    expect(minutes).toBeLessThanOrEqual(10);
  });

  it('refuses with a reason: unknown page, cancelled charter, uploads closed, wrong type, too large, bad body', async () => {
    const cancelled = (await site.publish(charter('bk_up_cancel'), actor)).slug;
    await site.publish(charter('bk_up_cancel', { status: 'cancelled' }), actor);
    const old = (await site.publish(charter('bk_up_old', { date: '2024-05-30' }), actor)).slug;
    const ok = { filename: 'a.jpg', content_type: 'image/jpeg', size: 1000 };
    const cases: [Record<string, unknown>, number, string, RegExp][] = [
      [{ ...ok, slug: 'may-30-boatsetter-nopage00' }, 404, 'page_not_found', /no charter page/i],
      [{ ...ok, slug: cancelled }, 409, 'charter_cancelled', /cancelled/],
      [{ ...ok, slug: old }, 403, 'uploads_closed', /closed on 2024-06-29, 30 days after/],
      [{ ...ok, slug, content_type: 'application/pdf', filename: 'menu.pdf' }, 415, 'unsupported_type', /"menu.pdf" is not a JPEG, PNG, WebP or HEIC/],
      [{ ...ok, slug, size: 26 * 1024 * 1024, filename: 'big.jpg' }, 413, 'too_large', /"big.jpg" is 26 MB; photos can be at most 25 MB/],
      [{ ...ok, slug, size: -1 }, 422, 'validation_failed', /size/],
      [{ ...ok, slug, extra: 1 }, 422, 'validation_failed', /extra/],
    ];
    for (const [body, status, code, message] of cases) {
      const res = await presign(body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.body.error).toBe(code);
      expect(res.body.message).toMatch(message);
    }
  });

  it('takes a presigned upload, processes it, and shows it in the gallery JSON, the page and the files', async () => {
    const res = await uploadPhoto(await png('#aa3366'));
    expect(res.status).toBe(200);
    const photo = res.body.photo;
    expect(photo).toMatchObject({ status: 'ready', width: 800, height: 600, filename: 'photo.png', message: null });
    expect(photo.thumb_url).toBe(`${t.url}/g/${slug}/p/${photo.id}-t.webp`);

    const gallery = await api(`${t.url}/g/${slug}/photos`);
    expect(gallery.status).toBe(200);
    expect(gallery.body).toMatchObject({ slug, uploads_open: true, download_url: `${t.url}/g/${slug}/photos.zip` });
    expect(gallery.body.photos.map((p: { id: string }) => p.id)).toContain(photo.id);

    for (const [url, type] of [[photo.thumb_url, 'image/webp'], [photo.web_url, 'image/webp'], [photo.full_url, 'image/jpeg']] as const) {
      const file = await fetch(url);
      expect(file.status).toBe(200);
      expect(file.headers.get('content-type')).toBe(type);
      expect(file.headers.get('cache-control')).toContain('immutable');
    }
    const thumb = await sharp(Buffer.from(await (await fetch(photo.thumb_url)).arrayBuffer())).metadata();
    expect([thumb.width, thumb.height]).toEqual([480, 480]);
    const page = await (await fetch(`${t.url}/g/${slug}/`)).text();
    expect(page).toContain(`<img src="/g/${slug}/p/${photo.id}-t.webp"`);
    // The original, with whatever metadata it carried, is gone once the clean copies exist.
    expect(readdirSafe(join(t.dataDir, 'site', 'g', slug, 'uploads'))).toEqual([]);
  });

  it('serves an uploaded JPEG back without its GPS tags', async () => {
    const original = await jpegWithGps();
    expect(hasGpsPointer((await sharp(original).metadata()).exif)).toBe(true);
    const res = await uploadPhoto(original, 'image/jpeg', 'IMG_GPS.jpg');
    expect(res.body.photo.status).toBe('ready');
    for (const url of [res.body.photo.full_url, res.body.photo.web_url, res.body.photo.thumb_url]) {
      const served = Buffer.from(await (await fetch(url)).arrayBuffer());
      const meta = await sharp(served).metadata();
      expect(meta.exif, url).toBeUndefined();
      expect(served.includes(Buffer.from('TestPhone'))).toBe(false);
    }
    const uploads = join(t.dataDir, 'site', 'g', slug, 'uploads');
    expect(readdirSafe(uploads)).toEqual([]);
  });

  it('rejects a text file named .jpg after upload: deleted, never shown, and the reason given', async () => {
    const res = await uploadPhoto(Buffer.from('this is not a photo\n'.repeat(50)), 'image/jpeg', 'notes.jpg');
    expect(res.body.photo).toMatchObject({ status: 'rejected', thumb_url: null });
    expect(res.body.photo.message).toMatch(/"notes.jpg" is not a photo we can read/);
    const gallery = await api(`${t.url}/g/${slug}/photos`);
    expect(gallery.body.photos.map((p: { id: string }) => p.id)).not.toContain(res.body.photo.id);
    expect(readdirSafe(join(t.dataDir, 'site', 'g', slug, 'uploads'))).toEqual([]);
  });

  it('enforces the policy itself: signature, expiry, key, type and size', async () => {
    const file = await png();
    const signed = (await presign({ slug, filename: 'p.png', content_type: 'image/png', size: file.length })).body;
    const refused = async (fields: Record<string, string>, body = file, type = 'image/png') => {
      const res = await upload(signed.url, formOf(fields, body, 'p.png', type));
      return res;
    };
    const other = (await site.publish(charter('bk_up_other'), actor)).slug;
    expect((await refused({ ...signed.fields, key: `g/${other}/uploads/AAAAAAAAAAAAAAAA.png` })).body.message).toMatch(/key does not match/);
    expect((await refused({ ...signed.fields, 'Content-Type': 'text/html' })).body.message).toMatch(/Content-Type does not match/);
    expect((await refused({ ...signed.fields, signature: 'A'.repeat(43) })).status).toBe(403);
    const used = await presign({ slug, filename: 'p.png', content_type: 'image/png', size: file.length });
    expect((await upload(used.body.url, formOf(used.body.fields, file))).status).toBe(201);
    const again = await upload(used.body.url, formOf(used.body.fields, file));
    expect(again).toMatchObject({ status: 409, body: { error: 'already_uploaded' } });
    const tampered = JSON.parse(Buffer.from(signed.fields.policy, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...tampered, maxBytes: 10 ** 10 })).toString('base64url');
    expect((await refused({ ...signed.fields, policy: forged })).body.message).toMatch(/signature does not match/);

    // Policies the endpoint would sign itself: expired, and one with a tiny size cap.
    const secret = Buffer.from(readFileSync(join(t.dataDir, 'upload-secret'), 'utf8').trim(), 'hex');
    const expired = signPolicy(secret, { ...tampered, expires: Math.floor(Date.now() / 1000) - 1 });
    const late = await refused({ ...signed.fields, ...expired });
    expect(late.status).toBe(403);
    expect(late.body.message).toMatch(/expired/);
    const tiny = signPolicy(secret, { ...tampered, maxBytes: 1000 });
    const big = await refused({ ...signed.fields, ...tiny });
    expect(big.status).toBe(413);
    expect(readdirSync(join(t.dataDir, 'incoming'))).toEqual([]);

    // Fields after the file are too late: the policy must come first, as S3 requires.
    const backwards = new FormData();
    backwards.append('file', new Blob([new Uint8Array(file)], { type: 'image/png' }), 'p.png');
    for (const [k, v] of Object.entries(signed.fields as Record<string, string>)) backwards.append(k, v);
    expect((await upload(signed.url, backwards)).status).toBe(403);
    const none = new FormData();
    for (const [k, v] of Object.entries(signed.fields as Record<string, string>)) none.append(k, v);
    expect((await upload(signed.url, none)).body.error).toBe('no_file');

    // A declared length past the cap is refused before a byte of the body is read.
    const oversize = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(signed.url, {
        method: 'POST',
        headers: { 'content-type': 'multipart/form-data; boundary=x', 'content-length': String(MAX_PHOTO_BYTES + 100_000) },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write(Buffer.alloc(1024));
    });
    expect(oversize).toBe(413);
  });

  it('picks up a photo whose processing was cut off (the lease ran out), and processes it once', async () => {
    const key = `g/${slug}/uploads/crashedcrashed01.png`;
    await t.dockhand.ctx.storage.put(key, await png('#abcdef'), 'image/png');
    const past = new Date(Date.now() - 60_000).toISOString();
    await t.dockhand.ctx.db
      .insertInto('photos')
      .values({
        id: 'ph_crashedrow0001', slug, upload_key: key, filename: 'crashed.png', content_type: 'image/png', size_bytes: 1, status: 'processing',
        width: null, height: null, attempts: 1, last_error: null, next_attempt_at: past, lease_until: null, created_at: past, updated_at: past,
      })
      .execute();
    // Its job was held by a worker that died: the lease ran out a minute ago.
    await scheduleJob(t.dockhand.ctx.db, { kind: PHOTO, key: photoKey('ph_crashedrow0001'), runAt: past, payload: { photo_id: 'ph_crashedrow0001' } });
    await t.dockhand.ctx.db.updateTable('jobs').set({ locked_by: 'w-dead', locked_until: past, attempts: 1 }).where('key', '=', photoKey('ph_crashedrow0001')).execute();
    t.dockhand.ctx.jobs.kick(PHOTO);
    const row = await eventually(
      async () => {
        const r = await t.dockhand.ctx.db.selectFrom('photos').selectAll().where('id', '=', 'ph_crashedrow0001').executeTakeFirstOrThrow();
        return r.status === 'ready' && r;
      },
      10_000,
      'the abandoned photo to be processed',
    );
    expect(row).toMatchObject({ attempts: 2, lease_until: null, width: 800 });
    // The original goes right after the row is marked ready.
    await eventually(async () => (await t.dockhand.ctx.storage.get(key)) === undefined, 5000, 'the original to be deleted');
  });

  it('hides a photo for the operator only: gone from the gallery, the page and the files', async () => {
    const photo = (await uploadPhoto(await png('#123456'))).body.photo;
    expect((await api(`${t.url}/g/${slug}/photos/${photo.id}`, { method: 'DELETE' })).status).toBe(401);
    const hidden = await api(`${t.url}/g/${slug}/photos/${photo.id}`, { method: 'DELETE', headers: t.operator });
    expect(hidden).toMatchObject({ status: 200, body: { id: photo.id, status: 'hidden' } });
    expect((await api(`${t.url}/g/${slug}/photos/${photo.id}`, { method: 'DELETE', headers: t.operator })).status).toBe(200);
    expect((await api(`${t.url}/g/${slug}/photos/ph_nothere00`, { method: 'DELETE', headers: t.operator })).status).toBe(404);
    const gallery = await api(`${t.url}/g/${slug}/photos`);
    expect(gallery.body.photos.map((p: { id: string }) => p.id)).not.toContain(photo.id);
    expect((await fetch(photo.thumb_url)).status).toBe(404);
    expect(await (await fetch(`${t.url}/g/${slug}/`)).text()).not.toContain(photo.id);
    const audits = await t.dockhand.ctx.db.selectFrom('audit_log').selectAll().where('entity', '=', 'photo').where('entity_id', '=', photo.id).execute();
    expect(audits.map((a) => a.action)).toEqual(['hidden']);
  });

  it('downloads every ready photo as one zip', async () => {
    const ready = (await api(`${t.url}/g/${slug}/photos`)).body.photos.length;
    expect(ready).toBeGreaterThanOrEqual(2);
    const res = await fetch(`${t.url}/g/${slug}/photos.zip`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${slug}-photos.zip"`);
    const zip = Buffer.from(await res.arrayBuffer());
    expect(zip.subarray(0, 2).toString()).toBe('PK');
    const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    expect(zip.readUInt16LE(end + 10)).toBe(ready);
    expect(zip.includes(Buffer.from('photo-001.jpg'))).toBe(true);
    const empty = (await site.publish(charter('bk_up_empty'), actor)).slug;
    expect((await api(`${t.url}/g/${empty}/photos.zip`)).status).toBe(404);
  });
});

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
