import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Db } from './database.js';
import { redactLinks } from '../mail/redact.js';
import type { Database, OutboxTable } from './schema.js';
import { schemaState } from './migrate.js';

/** Every table, parents before children, so an import never breaks a foreign key. */
export const transferTables: (keyof Database)[] = [
  'crew_members',
  'calendar_entries',
  'crew_events',
  'crew_event_members',
  'crew_vacancies',
  'crew_offers',
  'site_pages',
  'photos',
  'bookings',
  'booking_steps',
  'booking_attempts',
  'outbox',
  'jobs',
  'idempotency_keys',
  'audit_log',
];

const FORMAT = 'dockhand-export';

/** Stable paging needs a total order; tables without an "id" column are ordered by their key. */
const primaryKeys: Partial<Record<keyof Database, string[]>> = {
  crew_event_members: ['event_id', 'crew_id'],
  booking_steps: ['booking_id', 'step'],
  idempotency_keys: ['scope', 'key'],
  site_pages: ['slug'],
};

/**
 * An export never carries a working magic link: only token hashes move. A message not yet sent when
 * the export was made arrives without its link (the crew member gets a fresh one with "resend link").
 */
const withoutLinks = (row: OutboxTable): OutboxTable => ({ ...row, text_body: redactLinks(row.text_body), html_body: redactLinks(row.html_body) });

/**
 * One JSON line per row, after a header naming the format and the schema it came from. Lines, so a
 * large installation streams through in constant memory; JSON, so SQLite and PostgreSQL read it alike.
 */
export async function exportTo(db: Db, path: string): Promise<Record<string, number>> {
  const out = createWriteStream(path, { mode: 0o600 });
  const write = async (value: unknown) => {
    if (!out.write(JSON.stringify(value) + '\n')) await once(out, 'drain');
  };
  const state = await schemaState(db);
  await write({ format: FORMAT, version: 1, pending_migrations: state.pending, exported_at: new Date().toISOString() });
  const counts: Record<string, number> = {};
  for (const table of transferTables) {
    counts[table] = 0;
    const pageSize = 1000;
    for (let offset = 0; ; offset += pageSize) {
      let query = db.selectFrom(table).selectAll();
      for (const column of primaryKeys[table] ?? ['id']) query = query.orderBy(column as never);
      const rows = await query.limit(pageSize).offset(offset).execute();
      for (const row of rows) await write({ table, row: table === 'outbox' ? withoutLinks(row as OutboxTable) : row });
      counts[table] += rows.length;
      if (rows.length < pageSize) break;
    }
  }
  out.end();
  await once(out, 'finish');
  return counts;
}

/** Loads an export into an empty, migrated database, in one transaction: all of it or nothing. */
export async function importFrom(db: Db, path: string): Promise<Record<string, number>> {
  for (const table of transferTables) {
    const any = await db.selectFrom(table).select(db.fn.countAll().as('n')).executeTakeFirstOrThrow();
    if (Number(any.n) > 0) throw new Error(`the target database already holds ${table}; import only into a new, empty installation`);
  }
  const counts: Record<string, number> = {};
  await db.transaction().execute(async (trx) => {
    let header = false;
    let batch: { table: keyof Database; rows: unknown[] } | undefined;
    const flush = async () => {
      if (batch && batch.rows.length > 0) await trx.insertInto(batch.table).values(batch.rows as never).execute();
      batch = undefined;
    };
    // Made right where it is read: readline drops lines emitted before iteration begins.
    const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
    for await (const line of lines) {
      if (!line.trim()) continue;
      const record = JSON.parse(line) as { format?: string; table?: keyof Database; row?: unknown };
      if (!header) {
        if (record.format !== FORMAT) throw new Error(`${path} is not a Dockhand export (no "${FORMAT}" header)`);
        header = true;
        continue;
      }
      if (!record.table || !transferTables.includes(record.table)) throw new Error(`${path}: unknown table "${String(record.table)}"`);
      if (batch && (batch.table !== record.table || batch.rows.length >= 200)) await flush();
      batch ??= { table: record.table, rows: [] };
      batch.rows.push(record.row);
      counts[record.table] = (counts[record.table] ?? 0) + 1;
    }
    await flush();
    if (!header) throw new Error(`${path} is empty`);
  });
  return counts;
}
