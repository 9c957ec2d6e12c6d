/**
 * Commit floors for Dockhand's write pattern: how many "bookings" per second the database itself allows
 * when each booking is a run of small commits, every one an insert or update of a row with ~1 KB of
 * JSON. SQLite: 7 commits per booking on one better-sqlite3 connection opened as src/db/database.ts
 * opens it (WAL, synchronous=NORMAL). PostgreSQL: 8 commits per booking from several concurrent
 * clients of a pg pool. No engine, no HTTP: the ceiling the engine's throughput is compared with.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { freshSchema } from './lib/postgres.js';
import { results } from './lib/results.js';
import { envNumber, fmt, line } from './lib/stats.js';

const SECONDS = envNumber('BENCH_FLOOR_SECONDS', 3);
const PG_CLIENTS = envNumber('BENCH_FLOOR_PG_CLIENTS', 16);
export const SQLITE_COMMITS_PER_BOOKING = 7;
export const POSTGRES_COMMITS_PER_BOOKING = 8;

/** ~1 KB of JSON, different for every row. */
const payload = (i: number, step: string) =>
  JSON.stringify({
    booking: i,
    step,
    source: 'boatsetter',
    external_id: `FLOOR-${i}`,
    date: '2030-01-05',
    start_time: '09:00',
    timezone: 'America/Los_Angeles',
    boat: 'JADA',
    location: 'Sheraton Marina',
    guest: { name: 'Boatsetter Guest', email: 'guest@example.com', phone: '+16195550100', party_size: 6 },
    crew_assignments: [{ role: 'crew', count: 2, hourly_rate: 25 }, { role: 'captain', count: 1, hourly_rate: 50 }],
    notes: 'x'.repeat(620),
    at: new Date().toISOString(),
  });

const DDL = [
  'CREATE TABLE floor_bookings (id TEXT PRIMARY KEY, status TEXT NOT NULL, data TEXT NOT NULL, updated_at TEXT NOT NULL)',
  'CREATE TABLE floor_steps (booking_id TEXT NOT NULL, step TEXT NOT NULL, result TEXT NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (booking_id, step))',
  'CREATE TABLE floor_outbox (id TEXT PRIMARY KEY, booking_id TEXT NOT NULL, body TEXT NOT NULL, status TEXT NOT NULL)',
];

export async function sqliteFloor(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dockhand-bench-floor-'));
  const db = new SQLite(join(dir, 'floor.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  for (const ddl of DDL) db.exec(ddl);
  const insertBooking = db.prepare('INSERT INTO floor_bookings (id, status, data, updated_at) VALUES (?, ?, ?, ?)');
  const setStatus = db.prepare('UPDATE floor_bookings SET status = ?, data = ?, updated_at = ? WHERE id = ?');
  const upsertStep = db.prepare('INSERT INTO floor_steps (booking_id, step, result, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (booking_id, step) DO UPDATE SET result = excluded.result, updated_at = excluded.updated_at');
  const insertMail = db.prepare('INSERT INTO floor_outbox (id, booking_id, body, status) VALUES (?, ?, ?, ?)');
  // Each statement outside a transaction is its own commit: 7 per booking.
  const booking = (i: number) => {
    const id = `bk_${i}`;
    const now = new Date().toISOString();
    insertBooking.run(id, 'pending', payload(i, 'intake'), now); // 1
    setStatus.run('running', payload(i, 'lease'), now, id); // 2
    for (const step of ['guest_page', 'calendar', 'crew_event']) upsertStep.run(id, step, payload(i, step), now); // 3-5
    insertMail.run(`ml_${i}`, id, payload(i, 'mail'), 'pending'); // 6
    setStatus.run('synced', payload(i, 'synced'), now, id); // 7
  };
  let n = 0;
  const start = performance.now();
  const end = start + SECONDS * 1000;
  while (performance.now() < end) booking(n++);
  const seconds = (performance.now() - start) / 1000;
  db.close();
  rmSync(dir, { recursive: true, force: true });
  const bookings = n / seconds;
  results.sqliteFloorBookings = bookings;
  console.log(`SQLite commit floor: better-sqlite3, WAL, synchronous=NORMAL, ${SQLITE_COMMITS_PER_BOOKING} commits of ~1 KB JSON per booking, ${SECONDS} s`);
  line('SQLite floor', `${fmt(n * SQLITE_COMMITS_PER_BOOKING / seconds, 0)} commits/s = ${fmt(bookings, 0)} bookings/s (${n} bookings in ${fmt(seconds, 2)} s)`);
}

export async function postgresFloor(): Promise<void> {
  const schema = await freshSchema('bench_floor');
  const pool = new pg.Pool({ connectionString: schema.url.replace(/[?&]schema=[^&]*/, ''), max: PG_CLIENTS, options: `-c search_path=${schema.schema}` });
  try {
    for (const ddl of DDL) await pool.query(ddl);
    const booking = async (i: number) => {
      const id = `bk_${i}`;
      const now = new Date().toISOString();
      await pool.query('INSERT INTO floor_bookings (id, status, data, updated_at) VALUES ($1, $2, $3, $4)', [id, 'pending', payload(i, 'intake'), now]); // 1
      await pool.query('UPDATE floor_bookings SET status = $1, data = $2, updated_at = $3 WHERE id = $4', ['running', payload(i, 'lease'), now, id]); // 2
      for (const step of ['guest_page', 'calendar', 'crew_event', 'notifications']) {
        await pool.query('INSERT INTO floor_steps (booking_id, step, result, updated_at) VALUES ($1, $2, $3, $4) ON CONFLICT (booking_id, step) DO UPDATE SET result = excluded.result, updated_at = excluded.updated_at', [id, step, payload(i, step), now]); // 3-6
      }
      await pool.query('INSERT INTO floor_outbox (id, booking_id, body, status) VALUES ($1, $2, $3, $4)', [`ml_${i}`, id, payload(i, 'mail'), 'pending']); // 7
      await pool.query('UPDATE floor_bookings SET status = $1, data = $2, updated_at = $3 WHERE id = $4', ['synced', payload(i, 'synced'), now, id]); // 8
    };
    let next = 0;
    let done = 0;
    const start = performance.now();
    const end = start + SECONDS * 1000;
    await Promise.all(
      Array.from({ length: PG_CLIENTS }, async () => {
        while (performance.now() < end) {
          await booking(next++);
          done++;
        }
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    const bookings = done / seconds;
    results.postgresFloorBookings = bookings;
    console.log(`PostgreSQL commit floor: pg pool, ${PG_CLIENTS} concurrent clients, ${POSTGRES_COMMITS_PER_BOOKING} commits of ~1 KB JSON per booking, ${SECONDS} s`);
    line('PostgreSQL floor', `${fmt(done * POSTGRES_COMMITS_PER_BOOKING / seconds, 0)} commits/s = ${fmt(bookings, 0)} bookings/s (${done} bookings in ${fmt(seconds, 2)} s)`);
  } finally {
    await pool.end();
    await schema.drop();
  }
}
