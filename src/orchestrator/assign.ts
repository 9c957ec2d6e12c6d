import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { AppContext } from '../context.js';
import type { Queryable } from '../db/database.js';
import type { CrewMemberRef } from './adapters/ports.js';
import { ConflictError } from './errors.js';
import { charterColumns, longestBefore } from './store.js';
import type { Booking, StepResults } from './types.js';

export interface CrewChoice {
  crew: string[];
  captain: string;
}

const DAY_MS = 86_400_000;

/** Everyone a booking holds: named in it, chosen for it (intent), or on its crew event (result). */
export function crewOf(row: { data: string; result: string | null; intent: string | null }): Set<string> {
  const data = JSON.parse(row.data) as Booking;
  const people = new Set([...(data.crew ?? []), ...(data.captain ? [data.captain] : [])]);
  for (const json of [row.result, row.intent]) {
    const held = json ? (JSON.parse(json) as StepResults['crew_event']) : undefined;
    if (held) [held.captain, ...held.crew].filter(Boolean).forEach((id) => people.add(id));
  }
  return people;
}

/** Crew already on other charters: who overlaps this one, and how many charters each had in the last 30 days. */
async function workload(db: Queryable, bookingId: string, booking: Booking) {
  const { starts_at, ends_at } = charterColumns(booking);
  const since = new Date(Date.parse(starts_at) - 30 * DAY_MS).toISOString();
  const rows = await db
    .selectFrom('bookings')
    .leftJoin('booking_steps', (join) => join.onRef('booking_steps.booking_id', '=', 'bookings.id').on('booking_steps.step', '=', 'crew_event'))
    .select(['bookings.starts_at', 'bookings.ends_at', 'bookings.data', 'booking_steps.result', 'booking_steps.intent'])
    .where('bookings.id', '!=', bookingId)
    .where('bookings.cancel_requested_at', 'is', null)
    // Only charters that overlap this one or started in the 30 days before it count: a bounded range
    // of the starts_at index, however many bookings lie further back or ahead.
    .where('bookings.starts_at', '>', longestBefore(since))
    .where('bookings.starts_at', '<', ends_at)
    .where('bookings.ends_at', '>', since)
    .execute();
  const busy = new Set<string>();
  const recent = new Map<string, number>();
  for (const row of rows) {
    for (const id of crewOf(row)) {
      if (row.starts_at < ends_at && row.ends_at > starts_at) busy.add(id);
      if (row.starts_at <= starts_at) recent.set(id, (recent.get(id) ?? 0) + 1);
    }
  }
  return { busy, recent };
}

/**
 * Transaction-scoped locks on exactly these people on exactly the (UTC) days the charter touches:
 * two charters that overlap share a day, so they meet on a lock; charters on other days never wait.
 * Always taken in the same order, so two choosers cannot deadlock.
 */
async function lockPeople(ctx: Pick<AppContext, 'dialect'>, q: Queryable, ids: string[], booking: Booking): Promise<void> {
  if (ctx.dialect !== 'postgres' || ids.length === 0) return; // SQLite: one writer, the transaction is the lock
  const { starts_at, ends_at } = charterColumns(booking);
  const days: string[] = [];
  for (let day = Date.parse(starts_at.slice(0, 10)); day < Date.parse(ends_at); day += DAY_MS) days.push(new Date(day).toISOString().slice(0, 10));
  const keys = [...new Set(ids)]
    .flatMap((id) => days.map((day) => `crew:${id}:${day}`))
    .sort()
    .map((name) => createHash('sha256').update(name).digest().readBigInt64BE(0));
  const sorted = [...new Set(keys)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map(String);
  await sql`select pg_advisory_xact_lock(k) from unnest(${`{${sorted.join(',')}}`}::bigint[]) with ordinality as t(k, n) order by n`.execute(q);
}

/**
 * The crew for a charter: the people the booking names, else what an earlier version chose, else the
 * available roster members with the role, fewest recent charters first, so work is spread fairly.
 *
 * Called inside the transaction that records the choice. Nothing global is locked: the people picked
 * are locked, then everyone's charters are read again; if someone else committed one of them
 * meanwhile, the choice is made again. So two bookings never hold the same free person at the same time.
 */
export async function chooseCrew(
  ctx: Pick<AppContext, 'dialect'>,
  q: Queryable,
  roster: CrewMemberRef[],
  bookingId: string,
  booking: Booking,
  previous?: CrewChoice,
): Promise<CrewChoice> {
  // Only people picked from the roster need a lock: the ones the booking names (or an earlier version
  // holds) are its own, and a named clash is the conflict check's to find.
  const own = new Set([...(booking.crew ?? []), ...(booking.captain ? [booking.captain] : []), ...(previous ? [previous.captain, ...previous.crew] : [])]);
  let choice = await pickCrew(q, roster, bookingId, booking, previous);
  for (let round = 0; round < 8; round++) {
    const picked = [choice.captain, ...choice.crew].filter((id) => id && !own.has(id));
    if (picked.length === 0) return choice;
    await lockPeople(ctx, q, picked, booking);
    if (ctx.dialect !== 'postgres') return choice;
    const again = await pickCrew(q, roster, bookingId, booking, previous);
    if (JSON.stringify(again) === JSON.stringify(choice)) return choice;
    choice = again;
  }
  throw new Error('the crew kept being taken by other bookings while choosing; trying again');
}

async function pickCrew(q: Queryable, roster: CrewMemberRef[], bookingId: string, booking: Booking, previous?: CrewChoice): Promise<CrewChoice> {
  const wantsCaptain = booking.crew_assignments.some((a) => a.role === 'captain' && a.count > 0);
  const others = booking.crew_assignments.filter((a) => a.role !== 'captain');
  const othersCount = others.reduce((n, a) => n + a.count, 0);
  const captain = booking.captain ?? previous?.captain;
  const crew = booking.crew ?? (previous && previous.crew.length === othersCount ? previous.crew : undefined);
  if (crew && (captain || !wantsCaptain)) return { crew, captain: captain ?? '' };

  const { busy, recent } = await workload(q, bookingId, booking);
  const taken = new Set<string>([...(crew ?? []), ...(captain ? [captain] : [])]);
  const pick = (role: string, count: number): string[] => {
    const candidates = roster
      .filter((m: CrewMemberRef) => m.roles.includes(role) && !taken.has(m.id) && !busy.has(m.id))
      // Fewest recent charters first; among equals, specialists before people who can fill other roles
      // too (a captain who also crews is kept free for a boat that needs a captain).
      .sort((a, b) => (recent.get(a.id) ?? 0) - (recent.get(b.id) ?? 0) || a.roles.length - b.roles.length || a.id.localeCompare(b.id))
      .slice(0, count)
      .map((m) => m.id);
    candidates.forEach((id) => taken.add(id));
    return candidates;
  };
  const missing: string[] = [];
  let chosenCaptain = captain ?? '';
  if (wantsCaptain && !captain) {
    chosenCaptain = pick('captain', 1)[0] ?? '';
    if (!chosenCaptain) missing.push('captain');
  }
  let chosenCrew = crew;
  if (!chosenCrew) {
    chosenCrew = [];
    for (const a of others) {
      const got = pick(a.role, a.count);
      if (got.length < a.count) missing.push(`${a.count - got.length} ${a.role}`);
      chosenCrew.push(...got);
    }
  }
  if (missing.length > 0) {
    throw new ConflictError(`nobody available on the roster for: ${missing.join(', ')}. Add crew with that role or name them in the booking.`);
  }
  return { crew: chosenCrew, captain: chosenCaptain };
}
