import { sql, type Kysely } from 'kysely';

/**
 * One job table for all background work (graphile-worker's shape): a run-at time, a replaceable key,
 * attempts, and a lease. `revision` grows whenever a pending or running job is scheduled again, so a
 * holder that finishes an older revision leaves the newer one due instead of deleting it.
 *
 * Work that 0.1.0 kept in its own queues (bookings due, outbox rows unsent, photos unprocessed, offers
 * open) becomes jobs here, so an installation upgraded in flight finishes all of it exactly once.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull().unique())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('run_at', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('locked_by', 'text')
    .addColumn('locked_until', 'text')
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('failed_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('jobs_due').on('jobs').columns(['kind', 'failed_at', 'run_at']).execute();
  // Overlap checks read bookings by start time, bounded by the longest charter: an index keeps them
  // to the few days around a charter however many bookings are stored.
  await db.schema.createIndex('bookings_starts_at').on('bookings').columns(['starts_at']).execute();

  const now = new Date().toISOString();
  const job = (kind: string, key: string, payload: string, runAt: string) =>
    sql`(${`jb_upgrade_${key}`}, ${kind}, ${key}, ${payload}, ${runAt}, 0, null, null, null, 0, null, ${now})`;
  const insert = async (rows: ReturnType<typeof job>[]) => {
    if (rows.length === 0) return;
    await sql`insert into jobs (id, kind, key, payload, run_at, attempts, last_error, locked_by, locked_until, revision, failed_at, created_at) values ${sql.join(rows)}`.execute(db);
  };
  const bookings = await sql<{ id: string; next_run_at: string }>`select id, next_run_at from bookings where next_run_at is not null`.execute(db);
  await insert(bookings.rows.map((b) => job('booking.sync', `booking:${b.id}`, JSON.stringify({ booking_id: b.id }), now)));
  const mail = await sql<{ id: string }>`select id from outbox where status in ('pending', 'sending')`.execute(db);
  await insert(mail.rows.map((m) => job('mail.send', `mail:${m.id}`, JSON.stringify({ outbox_id: m.id }), now)));
  const photos = await sql<{ id: string }>`select id from photos where status in ('uploaded', 'processing')`.execute(db);
  await insert(photos.rows.map((p) => job('photo.process', `photo:${p.id}`, JSON.stringify({ photo_id: p.id }), now)));
  const vacancies = await sql<{ id: string; expires_at: string }>`select id, expires_at from crew_vacancies where status = 'open'`.execute(db);
  await insert(vacancies.rows.map((v) => job('vacancy.expire', `vacancy:${v.id}`, JSON.stringify({ vacancy_id: v.id }), v.expires_at)));
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('bookings_starts_at').ifExists().execute();
  await db.schema.dropTable('jobs').ifExists().execute();
}
