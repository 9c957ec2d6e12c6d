import type { Db, Queryable } from '../db/database.js';
import { audit } from '../db/audit.js';
import { newId, nowIso } from '../db/ids.js';
import type { BookingStepTable, BookingTable } from '../db/schema.js';
import { addHours, localToInstant } from '../lib/time.js';
import type { Booking, BookingStatus, StepName, StepResults } from './types.js';

export interface BookingRow extends Omit<BookingTable, 'data' | 'status'> {
  data: Booking;
  status: BookingStatus;
}

const toRow = (row: BookingTable): BookingRow => ({ ...row, data: JSON.parse(row.data) as Booking, status: row.status as BookingStatus });

/** Columns kept beside the JSON so the calendar range and overlap queries can use an index. */
export function charterColumns(b: Pick<Booking, 'date' | 'start_time' | 'timezone' | 'duration_hours' | 'boat'>) {
  const startsAt = localToInstant(b.date, b.start_time, b.timezone);
  return { charter_date: b.date, starts_at: startsAt, ends_at: addHours(startsAt, b.duration_hours), boat: b.boat ?? null };
}

export async function findBooking(q: Queryable, id: string): Promise<BookingRow | undefined> {
  const row = await q.selectFrom('bookings').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toRow(row);
}

export async function findBookingByNaturalKey(q: Queryable, source: string, externalId: string, idempotencyKey?: string) {
  let query = q.selectFrom('bookings').selectAll();
  query = idempotencyKey
    ? query.where((eb) => eb.or([eb.and([eb('source', '=', source), eb('external_id', '=', externalId)]), eb('idempotency_key', '=', idempotencyKey)]))
    : query.where('source', '=', source).where('external_id', '=', externalId);
  const row = await query.executeTakeFirst();
  return row && toRow(row);
}

export async function insertBooking(q: Queryable, booking: Booking, idempotencyKey: string | undefined): Promise<BookingRow> {
  const now = nowIso();
  const row: BookingTable = {
    id: newId('bk'),
    source: booking.source,
    external_id: booking.external_id,
    idempotency_key: idempotencyKey ?? null,
    data: JSON.stringify(booking),
    ...charterColumns(booking),
    cancel_requested_at: null,
    forced_at: null,
    status: 'pending',
    version: 1,
    attempts: 0,
    last_error: null,
    next_run_at: now,
    lease_until: null,
    lease_owner: null,
    created_at: now,
    updated_at: now,
  };
  await q.insertInto('bookings').values(row).execute();
  return toRow(row);
}

export interface BookingFilter {
  status?: BookingStatus | undefined;
  from?: string | undefined;
  to?: string | undefined;
  limit?: number | undefined;
}

export async function listBookings(q: Queryable, filter: BookingFilter): Promise<BookingRow[]> {
  let query = q.selectFrom('bookings').selectAll().orderBy('created_at', 'desc').limit(filter.limit ?? 200);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.from) query = query.where('charter_date', '>=', filter.from);
  if (filter.to) query = query.where('charter_date', '<=', filter.to);
  return (await query.execute()).map(toRow);
}

export async function loadSteps(q: Queryable, bookingId: string): Promise<Map<StepName, BookingStepTable>> {
  const rows = await q.selectFrom('booking_steps').selectAll().where('booking_id', '=', bookingId).execute();
  return new Map(rows.map((r) => [r.step as StepName, r]));
}

export function resultsOf(steps: Map<StepName, BookingStepTable>): StepResults {
  const results: StepResults = {};
  for (const [name, row] of steps) {
    if (row.result) (results as Record<string, unknown>)[name] = JSON.parse(row.result);
  }
  return results;
}

export async function saveStep(
  q: Queryable,
  bookingId: string,
  step: StepName,
  values: { status: string; version: number; result?: unknown; attempts: number; error: string | null },
): Promise<void> {
  const row = {
    booking_id: bookingId,
    step,
    status: values.status,
    version: values.version,
    result: values.result === undefined ? null : JSON.stringify(values.result),
    attempts: values.attempts,
    last_error: values.error,
    updated_at: nowIso(),
  };
  const { booking_id: _b, step: _s, ...changes } = row;
  const update = values.result === undefined ? (({ result: _r, ...rest }) => rest)(changes) : changes;
  await q
    .insertInto('booking_steps')
    .values(row)
    .onConflict((oc) => oc.columns(['booking_id', 'step']).doUpdateSet(update))
    .execute();
}

export async function startAttempt(q: Queryable, bookingId: string, step: StepName | 'conflict_check'): Promise<string> {
  const id = newId('at');
  await q.insertInto('booking_attempts').values({ id, booking_id: bookingId, step, started_at: nowIso(), ended_at: null, outcome: 'running', error: null }).execute();
  return id;
}

export async function endAttempt(q: Queryable, attemptId: string, outcome: 'ok' | 'error' | 'conflict', error: string | null): Promise<void> {
  await q.updateTable('booking_attempts').set({ ended_at: nowIso(), outcome, error }).where('id', '=', attemptId).execute();
}

export async function history(q: Queryable, bookingId: string) {
  return q
    .selectFrom('booking_attempts')
    .select(['step', 'started_at', 'ended_at', 'outcome', 'error'])
    .where('booking_id', '=', bookingId)
    .orderBy('started_at')
    .orderBy('id')
    .execute();
}

/**
 * Takes up to `limit` due bookings for this worker. On PostgreSQL one statement claims them, skipping
 * rows other workers are claiming this instant; on SQLite (one process, one writer) a compare-and-set
 * per row does the same. Either way a booking has one holder, until its lease runs out.
 */
export async function claimDue(db: Db, dialect: 'sqlite' | 'postgres', owner: string, limit: number, leaseMs: number, exclude: Set<string>): Promise<string[]> {
  const now = nowIso();
  const leaseUntil = new Date(Date.now() + leaseMs).toISOString();
  const due = (q: Db) => {
    let query = q
      .selectFrom('bookings')
      .select('id')
      .where('next_run_at', '<=', now)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .orderBy('next_run_at')
      .limit(limit);
    if (exclude.size > 0) query = query.where('id', 'not in', [...exclude]);
    return query;
  };
  if (dialect === 'postgres') {
    const rows = await db
      .updateTable('bookings')
      .set({ lease_owner: owner, lease_until: leaseUntil })
      .where('id', 'in', due(db).forUpdate().skipLocked())
      .returning('id')
      .execute();
    return rows.map((r) => r.id);
  }
  const claimed: string[] = [];
  for (const { id } of await due(db).execute()) {
    const result = await db
      .updateTable('bookings')
      .set({ lease_owner: owner, lease_until: leaseUntil })
      .where('id', '=', id)
      .where('next_run_at', '<=', now)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 1) claimed.push(id);
  }
  return claimed;
}

export async function extendLease(q: Queryable, id: string, owner: string, leaseMs: number): Promise<void> {
  await q
    .updateTable('bookings')
    .set({ lease_until: new Date(Date.now() + leaseMs).toISOString() })
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .execute();
}

/**
 * Gives the booking back. Only if it is still at the version this run synced: a change that arrived
 * meanwhile leaves it due again, so the newer version is never overwritten by the older run's outcome.
 */
export async function releaseBooking(
  db: Db,
  id: string,
  owner: string,
  version: number,
  values: { status: BookingStatus; nextRunAt: string | null; lastError: string | null; attempts?: number },
): Promise<void> {
  await db.transaction().execute((trx) => release(trx, id, owner, version, values));
}

const settled: BookingStatus[] = ['synced', 'failed', 'conflict', 'cancelled'];

async function release(
  q: Queryable,
  id: string,
  owner: string,
  version: number,
  values: { status: BookingStatus; nextRunAt: string | null; lastError: string | null; attempts?: number },
): Promise<void> {
  const released = await q
    .updateTable('bookings')
    .set({
      status: values.status,
      next_run_at: values.nextRunAt,
      last_error: values.lastError,
      lease_owner: null,
      lease_until: null,
      updated_at: nowIso(),
      ...(values.attempts === undefined ? {} : { attempts: values.attempts }),
    })
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .where('version', '=', version)
    .executeTakeFirst();
  if (Number(released.numUpdatedRows) === 1 && settled.includes(values.status)) {
    // The saga's verdict on a version is a change to the booking like any other: it goes in the audit log.
    await audit(q, { actor: `saga:${owner}`, entity: 'booking', entityId: id, action: `sync_${values.status}`, data: { version, error: values.lastError } });
  }
  if (Number(released.numUpdatedRows) === 0) {
    await q
      .updateTable('bookings')
      .set({ status: 'syncing', next_run_at: nowIso(), lease_owner: null, lease_until: null, updated_at: nowIso() })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .execute();
  }
}
