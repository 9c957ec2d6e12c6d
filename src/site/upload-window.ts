import { DateTime } from 'luxon';
import type { Queryable } from '../db/database.js';
import { AppError } from '../http/errors.js';
import { addHours, localToInstant } from '../lib/time.js';
import { UPLOADS_OPEN_DAYS } from './limits.js';
import { isValidSlug } from './slug.js';
import type { GuestPageContent } from './types.js';

/** Uploads close this long after the charter ends (UTC instant, ISO). */
export function uploadsCloseAt(c: Pick<GuestPageContent, 'date' | 'start_time' | 'timezone' | 'duration_hours'>): string {
  const end = addHours(localToInstant(c.date, c.start_time, c.timezone), c.duration_hours);
  return DateTime.fromISO(end, { zone: 'utc' }).plus({ days: UPLOADS_OPEN_DAYS }).toISO()!;
}

export interface OpenPage {
  slug: string;
  content: GuestPageContent;
  closesAt: string;
}

/**
 * The page a guest wants to add photos to, if it still takes them. Each refusal says why, since the
 * guest cannot see the difference between a mistyped link, a cancelled charter and a late upload.
 */
export async function requireOpenPage(q: Queryable, slug: string, now = new Date()): Promise<OpenPage> {
  const row = isValidSlug(slug) ? await q.selectFrom('site_pages').select(['slug', 'status', 'content']).where('slug', '=', slug).executeTakeFirst() : undefined;
  if (!row) throw new AppError(404, 'page_not_found', `There is no charter page "${slug}". Check the link in your booking message.`);
  const content = JSON.parse(row.content) as GuestPageContent;
  if (row.status === 'cancelled') {
    throw new AppError(409, 'charter_cancelled', 'This charter has been cancelled, so it no longer takes photos.');
  }
  const closesAt = uploadsCloseAt(content);
  if (now.toISOString() > closesAt) {
    throw new AppError(
      403,
      'uploads_closed',
      `Photo uploads for this charter closed on ${closesAt.slice(0, 10)}, ${UPLOADS_OPEN_DAYS} days after it. Ask your charter operator if you still have photos to share.`,
    );
  }
  return { slug, content, closesAt };
}
