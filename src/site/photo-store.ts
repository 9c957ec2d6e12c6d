import { randomBytes } from 'node:crypto';
import type { Db, Queryable } from '../db/database.js';
import { isUniqueViolation } from '../db/database.js';
import { newId, nowIso } from '../db/ids.js';
import type { PhotoTable } from '../db/schema.js';
import { scheduleJob } from '../jobs/sql/schedule.js';
import { PHOTO_TYPES } from './limits.js';

// 'receiving': the local upload endpoint holds the key while the body streams in; nothing processes it yet.
export type PhotoStatus = 'receiving' | 'uploaded' | 'processing' | 'ready' | 'rejected' | 'hidden';

/** Where a new upload may land: its own page's prefix, a random name, the extension its type implies. */
export const newUploadKey = (slug: string, contentType: string): string =>
  `g/${slug}/uploads/${randomBytes(12).toString('base64url')}.${PHOTO_TYPES[contentType] ?? 'bin'}`;

const UPLOAD_KEY = /^g\/([a-z0-9][a-z0-9-]{0,119})\/uploads\/[A-Za-z0-9_-]{8,64}\.(jpg|png|webp|heic)$/;

/** The slug an upload key belongs to, if it is one of ours. */
export const slugOfUploadKey = (key: string): string | undefined => UPLOAD_KEY.exec(key)?.[1];

export const contentTypeOfKey = (key: string): string =>
  Object.entries(PHOTO_TYPES).find(([, ext]) => key.endsWith(`.${ext}`))?.[0] ?? 'application/octet-stream';

/** The clean copies, under the page's prefix, so a CDN in front of the bucket serves them as it serves the page. */
export function variantKeys(slug: string, id: string) {
  return { thumb: `g/${slug}/p/${id}-t.webp`, web: `g/${slug}/p/${id}-w.webp`, full: `g/${slug}/p/${id}-o.jpg` };
}

export const VARIANT_FILE = /^(ph_[a-z0-9]{8,40})-(t\.webp|w\.webp|o\.jpg)$/;

export const PHOTO = 'photo.process';
export const photoKey = (photoId: string) => `photo:${photoId}`;

export interface NewUpload {
  slug: string;
  key: string;
  filename: string | null;
  contentType: string;
  sizeBytes: number;
}

function newRow(upload: NewUpload, status: PhotoStatus): PhotoTable {
  const now = nowIso();
  return {
    id: newId('ph'),
    slug: upload.slug,
    upload_key: upload.key,
    filename: upload.filename?.slice(0, 255) ?? null,
    content_type: upload.contentType,
    size_bytes: upload.sizeBytes,
    status,
    width: null,
    height: null,
    attempts: 0,
    last_error: null,
    next_attempt_at: now,
    lease_until: null,
    created_at: now,
    updated_at: now,
  };
}

/** Registers an upload for processing; registering the same key again returns the first row. */
export async function registerUpload(db: Db, upload: NewUpload): Promise<PhotoTable> {
  const row = newRow(upload, 'uploaded');
  try {
    // The photo and the job that processes it exist together or not at all.
    await db.transaction().execute(async (tx) => {
      await tx.insertInto('photos').values(row).execute();
      await scheduleJob(tx, { kind: PHOTO, key: photoKey(row.id), runAt: row.created_at, payload: { photo_id: row.id } });
    });
    return row;
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    return db.selectFrom('photos').selectAll().where('upload_key', '=', upload.key).executeTakeFirstOrThrow();
  }
}

/**
 * Takes an upload permission for one body before any of it is read: the unique upload_key lets exactly
 * one of any number of concurrent uses through. Undefined when the key is already taken.
 */
export async function claimUploadKey(db: Db, upload: NewUpload): Promise<PhotoTable | undefined> {
  const row = newRow(upload, 'receiving');
  try {
    await db.insertInto('photos').values(row).execute();
    return row;
  } catch (error) {
    if (isUniqueViolation(error)) return undefined;
    throw error;
  }
}

/** The body arrived and is stored: from now on the processor may take it (its job commits with the change). */
export async function completeClaim(db: Db, id: string, got: { filename: string | null; sizeBytes: number }): Promise<PhotoTable> {
  const now = nowIso();
  await db.transaction().execute(async (tx) => {
    const done = await tx
      .updateTable('photos')
      .set({ status: 'uploaded', filename: got.filename?.slice(0, 255) ?? null, size_bytes: got.sizeBytes, next_attempt_at: now, updated_at: now })
      .where('id', '=', id)
      .where('status', '=', 'receiving')
      .executeTakeFirst();
    if (Number(done.numUpdatedRows) === 1) await scheduleJob(tx, { kind: PHOTO, key: photoKey(id), runAt: now, payload: { photo_id: id } });
  });
  return db.selectFrom('photos').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/** Nothing was stored (refused, empty, cut off): the permission may be tried again until it expires. */
export async function releaseClaim(db: Db, id: string): Promise<void> {
  await db.deleteFrom('photos').where('id', '=', id).where('status', '=', 'receiving').execute();
}

export const readyPhotos = (q: Queryable, slug: string): Promise<PhotoTable[]> =>
  q.selectFrom('photos').selectAll().where('slug', '=', slug).where('status', '=', 'ready').orderBy('created_at').orderBy('id').execute();

export const photosByIds = (q: Queryable, ids: string[]): Promise<PhotoTable[]> =>
  ids.length === 0 ? Promise.resolve([]) : q.selectFrom('photos').selectAll().where('id', 'in', ids).execute();

const settled = (row: PhotoTable) => row.status === 'ready' || row.status === 'rejected' || row.status === 'hidden';

/**
 * Waits (bounded) for the processor to decide on these photos, so the guest hears "added" or
 * "not a photo" in the same answer; whatever is still pending is reported as such.
 */
export async function waitForOutcome(db: Db, ids: string[], timeoutMs = 20_000): Promise<PhotoTable[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await photosByIds(db, ids);
    if (rows.every(settled) || Date.now() >= deadline) return ids.map((id) => rows.find((r) => r.id === id)!).filter(Boolean);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface PhotoJson {
  id: string;
  status: string;
  message: string | null;
  filename: string | null;
  width: number | null;
  height: number | null;
  thumb_url: string | null;
  web_url: string | null;
  full_url: string | null;
  created_at: string;
}

export function photoJson(base: string, row: PhotoTable): PhotoJson {
  const keys = variantKeys(row.slug, row.id);
  const ready = row.status === 'ready';
  const url = (key: string) => (ready ? `${base}/${key}` : null);
  return {
    id: row.id,
    status: row.status === 'receiving' || row.status === 'uploaded' || row.status === 'processing' ? 'pending' : row.status,
    message: row.status === 'rejected' ? row.last_error : null,
    filename: row.filename,
    width: row.width,
    height: row.height,
    thumb_url: url(keys.thumb),
    web_url: url(keys.web),
    full_url: url(keys.full),
    created_at: row.created_at,
  };
}
