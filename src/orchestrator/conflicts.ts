import type { Db } from '../db/database.js';
import { longestBefore, type BookingRow } from './store.js';
import { crewOf } from './assign.js';

export interface Conflict {
  kind: 'duplicate' | 'boat' | 'crew';
  other: { id: string; source: string; external_id: string; guest_name: string; date: string; start_time: string };
  message: string;
}

/**
 * Another live booking that this one cannot sail beside: the same charter from another channel, the
 * same boat at an overlapping time, or named crew already on an overlapping charter. The booking that
 * came first keeps its place: a newer one blocks an older one only once it has synced.
 */
export async function findConflict(db: Db, booking: BookingRow): Promise<Conflict | undefined> {
  const rows = await db
    .selectFrom('bookings')
    .leftJoin('booking_steps', (join) => join.onRef('booking_steps.booking_id', '=', 'bookings.id').on('booking_steps.step', '=', 'crew_event'))
    .select(['bookings.id', 'bookings.source', 'bookings.external_id', 'bookings.data', 'bookings.boat', 'bookings.starts_at', 'bookings.status', 'bookings.created_at', 'booking_steps.result', 'booking_steps.intent'])
    .where('bookings.id', '!=', booking.id)
    .where('bookings.cancel_requested_at', 'is', null)
    .where('bookings.starts_at', '<', booking.ends_at)
    // No charter is longer than the schema allows, so nothing that began earlier than that can
    // overlap: the index on starts_at then reads a few days, however many bookings are stored.
    .where('bookings.starts_at', '>', longestBefore(booking.starts_at))
    .where('bookings.ends_at', '>', booking.starts_at)
    .orderBy('bookings.created_at')
    .execute();
  const named = new Set([...(booking.data.crew ?? []), ...(booking.data.captain ? [booking.data.captain] : [])]);
  for (const row of rows) {
    // The booking that came first keeps its place; a newer one yields unless it has already synced.
    const newer = row.created_at > booking.created_at || (row.created_at === booking.created_at && row.id > booking.id);
    if (newer && row.status !== 'synced') continue;
    const data = JSON.parse(row.data) as BookingRow['data'];
    const other = { id: row.id, source: row.source, external_id: row.external_id, guest_name: data.guest.name, date: data.date, start_time: data.start_time };
    const sameBoat = booking.boat !== null && row.boat !== null && booking.boat.toLowerCase() === row.boat.toLowerCase();
    if (sameBoat && row.starts_at === booking.starts_at && data.guest.name.trim().toLowerCase() === booking.data.guest.name.trim().toLowerCase() && row.source !== booking.source) {
      return { kind: 'duplicate', other, message: `likely a duplicate of booking ${row.id} (${row.source} ${row.external_id}): same boat, time and guest from another channel` };
    }
    if (sameBoat) {
      return { kind: 'boat', other, message: `${booking.boat} is already booked at an overlapping time by booking ${row.id} (${row.source} ${row.external_id}, ${data.guest.name}, ${data.date} ${data.start_time})` };
    }
    const theirs = crewOf(row);
    const clash = [...named].filter((id) => theirs.has(id));
    if (clash.length > 0) {
      return { kind: 'crew', other, message: `${clash.join(', ')} ${clash.length === 1 ? 'is' : 'are'} already on an overlapping charter: booking ${row.id} (${row.source} ${row.external_id})` };
    }
  }
  return undefined;
}
