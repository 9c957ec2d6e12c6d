import { sql } from 'kysely';
import type { Logger } from 'pino';
import { z } from 'zod';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import type { AppContext } from '../context.js';
import { nowIso } from '../db/ids.js';
import type { PhotoTable } from '../db/schema.js';
import { defineTask, type Task } from '../jobs/types.js';
import { decodeRefusal, MAX_PIXELS, oneImageAtATime } from './image-guard.js';
import { PHOTO, variantKeys } from './photo-store.js';

const READABLE_FORMATS = new Set(['jpeg', 'png', 'webp', 'heif']);

class Rejected extends Error {}

const photoPayload = z.object({ photo_id: z.string() });

export interface ProcessorOptions {
  maxAttempts?: number;
  /** Called with the page whose gallery changed. */
  onChanged?: (slug: string) => Promise<void>;
}

/**
 * Turns uploads into gallery photos, one job per upload on the job runner, one at a time per process
 * (each may decode to hundreds of MB). A crash mid-way only means the job's lease runs out and the
 * photo is processed again. The clean copies are re-encoded without any metadata (no EXIF, so no
 * GPS), and the original is deleted once they exist.
 */
export class PhotoProcessor {
  private readonly maxAttempts: number;
  private readonly logger: Logger;

  constructor(
    private readonly ctx: AppContext,
    private readonly options: ProcessorOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 5;
    this.logger = ctx.logger.child({ part: 'photos' });
  }

  task(): Task<z.infer<typeof photoPayload>> {
    return defineTask({
      kind: PHOTO,
      payload: photoPayload,
      concurrency: 1,
      maxAttempts: this.maxAttempts,
      run: async (job) => {
        const row = await this.ctx.db
          .updateTable('photos')
          .set({ status: 'processing', attempts: sql<number>`attempts + 1`, updated_at: nowIso() })
          .where('id', '=', job.payload.photo_id)
          .where('status', 'in', ['uploaded', 'processing'])
          .returningAll()
          .executeTakeFirst();
        if (row && (await this.process(row))) await this.options.onChanged?.(row.slug);
      },
    });
  }

  /** True when the gallery changed. */
  private async process(row: PhotoTable): Promise<boolean> {
    const finish = (set: Partial<PhotoTable>) =>
      this.ctx.db.updateTable('photos').set({ lease_until: null, updated_at: nowIso(), ...set }).where('id', '=', row.id).where('status', '=', 'processing').execute();
    try {
      // The page may have been cancelled since the upload was accepted: its guests' photos go, unread.
      const page = await this.ctx.db.selectFrom('site_pages').select('status').where('slug', '=', row.slug).executeTakeFirst();
      if (!page || page.status === 'cancelled') throw new Rejected('This charter has been cancelled, so it no longer takes photos.');
      const original = await this.ctx.storage.get(row.upload_key);
      if (!original) throw new Rejected(`We did not receive "${row.filename ?? 'the photo'}". Please upload it again.`);
      const made = await this.makeVariants(row, original.body);
      await finish({ status: 'ready', width: made.width, height: made.height, size_bytes: original.body.length, last_error: null });
      await this.ctx.storage.delete(row.upload_key);
      return true;
    } catch (error) {
      if (error instanceof Rejected) {
        this.logger.info({ photo: row.id, reason: error.message }, 'upload rejected');
        await finish({ status: 'rejected', last_error: error.message });
        await this.ctx.storage.delete(row.upload_key).catch(() => undefined);
        return false;
      }
      const message = error instanceof Error ? error.message : String(error);
      const giveUp = row.attempts >= this.maxAttempts;
      this.logger.warn({ photo: row.id, attempt: row.attempts, err: message }, 'photo processing failed');
      await finish(
        giveUp
          ? { status: 'rejected', last_error: `"${row.filename ?? 'The photo'}" could not be processed. Please try again later.` }
          : { status: 'uploaded', last_error: message },
      );
      // The job runner brings it back with its backoff.
      if (!giveUp) throw error;
      return false;
    }
  }

  private async makeVariants(row: PhotoTable, body: Buffer): Promise<{ width: number; height: number }> {
    const name = row.filename ?? 'This file';
    let meta: Metadata;
    try {
      meta = await sharp(body, { limitInputPixels: false }).metadata();
    } catch {
      throw new Rejected(`"${name}" is not a photo we can read, so it was not added.`);
    }
    if (!meta.format || !READABLE_FORMATS.has(meta.format)) throw new Rejected(`"${name}" is not a JPEG, PNG, WebP or HEIC photo, so it was not added.`);
    const refusal = decodeRefusal(meta, body.length, name);
    if (refusal) throw new Rejected(refusal);
    return oneImageAtATime(() => this.encode(row, body, name));
  }

  /**
   * One full decode of the original, then the smaller copies from the clean JPEG (shrink-on-load makes
   * those cheap), one after another, so at most one decoded image is held at a time.
   */
  private async encode(row: PhotoTable, body: Buffer, name: string): Promise<{ width: number; height: number }> {
    let full: { data: Buffer; info: OutputInfo };
    let thumb: Buffer;
    let web: Buffer;
    try {
      // rotate() applies the camera's orientation before the metadata that carried it is dropped.
      full = await sharp(body, { limitInputPixels: MAX_PIXELS, failOn: 'error' }).rotate().jpeg({ quality: 90 }).toBuffer({ resolveWithObject: true });
      thumb = await sharp(full.data).resize(480, 480, { fit: 'cover' }).webp({ quality: 70 }).toBuffer();
      web = await sharp(full.data).resize(1600, 1600, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 80 }).toBuffer();
    } catch (error) {
      const reason = (error as Error).message;
      const heic = /heif|heic|compression format/i.test(reason);
      throw new Rejected(
        heic
          ? `"${name}" is an iPhone HEIC photo this server cannot convert. Choose "Most Compatible" in the camera settings, or share it as JPEG.`
          : `"${name}" is damaged or not a photo we can read, so it was not added.`,
      );
    }
    const keys = variantKeys(row.slug, row.id);
    await this.ctx.storage.put(keys.thumb, thumb, 'image/webp');
    await this.ctx.storage.put(keys.web, web, 'image/webp');
    await this.ctx.storage.put(keys.full, full.data, 'image/jpeg');
    return { width: full.info.width, height: full.info.height };
  }
}
