import type { Queryable } from '../../db/database.js';

/** Drops the job with this key, pending or failed. A holder running it finds it gone and leaves it gone. */
export async function cancelJob(q: Queryable, key: string): Promise<boolean> {
  const result = await q.deleteFrom('jobs').where('key', '=', key).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
