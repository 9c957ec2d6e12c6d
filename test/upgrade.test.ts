import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migrator, sql, type Migration } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createDockhand, type Dockhand } from '../src/app.js';
import { parseConfig } from '../src/config/env.js';
import { openDatabase, schemaOf, type DatabaseHandle } from '../src/db/database.js';
import { schemaState } from '../src/db/migrate.js';
import * as m0001 from '../src/db/migrations/0001_initial.js';
import * as m0002 from '../src/db/migrations/0002_photos.js';
import * as m0003 from '../src/db/migrations/0003_crew_offers.js';
import { api, eventually, TEST_DASHBOARD_TOKEN, TEST_SERVICE_KEY } from './helpers/app.js';
import { freshDatabaseUrl } from './helpers/database.js';
import { startSmtpSink, type SmtpSink } from './helpers/smtp.js';

const fixture = JSON.parse(readFileSync(new URL('./fixtures/booking-may-30.json', import.meta.url), 'utf8'));
const roster = JSON.parse(readFileSync(new URL('./fixtures/crew.json', import.meta.url), 'utf8')) as { id: string; name: string; email: string; roles: string[] }[];

/** The migration set release 0.1.0 shipped, under the names it recorded them by. */
const release010: Record<string, Migration> = { '0001_initial': m0001, '0002_photos': m0002, '0004_crew_offers': m0003 };

/**
 * A database as 0.1.0 left it, with work in flight (a booking not yet synced, a message not yet sent),
 * upgraded in place by today's code: on SQLite at start, on PostgreSQL by the migrate step (the same
 * migrateToLatest that `dockhand migrate` runs), then everything syncs and sends exactly once.
 */
describe('upgrading an installation made by 0.1.0', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  it('carries bookings in flight and unsent mail over, and each syncs or sends exactly once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dockhand-upgrade-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const fresh = await freshDatabaseUrl();
    cleanup.push(fresh.drop);
    const smtp: SmtpSink = await startSmtpSink();
    cleanup.push(() => smtp.close());

    // 0.1.0's schema, and what it held when it was stopped.
    const old: DatabaseHandle = openDatabase({ dataDir: dir, databaseUrl: fresh.url });
    const schema = schemaOf(old.db);
    const migrator = new Migrator({ db: old.db, provider: { getMigrations: async () => release010 }, ...(schema ? { migrationTableSchema: schema } : {}) });
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    const now = new Date().toISOString();
    for (const m of roster) {
      await sql`insert into crew_members (id, name, email, roles, created_at, updated_at) values (${m.id}, ${m.name}, ${m.email}, ${JSON.stringify(m.roles)}, ${now}, ${now})`.execute(old.db);
    }
    const booking = { ...fixture, external_id: 'BS-INFLIGHT' };
    await sql`insert into bookings (id, source, external_id, idempotency_key, data, charter_date, starts_at, ends_at, boat, cancel_requested_at, forced_at, status, version, attempts, last_error, next_run_at, lease_until, lease_owner, created_at, updated_at)
      values ('bk_inflight0000000001', ${booking.source}, ${booking.external_id}, null, ${JSON.stringify(booking)}, ${booking.date}, '2024-05-30T16:00:00.000Z', '2024-05-30T20:00:00.000Z', ${booking.boat}, null, null, 'pending', 1, 0, null, ${now}, null, null, ${now}, ${now})`.execute(old.db);
    await sql`insert into outbox (id, dedupe_key, message_id, kind, ref_type, ref_id, to_address, to_name, subject, text_body, html_body, status, attempts, last_error, next_attempt_at, lease_until, created_at, sent_at)
      values ('ml_unsent0000000001', 'owner-note:1', '<ml_unsent0000000001@dockhand.local>', 'owner_conflict', null, null, 'owner@example.test', null, 'Left in the outbox by 0.1.0', 'text', '<p>html</p>', 'pending', 0, null, ${now}, null, ${now}, null)`.execute(old.db);
    expect((await schemaState(old.db)).pending).toEqual(['0004_jobs']);
    await old.close();

    // Today's release, started on it.
    const config = parseConfig({
      ...(fresh.url ? { DATABASE_URL: fresh.url } : {}),
      PORT: '0',
      DOCKHAND_DATA_DIR: dir,
      DASHBOARD_TOKEN: TEST_DASHBOARD_TOKEN,
      SERVICE_KEY: TEST_SERVICE_KEY,
      SMTP_URL: smtp.url,
      LOG_LEVEL: 'silent',
    });
    // SQLite migrates itself at start; a shared PostgreSQL is migrated on purpose first.
    const dockhand: Dockhand = await createDockhand({ config, migrate: config.databaseUrl !== undefined });
    cleanup.push(() => dockhand.close());
    const url = await dockhand.listen();
    const names = await sql<{ name: string }>`select name from ${sql.table(schema ? `${schema}.kysely_migration` : 'kysely_migration')} order by name`.execute(dockhand.ctx.db);
    expect(names.rows.map((r) => r.name)).toEqual(['0001_initial', '0002_photos', '0003_crew_offers', '0004_jobs']);

    const headers = { authorization: `Bearer ${TEST_DASHBOARD_TOKEN}` };
    const synced = await eventually(async () => {
      const { body } = await api(`${url}/bookings/bk_inflight0000000001`, { headers });
      return body.status === 'synced' && body.steps.notifications.sent === body.steps.notifications.total && body;
    }, 20_000, 'the booking left in flight to sync');
    expect(synced.steps.notifications.total).toBe(4);
    await eventually(async () => smtp.messages.length >= 5, 10_000, 'every email');
    await new Promise((r) => setTimeout(r, 300));
    const ids = smtp.messages.map((m) => m.messageId);
    expect(ids).toHaveLength(5);
    expect(new Set(ids).size).toBe(5);
    expect(ids).toContain('<ml_unsent0000000001@dockhand.local>');
    expect(await dockhand.ctx.db.selectFrom('jobs').select('key').where('kind', '!=', 'uploads.sweep').execute()).toEqual([]);
  });
});
