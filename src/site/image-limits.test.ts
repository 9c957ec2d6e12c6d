import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, eventually, startDockhand, type TestDockhand } from '../../test/helpers/app.js';
import type { PhotoTable } from '../db/schema.js';
import { upcomingCharter } from '../../test/helpers/site.js';
import { peakConcurrentImages } from './image-guard.js';
import { scheduleJob } from '../jobs/sql/schedule.js';
import { PHOTO, photoKey } from './photo-store.js';
import { PhotoProcessor } from './processor.js';
import { SiteService } from './service.js';

/** A black-and-white PNG of the given size: 1 bit a pixel, all zero, so it deflates to almost nothing. */
function bitPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 1; // bit depth
  header[9] = 0; // greyscale
  const rows = Buffer.alloc((Math.ceil(width / 8) + 1) * height); // filter byte 0 and zero pixels, row after row
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

function formOf(fields: Record<string, string>, file: Buffer, name: string): FormData {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('file', new Blob([new Uint8Array(file)], { type: 'image/png' }), name);
  return form;
}

describe('images that decode huge', () => {
  let t: TestDockhand;
  let slug: string;
  beforeAll(async () => {
    t = await startDockhand({ only: 'site' });
    slug = (await new SiteService(t.dockhand.ctx).publish(upcomingCharter({ booking_ref: 'bk_bomb' }), { actor: 'test' })).slug;
  });
  afterAll(() => t.close());

  async function upload(file: Buffer, name: string) {
    const signed = await api(`${t.url}/g/presign`, { body: { slug, filename: name, content_type: 'image/png', size: file.length } });
    expect(signed.status).toBe(200);
    const sent = await fetch(signed.body.url, { method: 'POST', body: formOf(signed.body.fields, file, name) });
    return { status: sent.status, body: (await sent.json()) as { error?: string; message?: string }, key: signed.body.key as string };
  }

  /** Peak RSS growth, in MB, while work runs: a safety bound on memory, not a timing. */
  async function growthDuring(work: () => Promise<void>): Promise<number> {
    const baseline = process.memoryUsage.rss();
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 2);
    try {
      await work();
    } finally {
      clearInterval(sampler);
    }
    return (peak - baseline) / (1024 * 1024);
  }

  const justUnder = bitPng(7000, 7000); // 49 MP, under the pixel cap, in a few KB
  const over = bitPng(10_000, 10_000); // 100 MP

  beforeAll(async () => {
    expect(justUnder.length).toBeLessThan(16 * 1024);
    // Warm up sharp and the routes on a real photo, so the baseline includes the libraries' own memory.
    const warm = await upload(await sharp({ create: { width: 800, height: 600, channels: 3, background: '#336699' } }).png().toBuffer(), 'warm.png');
    expect(warm.status).toBe(201);
  });

  it('refuses, at the upload, a tiny PNG declaring a huge size, from its header and with a reason; under 64 MB of memory', async () => {
    let ratio: Awaited<ReturnType<typeof upload>> | undefined;
    let pixels: Awaited<ReturnType<typeof upload>> | undefined;
    const growth = await growthDuring(async () => {
      ratio = await upload(justUnder, 'bomb.png');
      pixels = await upload(over, 'huge.png');
    });
    expect(ratio).toMatchObject({ status: 422, body: { error: 'image_refused' } });
    expect(ratio!.body.message).toMatch(/"bomb.png" claims 7000 × 7000 pixels in only \d+ KB, which no camera photo does/);
    expect(pixels).toMatchObject({ status: 422, body: { error: 'image_refused' } });
    expect(pixels!.body.message).toMatch(/"huge.png" is 10000 × 10000 pixels \(100\.0 megapixels\); photos can be at most 50\.0 megapixels/);
    for (const key of [ratio!.key, pixels!.key]) expect(await t.dockhand.ctx.storage.get(key)).toBeUndefined();
    // Decoding either would take 49 to 300 MB; measured 281 MB without the check.
    expect(growth).toBeLessThan(64);
  });

  it('refuses the same in the processor, however the upload arrived (here: straight into storage, as with S3)', async () => {
    const key = `g/${slug}/uploads/bombbombbomb0001.png`;
    await t.dockhand.ctx.storage.put(key, justUnder, 'image/png');
    const now = new Date().toISOString();
    await t.dockhand.ctx.db
      .insertInto('photos')
      .values({
        id: 'ph_bombviaS3000001', slug, upload_key: key, filename: 'bomb.png', content_type: 'image/png', size_bytes: justUnder.length, status: 'uploaded',
        width: null, height: null, attempts: 0, last_error: null, next_attempt_at: now, lease_until: null, created_at: now, updated_at: now,
      })
      .execute();
    await scheduleJob(t.dockhand.ctx.db, { kind: PHOTO, key: photoKey('ph_bombviaS3000001'), runAt: now, payload: { photo_id: 'ph_bombviaS3000001' } });
    let row: PhotoTable | undefined;
    const growth = await growthDuring(async () => {
      t.dockhand.ctx.jobs.kick(PHOTO);
      row = await eventually(async () => {
        const r = await t.dockhand.ctx.db.selectFrom('photos').selectAll().where('id', '=', 'ph_bombviaS3000001').executeTakeFirstOrThrow();
        return r.status === 'rejected' && r;
      }, 10_000, 'the photo to be refused');
    });
    if (!row) throw new Error('unreachable');
    expect(row.last_error).toMatch(/"bomb.png" claims 7000 × 7000 pixels in only \d+ KB/);
    // The original goes right after the row is marked.
    await eventually(async () => (await t.dockhand.ctx.storage.get(key)) === undefined, 5000, 'the original to be deleted');
    expect(growth).toBeLessThan(64);
  });

  it('works on one image at a time in a process, however many processors run', async () => {
    const db = t.dockhand.ctx.db;
    const now = new Date().toISOString();
    for (let i = 0; i < 8; i++) {
      const key = `g/${slug}/uploads/serialtest${String(i).padStart(4, '0')}.png`;
      const body = await sharp({ create: { width: 2400, height: 1800, channels: 3, background: { r: 20 * i, g: 80, b: 160 } } }).png().toBuffer();
      await t.dockhand.ctx.storage.put(key, body, 'image/png');
      await db
        .insertInto('photos')
        .values({
          id: `ph_serialtest${i}`, slug, upload_key: key, filename: `s${i}.png`, content_type: 'image/png', size_bytes: body.length, status: 'uploaded',
          width: null, height: null, attempts: 0, last_error: null, next_attempt_at: now, lease_until: null, created_at: now, updated_at: now,
        })
        .execute();
    }
    // Two processors, every photo's job run at once: whatever the job runner's own limits, the decodes queue.
    const processors = [new PhotoProcessor(t.dockhand.ctx), new PhotoProcessor(t.dockhand.ctx)];
    const tasks = { complete: async () => {}, kick: () => {} };
    const job = (id: string) => ({ id: `jb_${id}`, kind: PHOTO, key: photoKey(id), payload: { photo_id: id }, attempt: 1, maxAttempts: 5, revision: 0 });
    await Promise.all(Array.from({ length: 8 }, (_, i) => processors[i % 2]!.task().run!(job(`ph_serialtest${i}`), tasks)));
    const rows = await db.selectFrom('photos').select('status').where('id', 'like', 'ph_serialtest%').execute();
    expect(rows.map((r) => r.status)).toEqual(Array(8).fill('ready'));
    expect(peakConcurrentImages()).toBe(1);
  });
});
