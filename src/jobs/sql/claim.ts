import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import type { JobTable } from '../../db/schema.js';

/**
 * Takes up to `limit` due jobs of one kind in one statement: due by run-at, and either free or held
 * under a lease that ran out (its holder died). On PostgreSQL rows another worker is claiming this
 * instant are skipped, not waited for; SQLite runs the statement under its single writer lock.
 */
export async function claimJobs(db: Db, dialect: 'sqlite' | 'postgres', kind: string, owner: string, limit: number, leaseMs: number): Promise<JobTable[]> {
  const now = new Date();
  const nowIso = now.toISOString();
  const due = db
    .selectFrom('jobs')
    .select('id')
    .where('kind', '=', kind)
    .where('failed_at', 'is', null)
    .where('run_at', '<=', nowIso)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', nowIso)]))
    .orderBy('run_at')
    .limit(limit);
  return db
    .updateTable('jobs')
    .set({ locked_by: owner, locked_until: new Date(now.getTime() + leaseMs).toISOString(), attempts: sql<number>`attempts + 1` })
    .where('id', 'in', dialect === 'postgres' ? due.forUpdate().skipLocked() : due)
    .returningAll()
    .execute();
}
