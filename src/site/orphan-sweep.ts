import { z } from 'zod';
import type { AppContext } from '../context.js';
import type { Db } from '../db/database.js';
import { scheduleJob } from '../jobs/sql/schedule.js';
import { defineTask, type Task } from '../jobs/types.js';
import { nowIso } from '../db/ids.js';
import { slugOfUploadKey } from './photo-store.js';

const BATCH = 200;
const PROCESSED = new Set(['ready', 'rejected', 'hidden']);
const UNFINISHED = 'The upload did not finish. Please upload the photo again.';
const CANCELLED = 'This charter has been cancelled, so it no longer takes photos.';

/**
 * Deletes originals under g/<slug>/uploads/ older than olderThanMs that nothing will ever process, each
 * still carrying whatever EXIF (GPS) its camera wrote: no photo row (presigned, uploaded, never
 * registered), a row already processed (a second POST of the same S3 permission re-created it), a
 * local upload cut off mid-way, or a page since cancelled. Safe to run again at any time, from any
 * number of processes: a second run finds nothing more to do.
 */
export async function sweepOrphanUploads(ctx: AppContext, olderThanMs: number, now = new Date()): Promise<{ deleted: string[] }> {
  const cutoff = new Date(now.getTime() - olderThanMs);
  // A local upload whose request died left its claim behind; its permission has long expired.
  await ctx.db
    .updateTable('photos')
    .set({ status: 'rejected', last_error: UNFINISHED, updated_at: nowIso() })
    .where('status', '=', 'receiving')
    .where('created_at', '<', cutoff.toISOString())
    .execute();

  const candidates: string[] = [];
  for await (const object of ctx.storage.list('g/')) {
    if (slugOfUploadKey(object.key) && object.modifiedAt < cutoff) candidates.push(object.key);
  }
  const deleted: string[] = [];
  for (let i = 0; i < candidates.length; i += BATCH) {
    for (const key of await orphansAmong(ctx, candidates.slice(i, i + BATCH))) {
      await ctx.storage.delete(key);
      deleted.push(key);
    }
  }
  if (deleted.length > 0) ctx.logger.info({ count: deleted.length }, 'deleted orphaned photo uploads');
  return { deleted };
}

async function orphansAmong(ctx: AppContext, keys: string[]): Promise<string[]> {
  const rows = new Map(
    (await ctx.db.selectFrom('photos').select(['id', 'upload_key', 'status']).where('upload_key', 'in', keys).execute()).map((r) => [r.upload_key, r]),
  );
  const slugs = [...new Set(keys.map((k) => slugOfUploadKey(k)!))];
  const pages = new Map((await ctx.db.selectFrom('site_pages').select(['slug', 'status']).where('slug', 'in', slugs).execute()).map((p) => [p.slug, p.status]));
  const orphans: string[] = [];
  for (const key of keys) {
    const row = rows.get(key);
    const page = pages.get(slugOfUploadKey(key)!);
    if (!row || PROCESSED.has(row.status)) orphans.push(key);
    else if ((page === undefined || page === 'cancelled') && row.status === 'uploaded') {
      // Claimed from the processor's queue by a conditional update, so a photo being processed now is left to it.
      const taken = await ctx.db
        .updateTable('photos')
        .set({ status: 'rejected', last_error: CANCELLED, updated_at: nowIso() })
        .where('id', '=', row.id)
        .where('status', '=', 'uploaded')
        .executeTakeFirst();
      if (Number(taken.numUpdatedRows) === 1) orphans.push(key);
    }
  }
  return orphans;
}

export const ORPHAN_SWEEP = 'uploads.sweep';
const SWEEP_KEY = 'uploads:sweep';
const EVERY_MS = 15 * 60_000;
// Presigned permissions last 10 minutes: an hour-old original nobody registered never will be.
const ORPHAN_AFTER_MS = 60 * 60_000;

/** Announced by every process that serves the site; only the first announcement makes the job. */
export const announceOrphanSweep = (db: Db) =>
  scheduleJob(db, { kind: ORPHAN_SWEEP, key: SWEEP_KEY, runAt: new Date(Date.now() + EVERY_MS), payload: {} }, true);

/** Every 15 minutes: the sweep, then its own next run, scheduled from inside it. */
export function orphanSweepTask(ctx: AppContext): Task<Record<string, never>> {
  return defineTask({
    kind: ORPHAN_SWEEP,
    payload: z.strictObject({}),
    concurrency: 1,
    maxAttempts: 3,
    run: async () => {
      const { deleted } = await sweepOrphanUploads(ctx, ORPHAN_AFTER_MS);
      if (deleted.length > 0) ctx.logger.info({ deleted: deleted.length }, 'orphaned uploads deleted');
      await scheduleJob(ctx.db, { kind: ORPHAN_SWEEP, key: SWEEP_KEY, runAt: new Date(Date.now() + EVERY_MS), payload: {} });
    },
  });
}
