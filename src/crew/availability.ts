import type { Queryable } from '../db/database.js';
import type { CrewEventTable } from '../db/schema.js';
import { listCrew } from './roster.js';
import type { CrewMember } from './types.js';

const HOUR_MS = 3_600_000;
const RECENT_MS = 30 * 24 * HOUR_MS;
/** The longest event the schema allows (types.ts caps duration_hours at 240), so the window catches every overlap. */
const LONGEST_EVENT_MS = 240 * HOUR_MS;

type EventTime = Pick<CrewEventTable, 'id' | 'starts_at' | 'duration_hours'>;

const span = (e: Pick<CrewEventTable, 'starts_at' | 'duration_hours'>) => {
  const start = Date.parse(e.starts_at);
  return { start, end: start + Math.round(e.duration_hours * 60) * 60_000 };
};

/**
 * For these people, around this event: who is on an overlapping event (busy) and how many charters each
 * had in the 30 days before it. Counts only places people hold (not declined or removed) on events not
 * cancelled. Times are compared as numbers in JS, not as strings in SQL, so "…00Z" and "…00.000Z" agree
 * and no date arithmetic in SQL ties this to one database.
 */
export async function workloadAround(q: Queryable, event: EventTime, crewIds: string[]) {
  const busy = new Set<string>();
  const recent = new Map<string, number>();
  if (crewIds.length === 0) return { busy, recent };
  const me = span(event);
  const earliest = new Date(me.start - Math.max(RECENT_MS, LONGEST_EVENT_MS) - 24 * HOUR_MS).toISOString();
  const latest = new Date(me.end + 24 * HOUR_MS).toISOString();
  const rows = await q
    .selectFrom('crew_event_members')
    .innerJoin('crew_events', 'crew_events.id', 'crew_event_members.event_id')
    .select(['crew_event_members.crew_id as crew_id', 'crew_events.starts_at as starts_at', 'crew_events.duration_hours as duration_hours'])
    .where('crew_events.id', '!=', event.id)
    .where('crew_events.status', '!=', 'cancelled')
    .where('crew_event_members.status', 'not in', ['removed', 'declined'])
    .where('crew_events.starts_at', '>=', earliest)
    .where('crew_events.starts_at', '<', latest)
    .where('crew_event_members.crew_id', 'in', crewIds)
    .execute();
  for (const row of rows) {
    const other = span(row);
    if (other.start < me.end && other.end > me.start) busy.add(row.crew_id);
    else if (other.start >= me.start - RECENT_MS && other.start < me.start) recent.set(row.crew_id, (recent.get(row.crew_id) ?? 0) + 1);
  }
  return { busy, recent };
}

/**
 * Roster members who hold the role, are not excluded, and are free for the whole event: the fairest
 * first (fewest charters in the 30 days before it), then by id so the order is stable.
 */
export async function availableFor(q: Queryable, event: EventTime, role: string, exclude: ReadonlySet<string>): Promise<CrewMember[]> {
  const fit = (await listCrew(q)).filter((m) => m.roles.includes(role) && !exclude.has(m.id));
  const { busy, recent } = await workloadAround(q, event, fit.map((m) => m.id));
  return fit
    .filter((m) => !busy.has(m.id))
    .sort((a, b) => (recent.get(a.id) ?? 0) - (recent.get(b.id) ?? 0) || a.id.localeCompare(b.id));
}

/** Whether one person could still take a place now: not on this event already and not on an overlapping one. */
export async function isFreeFor(q: Queryable, event: EventTime, crewId: string): Promise<boolean> {
  const onIt = await q
    .selectFrom('crew_event_members')
    .select('status')
    .where('event_id', '=', event.id)
    .where('crew_id', '=', crewId)
    .executeTakeFirst();
  if (onIt && (onIt.status === 'pending' || onIt.status === 'confirmed')) return false;
  const { busy } = await workloadAround(q, event, [crewId]);
  return !busy.has(crewId);
}
