import { sql } from 'kysely';
import type { Db } from '../../db/database.js';

/** Hands unfinished jobs back at once (on shutdown), without counting the interrupted run as an attempt. */
export async function releaseJobs(db: Db, owner: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('jobs')
    .set({ locked_by: null, locked_until: null, attempts: sql<number>`case when attempts > 0 then attempts - 1 else 0 end` })
    .where('locked_by', '=', owner)
    .where('id', 'in', ids)
    .execute();
}
