import { LIMITS } from '../charter/schema.js';
import type { Queryable } from '../db/database.js';
import { newId, nowIso } from '../db/ids.js';
import type { BookingTable } from '../db/schema.js';
import { addHours, localToInstant } from '../lib/time.js';
import type { Booking, BookingStatus } from './types.js';

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

/** The earliest start of a charter that could still be under way at `startsAt` (none is longer than the schema allows). */
export const longestBefore = (startsAt: string) => new Date(Date.parse(startsAt) - LIMITS.durationHours * 3_600_000).toISOString();

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

