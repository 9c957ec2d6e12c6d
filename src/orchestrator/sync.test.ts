import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshDatabaseUrl } from '../../test/helpers/database.js';
import { until } from '../../test/helpers/wait.js';
import { parseConfig } from '../config/env.js';
import type { AppContext } from '../context.js';
import { openDatabase, type DatabaseHandle } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { nowIso } from '../db/ids.js';
import { createJobs } from '../jobs/queue.js';
import { JobRunner } from '../jobs/runner.js';
import { scheduleJob } from '../jobs/sql/schedule.js';
import { RemoteError } from './adapters/http.js';
import type { CalendarEntryBody, CalendarPort, CrewEventBody, CrewEventState, CrewMemberRef, CrewPort } from './adapters/ports.js';
import type { Ports } from './saga.js';
import { OrchestratorService } from './service.js';
import { chooseCrew, type CrewChoice } from './assign.js';
import { writeIntent } from './journal.js';
import { findBooking, insertBooking } from './store.js';
import { bookingSyncTask, SYNC, syncKey } from './sync.js';
import type { Booking } from './types.js';

/**
 * The engine's guarantees, each pinned here with fake calendar, crew and site ports (in memory,
 * remote-style, so every step goes through intents and idempotency keys) on a real database: SQLite,
 * or PostgreSQL when TEST_DATABASE_URL is set.
 */
const fixture = JSON.parse(readFileSync(new URL('../../test/fixtures/booking-may-30.json', import.meta.url), 'utf8')) as Booking;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class FakeCrew implements CrewPort {
  readonly local = false;
  roster: CrewMemberRef[] = [
    { id: 'cap', name: 'Cap', email: 'cap@example.test', roles: ['captain'] },
    { id: 'c1', name: 'C1', email: 'c1@example.test', roles: ['crew'] },
    { id: 'c2', name: 'C2', email: 'c2@example.test', roles: ['crew'] },
  ];
  creates: { body: CrewEventBody; key: string }[] = [];
  events = new Map<string, CrewEventState>();
  failCreates = 0;
  beforeList: () => Promise<void> = async () => {};
  async listCrew() {
    await this.beforeList();
    return this.roster;
  }
  async createEvent(body: CrewEventBody, key: string) {
    this.creates.push({ body, key });
    if (this.failCreates-- > 0) throw new RemoteError('crew service unreachable', true);
    const id = `ev_${key}`;
    const seat = (crew_id: string, role: string) => ({ crew_id, name: crew_id, role, status: 'pending', email: null });
    this.events.set(id, { event_id: id, status: 'active', crew: [seat(body.captain, 'captain'), ...body.crew.map((c) => seat(c, 'crew'))] });
    return { event_id: id };
  }
  async updateEvent(id: string) {
    return { event_id: id };
  }
  async cancelEvent(id: string) {
    return { event_id: id };
  }
  async getEvent(id: string) {
    return this.events.get(id)!;
  }
}

class FakeCalendar implements CalendarPort {
  readonly local = false;
  during: () => Promise<void> = async () => {};
  creates: CalendarEntryBody[] = [];
  async create(body: CalendarEntryBody) {
    await this.during();
    this.creates.push(body);
    return { id: `cal_${this.creates.length}` };
  }
  async update(id: string) {
    return { id };
  }
  async cancel(id: string) {
    return { id };
  }
}

describe('the booking saga', () => {
  let database: DatabaseHandle;
  let dir: string;
  let drop: () => Promise<void>;
  let ctx: AppContext;
  let crew: FakeCrew;
  let calendar: FakeCalendar;
  let published: unknown[];
  let ports: Ports;
  let runner: JobRunner;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dockhand-saga-'));
    const fresh = await freshDatabaseUrl();
    drop = fresh.drop;
    database = openDatabase({ dataDir: dir, databaseUrl: fresh.url });
    await migrateToLatest(database.db);
    const logger = pino({ level: 'silent' });
    runner = new JobRunner(database.db, database.dialect, logger, { pollMs: 60_000, backoffBaseMs: 10, backoffMaxMs: 20 });
    const config = parseConfig({ DOCKHAND_DATA_DIR: dir, OWNER_EMAIL: 'owner@example.test', LOG_LEVEL: 'silent', BOOKING_DAYS_BACK: '3650', BOOKING_DAYS_AHEAD: '3650' });
    const jobs = createJobs((kind) => runner.kick(kind));
    ctx = { config, db: database.db, dialect: database.dialect, logger, jobs, mailKick: () => {} } as unknown as AppContext;
    crew = new FakeCrew();
    calendar = new FakeCalendar();
    published = [];
    const site = { publish: async (input: unknown) => (published.push(input), { slug: 'page', url: 'http://127.0.0.1/g/page', created: true }) };
    ports = { crew, calendar, site };
    runner.register(bookingSyncTask(ctx, ports, { concurrency: 4, stepTimeoutMs: 5000, maxAttempts: 5 }, () => runner.owner));
  });
  afterEach(async () => {
    await runner.stop(100);
    await database.close();
    await drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const submit = async (changes: Partial<Booking> = {}, cancelled = false) => {
    return database.db.transaction().execute(async (tx) => {
      const row = await insertBooking(tx, { ...fixture, crew: null, captain: null, ...changes }, undefined);
      if (cancelled) await tx.updateTable('bookings').set({ cancel_requested_at: nowIso() }).where('id', '=', row.id).execute();
      await scheduleJob(tx, { kind: SYNC, key: syncKey(row.id), runAt: new Date(), payload: { booking_id: row.id } });
      return row.id;
    });
  };
  const booking = (id: string) => database.db.selectFrom('bookings').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const settled = async (id: string) => {
    await until(async () => ['synced', 'conflict', 'failed', 'cancelled'].includes((await booking(id)).status));
    return booking(id);
  };
  const audits = (id: string) => database.db.selectFrom('audit_log').selectAll().where('entity_id', '=', id).orderBy('at').execute();

  it('never marks a booking synced by a run that finishes after a newer version arrived', async () => {
    const id = await submit();
    // The change lands while the calendar call is out: a new version, and the job scheduled again.
    calendar.during = async () => {
      calendar.during = async () => {};
      await database.db.transaction().execute(async (tx) => {
        await tx.updateTable('bookings').set({ version: 2, status: 'syncing' }).where('id', '=', id).execute();
        await scheduleJob(tx, { kind: SYNC, key: syncKey(id), runAt: new Date(), payload: { booking_id: id } });
      });
    };
    runner.start();
    await until(async () => (await booking(id)).status === 'synced');
    const verdicts = (await audits(id)).filter((a) => a.action === 'sync_synced').map((a) => JSON.parse(a.data!).version);
    expect(verdicts).toEqual([2]);
  });

  it('replays a recorded create intent after a lost call, never rebuilds it', async () => {
    crew.failCreates = 1;
    let calls = 0;
    crew.beforeList = async () => {
      // Between the attempts someone joins who sorts first: a rebuilt choice would pick c0, not c1.
      if (calls++ === 1) crew.roster.push({ id: 'c0', name: 'C0', email: 'c0@example.test', roles: ['crew'] });
    };
    const id = await submit({ crew_assignments: [{ role: 'captain', count: 1, hourly_rate: 50 }, { role: 'crew', count: 1, hourly_rate: 30 }] });
    runner.start();
    expect(await settled(id)).toMatchObject({ status: 'synced', last_error: null });
    expect(crew.creates).toHaveLength(2);
    expect(crew.creates[1]).toEqual(crew.creates[0]);
    expect(crew.creates[0]!.body.crew).toEqual(['c1']);
  });

  it('never lets two overlapping bookings choose the same free person: the people chosen stay locked until the choice is on record', async () => {
    const roster = crew.roster.filter((m) => m.id !== 'c2');
    const roles = { crew_assignments: [{ role: 'captain', count: 1, hourly_rate: 50 }, { role: 'crew', count: 1, hourly_rate: 30 }] };
    const a = (await findBooking(database.db, await submit({ ...roles, boat: 'Boat A', external_id: 'A' })))!;
    const b = (await findBooking(database.db, await submit({ ...roles, boat: 'Boat B', external_id: 'B' })))!;
    let chosenA: CrewChoice | undefined;
    let recordA!: () => void;
    const recorded = new Promise<void>((r) => (recordA = r));
    // A chooses and holds its transaction open; B chooses meanwhile, from what it can see.
    const txA = database.db.transaction().execute(async (tx) => {
      chosenA = await chooseCrew(ctx, tx, roster, a.id, a.data);
      await recorded;
      await writeIntent(tx, a.id, 'crew_event', 1, chosenA);
    });
    await until(() => chosenA);
    const txB = database.db.transaction().execute((tx) => chooseCrew(ctx, tx, roster, b.id, b.data));
    await sleep(300);
    recordA();
    await txA;
    expect(chosenA).toEqual({ captain: 'cap', crew: ['c1'] });
    await expect(txB).rejects.toThrow(/nobody available on the roster for: captain, 1 crew/);
  });

  it('sends the captain summary to the captain now on the event, not the one first chosen', async () => {
    crew.roster.push({ id: 'cap2', name: 'Second Captain', email: 'cap2@example.test', roles: ['captain'] });
    const original = crew.createEvent.bind(crew);
    crew.createEvent = async (body, key) => {
      const created = await original(body, key);
      // The first captain declined and was replaced before the summary went out.
      crew.events.get(created.event_id)!.crew = [
        { crew_id: 'cap', name: 'Cap', role: 'captain', status: 'declined', email: null, replaced_by: 'cap2' },
        { crew_id: 'cap2', name: 'Second Captain', role: 'captain', status: 'confirmed', email: null },
      ];
      return created;
    };
    const id = await submit({ captain: 'cap', crew: [], crew_assignments: [{ role: 'captain', count: 1, hourly_rate: 50 }] });
    runner.start();
    expect((await settled(id)).status).toBe('synced');
    const summaries = await database.db.selectFrom('outbox').selectAll().where('kind', '=', 'captain_summary').execute();
    expect(summaries.map((m) => m.to_address)).toEqual(['cap2@example.test']);
  });

  it('publishes no page for a booking cancelled before its page went out', async () => {
    const id = await submit({}, true);
    runner.start();
    expect((await settled(id)).status).toBe('cancelled');
    expect(published).toEqual([]);
    expect(crew.creates).toEqual([]);
    expect(calendar.creates).toEqual([]);
  });

  it('clears the owner\'s conflict override when the charter changes', async () => {
    const service = new OrchestratorService(ctx, ports);
    const { id } = await service.submit({ ...fixture, external_id: 'FORCED', crew: null, captain: null }, undefined, 'operator');
    await database.db.updateTable('bookings').set({ status: 'conflict' }).where('id', '=', id).execute();
    await service.retry(id, 'operator', true);
    expect((await booking(id)).forced_at).not.toBeNull();
    await service.change(id, { start_time: '11:00' }, undefined, 'operator');
    expect((await booking(id)).forced_at).toBeNull();
  });
});
