import type { Queryable } from '../../db/database.js';

/**
 * Records a failed run: due again at `retryAt`, or given up (failed_at) when `retryAt` is null. Only
 * the revision that failed: if the key was scheduled again meanwhile, the fresh schedule stands.
 */
export async function failJob(
  q: Queryable,
  owner: string,
  job: { id: string; revision: number },
  error: string,
  retryAt: Date | null,
): Promise<boolean> {
  const updated = await q
    .updateTable('jobs')
    .set({
      locked_by: null,
      locked_until: null,
      last_error: error.slice(0, 2000),
      ...(retryAt ? { run_at: retryAt.toISOString() } : { failed_at: new Date().toISOString() }),
    })
    .where('id', '=', job.id)
    .where('revision', '=', job.revision)
    .where('locked_by', '=', owner)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 1) return true;
  await q.updateTable('jobs').set({ locked_by: null, locked_until: null }).where('id', '=', job.id).where('locked_by', '=', owner).execute();
  return false;
}
