import { sql } from 'kysely';
import type { Db } from '../../db/database.js';

/** When the next job of these kinds falls due: its run-at, or the end of a lease its dead holder left. */
export async function nextDue(db: Db, kinds: string[]): Promise<Date | undefined> {
  if (kinds.length === 0) return undefined;
  const row = await db
    .selectFrom('jobs')
    .select(sql<string | null>`min(case when locked_until is null then run_at when locked_until > run_at then locked_until else run_at end)`.as('at'))
    .where('kind', 'in', kinds)
    .where('failed_at', 'is', null)
    .executeTakeFirst();
  return row?.at ? new Date(row.at) : undefined;
}
