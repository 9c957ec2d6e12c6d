import type { Selectable } from 'kysely';
import type { Queryable } from '../db/database.js';
import type { CalendarEntryTable } from '../db/schema.js';
import type { CalendarEntry, CalendarEntryStatus, CrewAssignment } from './types.js';

type Row = Selectable<CalendarEntryTable>;

/** The stored fields an entry can change; everything else (id, status, version, stamps) is the store's. */
export type EntryFields = Omit<CalendarEntry, 'id' | 'crew_cost' | 'status' | 'version' | 'created_at' | 'updated_at'> & { crew_cost_cents: number };

export function toEntry(row: Row): CalendarEntry {
  return {
    id: row.id,
    event_type: row.event_type,
    date: row.date,
    start_time: row.start_time,
    timezone: row.timezone,
    // PostgreSQL's double precision may come back as a string from some drivers; the API promises a number.
    duration_hours: Number(row.duration_hours),
    location: row.location,
    guest_name: row.guest_name,
    boat: row.boat,
    booking_ref: row.booking_ref,
    notes: row.notes,
    crew_assignments: JSON.parse(row.crew_assignments) as CrewAssignment[],
    crew_cost: Number(row.crew_cost_cents) / 100,
    status: row.status as CalendarEntryStatus,
    version: Number(row.version),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export function fieldsOf(entry: CalendarEntry): EntryFields {
  return {
    event_type: entry.event_type,
    date: entry.date,
    start_time: entry.start_time,
    timezone: entry.timezone,
    duration_hours: entry.duration_hours,
    location: entry.location,
    guest_name: entry.guest_name,
    boat: entry.boat,
    booking_ref: entry.booking_ref,
    notes: entry.notes,
    crew_assignments: entry.crew_assignments,
    crew_cost_cents: Math.round(entry.crew_cost * 100),
  };
}

export async function insertEntry(q: Queryable, id: string, fields: EntryFields, now: string): Promise<CalendarEntry> {
  const row: Row = {
    id,
    ...fields,
    crew_assignments: JSON.stringify(fields.crew_assignments),
    status: 'scheduled',
    version: 1,
    created_at: now,
    updated_at: now,
  };
  await q.insertInto('calendar_entries').values(row).execute();
  return toEntry(row);
}

export async function findEntry(q: Queryable, id: string): Promise<CalendarEntry | undefined> {
  const row = await q.selectFrom('calendar_entries').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toEntry(row) : undefined;
}

export async function listEntries(q: Queryable, range: { from?: string | undefined; to?: string | undefined }): Promise<CalendarEntry[]> {
  let query = q.selectFrom('calendar_entries').selectAll();
  // Dates are YYYY-MM-DD text, so string order is date order on both databases.
  if (range.from) query = query.where('date', '>=', range.from);
  if (range.to) query = query.where('date', '<=', range.to);
  const rows = await query
    .orderBy('date', 'asc')
    // An entry without a time reads as "all day": first, on SQLite and PostgreSQL alike.
    .orderBy('start_time', (ob) => ob.asc().nullsFirst())
    .orderBy('id', 'asc')
    .execute();
  return rows.map(toEntry);
}

/**
 * Takes the row's write lock for the rest of the transaction, so a read-decide-write cannot interleave
 * with another writer on PostgreSQL; a no-op UPDATE does it portably where SELECT … FOR UPDATE is not.
 * SQLite already runs one write transaction at a time.
 */
export async function lockEntry(q: Queryable, id: string): Promise<void> {
  await q
    .updateTable('calendar_entries')
    .set((eb) => ({ version: eb.ref('version') }))
    .where('id', '=', id)
    .execute();
}

/**
 * Writes a new state only if the entry is still at the version it was read at; false means someone
 * else changed it in between and the caller's view is stale.
 */
export async function updateEntry(
  q: Queryable,
  current: CalendarEntry,
  change: Partial<EntryFields> & { status?: CalendarEntryStatus },
  now: string,
): Promise<boolean> {
  const { crew_assignments, ...rest } = change;
  const result = await q
    .updateTable('calendar_entries')
    .set({
      ...rest,
      ...(crew_assignments ? { crew_assignments: JSON.stringify(crew_assignments) } : {}),
      version: current.version + 1,
      updated_at: now,
    })
    .where('id', '=', current.id)
    .where('version', '=', current.version)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
