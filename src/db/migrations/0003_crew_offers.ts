import type { Kysely } from 'kysely';

// Decline-and-replace: a vacancy is a declined place being offered; each offer is one person's link to it.
// Only text and integer columns, so the same migration means the same on SQLite and PostgreSQL.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('crew_vacancies')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('event_id', 'text', (c) => c.notNull().references('crew_events.id').onDelete('cascade'))
    .addColumn('declined_crew_id', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('hourly_rate_cents', 'integer')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('filled_by', 'text')
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('crew_vacancies_due').on('crew_vacancies').columns(['status', 'expires_at']).execute();
  await db.schema.createIndex('crew_vacancies_event').on('crew_vacancies').columns(['event_id', 'status']).execute();

  await db.schema
    .createTable('crew_offers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('vacancy_id', 'text', (c) => c.notNull().references('crew_vacancies.id').onDelete('cascade'))
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('crew_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('token_expires_at', 'text', (c) => c.notNull())
    .addColumn('responded_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('crew_offers_vacancy_crew', ['vacancy_id', 'crew_id'])
    .execute();
  await db.schema.createIndex('crew_offers_event').on('crew_offers').columns(['event_id', 'status']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('crew_offers').ifExists().execute();
  await db.schema.dropTable('crew_vacancies').ifExists().execute();
}
