import type { Queryable } from '../../db/database.js';

/**
 * Deletes finished jobs, each only at the revision its holder claimed and only while that holder still
 * holds it. A job scheduled again during the run (a newer revision) is unlocked instead, due again;
 * returns how many were, so the runner looks for them once the caller's transaction has committed.
 */
export async function completeJobs(q: Queryable, owner: string, jobs: { id: string; revision: number }[]): Promise<number> {
  if (jobs.length === 0) return 0;
  const deleted = await q
    .deleteFrom('jobs')
    .where('locked_by', '=', owner)
    .where((eb) => eb.or(jobs.map((j) => eb.and([eb('id', '=', j.id), eb('revision', '=', j.revision)]))))
    .executeTakeFirst();
  if (Number(deleted.numDeletedRows) === jobs.length) return 0;
  const unlocked = await q
    .updateTable('jobs')
    .set({ locked_by: null, locked_until: null })
    .where('locked_by', '=', owner)
    .where(
      'id',
      'in',
      jobs.map((j) => j.id),
    )
    .executeTakeFirst();
  return Number(unlocked.numUpdatedRows);
}
