import { sql } from 'kysely';
import type { Queryable } from '../../db/database.js';
import { newId, nowIso } from '../../db/ids.js';

export interface JobSpec {
  kind: string;
  key: string;
  runAt: Date | string;
  payload: unknown;
}

/**
 * Adds the job, or replaces the pending one with the same key (new run-at, payload, attempts from 0).
 * A job that is running keeps its holder; the revision bump tells the holder to leave it due when it
 * finishes, so work scheduled during a run is never lost and never runs twice at once.
 */
export async function scheduleJob(q: Queryable, spec: JobSpec, ifAbsent = false): Promise<void> {
  const runAt = typeof spec.runAt === 'string' ? spec.runAt : spec.runAt.toISOString();
  await q
    .insertInto('jobs')
    .values({
      id: newId('jb'),
      kind: spec.kind,
      key: spec.key,
      payload: JSON.stringify(spec.payload),
      run_at: runAt,
      attempts: 0,
      last_error: null,
      locked_by: null,
      locked_until: null,
      revision: 0,
      failed_at: null,
      created_at: nowIso(),
    })
    .onConflict((oc) =>
      // ifAbsent: a recurring job announced by every process that starts keeps the time it has.
      ifAbsent
        ? oc.column('key').doNothing()
        : oc.column('key').doUpdateSet({
        kind: spec.kind,
        payload: JSON.stringify(spec.payload),
        run_at: runAt,
        attempts: 0,
        last_error: null,
        failed_at: null,
        revision: sql<number>`jobs.revision + 1`,
      }),
    )
    .execute();
}
