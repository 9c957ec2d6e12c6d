import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { DatabaseHandle } from './database.js';

const local = new Map<string, Promise<unknown>>();

/**
 * Runs fn while holding a named lock: an in-process queue always, and on PostgreSQL also a session
 * advisory lock, so workers in other processes wait their turn too. (SQLite deployments are one process.)
 */
export async function withLock<T>(database: Pick<DatabaseHandle, 'db' | 'dialect'>, name: string, fn: () => Promise<T>): Promise<T> {
  const previous = local.get(name) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((resolve) => (release = resolve));
  const chained = previous.then(() => mine);
  local.set(name, chained);
  await previous;
  try {
    if (database.dialect !== 'postgres') return await fn();
    const key = createHash('sha256').update(name).digest().readBigInt64BE(0);
    return await database.db.connection().execute(async (conn) => {
      await sql`select pg_advisory_lock(${key})`.execute(conn);
      try {
        return await fn();
      } finally {
        await sql`select pg_advisory_unlock(${key})`.execute(conn);
      }
    });
  } finally {
    release();
    if (local.get(name) === chained) local.delete(name);
  }
}
