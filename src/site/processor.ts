import { sql, type ExpressionBuilder } from 'kysely';
import { Poller } from '../lib/poller.js';
import type { Logger } from 'pino';
import sharp, { type OutputInfo } from 'sharp';
import type { AppContext } from '../context.js';
import { nowIso } from '../db/ids.js';
import type { Database, PhotoTable } from '../db/schema.js';
import { variantKeys } from './photo-store.js';

const later = (ms: number) => new Date(Date.now() + ms).toISOString();
const READABLE_FORMATS = new Set(['jpeg', 'png', 'webp', 'heif']);
// A decoded 25 MB photo can be far larger than 25 MB; this bounds what one upload can make us allocate.
const MAX_PIXELS = 120_000_000;

class Rejected extends Error {}

export interface ProcessorOptions {
  pollMs?: number;
  leaseMs?: number;
  maxAttempts?: number;
  /** Called with the pages whose galleries changed, after each round. */
  onChanged?: (slugs: string[]) => Promise<void>;
}

/**
 * Turns uploads into gallery photos, durably: a row is leased ("processing") while sharp works, so a
 * crash mid-way only means the lease runs out and the photo is processed again. The clean copies are
 * re-encoded without any metadata (no EXIF, so no GPS), and the original is deleted once they exist.
 */
export class PhotoProcessor {
  private readonly poller: Poller;
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly maxAttempts: number;
  private readonly logger: Logger;

  constructor(
    private readonly ctx: AppContext,
    private readonly options: ProcessorOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 1000;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.logger = ctx.logger.child({ part: 'photos' });
    this.poller = new Poller(async () => (await this.drainOnce()) > 0, this.pollMs, (error) =>
      this.logger.error({ err: error }, 'photo processor could not finish a round'),
    );
  }

  start(): void {
    this.poller.start();
  }

  kick(): void {
    this.poller.kick();
  }

  stop(): Promise<void> {
    return this.poller.stop();
  }

  /** Processes what is due now, one photo at a time (each may decode to hundreds of MB). */
  async drainOnce(): Promise<number> {
    const rows = await this.claim(4);
    const changed = new Set<string>();
    for (const row of rows) {
      if (await this.process(row)) changed.add(row.slug);
    }
    if (changed.size > 0) await this.options.onChanged?.([...changed]);
    return rows.length;
  }

  private async claim(limit: number): Promise<PhotoTable[]> {
    const now = nowIso();
    const dueNow = (eb: ExpressionBuilder<Database, 'photos'>) =>
      eb.or([
        eb.and([eb('status', '=', 'uploaded'), eb('next_attempt_at', '<=', now)]),
        eb.and([eb('status', '=', 'processing'), eb('lease_until', '<', now)]),
      ]);
    const due = this.ctx.db.selectFrom('photos').select('id').where(dueNow).orderBy('created_at').limit(limit);
    return this.ctx.db
      .updateTable('photos')
      .set({ status: 'processing', lease_until: later(this.leaseMs), attempts: sql<number>`attempts + 1`, updated_at: now })
      .where('id', 'in', due)
      .where(dueNow)
      .returningAll()
      .execute();
  }

  /** True when the gallery changed. */
  private async process(row: PhotoTable): Promise<boolean> {
    const finish = (set: Partial<PhotoTable>) =>
      this.ctx.db.updateTable('photos').set({ lease_until: null, updated_at: nowIso(), ...set }).where('id', '=', row.id).where('status', '=', 'processing').execute();
    try {
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
          : { status: 'uploaded', last_error: message, next_attempt_at: later(Math.min(300_000, 1000 * 2 ** row.attempts)) },
      );
      return false;
    }
  }

  private async makeVariants(row: PhotoTable, body: Buffer): Promise<{ width: number; height: number }> {
    const name = row.filename ?? 'This file';
    let format: string | undefined;
    try {
      format = (await sharp(body, { limitInputPixels: MAX_PIXELS }).metadata()).format;
    } catch {
      throw new Rejected(`"${name}" is not a photo we can read, so it was not added.`);
    }
    if (!format || !READABLE_FORMATS.has(format)) throw new Rejected(`"${name}" is not a JPEG, PNG, WebP or HEIC photo, so it was not added.`);
    // rotate() applies the camera's orientation before the metadata that carried it is dropped.
    const base = sharp(body, { limitInputPixels: MAX_PIXELS, failOn: 'error' }).rotate();
    let outputs: [Buffer, Buffer, { data: Buffer; info: OutputInfo }];
    try {
      outputs = await Promise.all([
        base.clone().resize(480, 480, { fit: 'cover' }).webp({ quality: 70 }).toBuffer(),
        base.clone().resize(1600, 1600, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 80 }).toBuffer(),
        base.clone().jpeg({ quality: 90 }).toBuffer({ resolveWithObject: true }),
      ]);
    } catch (error) {
      const reason = (error as Error).message;
      const heic = /heif|heic|compression format/i.test(reason);
      throw new Rejected(
        heic
          ? `"${name}" is an iPhone HEIC photo this server cannot convert. Choose "Most Compatible" in the camera settings, or share it as JPEG.`
          : `"${name}" is damaged or not a photo we can read, so it was not added.`,
      );
    }
    const [thumb, web, full] = outputs;
    const keys = variantKeys(row.slug, row.id);
    await this.ctx.storage.put(keys.thumb, thumb, 'image/webp');
    await this.ctx.storage.put(keys.web, web, 'image/webp');
    await this.ctx.storage.put(keys.full, full.data, 'image/jpeg');
    return { width: full.info.width, height: full.info.height };
  }
}
