import type { Db } from '../../db/database.js';

/** The heartbeat: one statement keeps every job this holder is running leased. */
export async function extendLeases(db: Db, owner: string, ids: string[], leaseMs: number): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('jobs')
    .set({ locked_until: new Date(Date.now() + leaseMs).toISOString() })
    .where('locked_by', '=', owner)
    .where('id', 'in', ids)
    .execute();
}
