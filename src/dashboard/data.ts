import type { CalendarService } from '../calendar/service.js';
import type { AppContext } from '../context.js';
import type { CrewService } from '../crew/service.js';
import type { CrewEventView } from '../crew/types.js';
import type { OrchestratorService } from '../orchestrator/service.js';
import type { BookingView } from '../orchestrator/types.js';
import { addHours } from '../lib/time.js';
import { charterStart } from './view.js';

/** The same services the HTTP API and CLI use; the dashboard keeps no data of its own. */
export interface Deps {
  ctx: AppContext;
  bookings: OrchestratorService;
  calendar: CalendarService;
  crew: CrewService;
}

export async function crewEventOf(deps: Deps, view: BookingView): Promise<CrewEventView | undefined> {
  const id = view.steps.crew_event.event_id;
  if (!id) return undefined;
  try {
    return await deps.crew.getEvent(id);
  } catch {
    return undefined;
  }
}

export interface CalendarItem {
  key: string;
  href: string | undefined;
  date: string;
  start_time: string | null;
  timezone: string | null;
  duration_hours: number;
  startsAt: string | undefined;
  boat: string | null;
  guest: string;
  status: string;
  cancelled: boolean;
  conflict: string | undefined;
  crew: { name: string; role: string; status: string }[];
}

/**
 * Every charter in [from, to]: bookings (with their crew event's confirmations) plus calendar entries
 * typed in directly. Bookings held in conflict have no entry yet but belong on the calendar all the more.
 */
export async function calendarItems(deps: Deps, from: string, to: string): Promise<CalendarItem[]> {
  const listed = await deps.bookings.list({ from, to, limit: 1000 });
  const items: CalendarItem[] = [];
  for (const row of listed) {
    const view = await deps.bookings.get(row.id);
    const event = await crewEventOf(deps, view);
    const b = view.booking;
    items.push({
      key: view.id,
      href: `/dashboard/bookings/${view.id}`,
      date: b.date,
      start_time: b.start_time,
      timezone: b.timezone,
      duration_hours: b.duration_hours,
      startsAt: charterStart(b),
      boat: b.boat ?? null,
      guest: b.guest.name,
      status: view.status,
      cancelled: view.status === 'cancelled',
      conflict: view.status === 'conflict' ? (view.last_error ?? 'Held: it clashes with another booking.') : undefined,
      crew: (event?.crew ?? []).filter((c) => c.status !== 'removed').map((c) => ({ name: c.name, role: c.role, status: c.status })),
    });
  }
  const entries = await deps.calendar.list({ from, to });
  for (const e of entries) {
    if (e.booking_ref && items.some((i) => i.key === e.booking_ref)) continue;
    items.push({
      key: e.id,
      href: undefined,
      date: e.date,
      start_time: e.start_time,
      timezone: e.timezone,
      duration_hours: e.duration_hours,
      startsAt: e.start_time && e.timezone ? charterStart({ date: e.date, start_time: e.start_time, timezone: e.timezone, duration_hours: e.duration_hours }) : undefined,
      boat: e.boat,
      guest: e.guest_name,
      status: e.status === 'cancelled' ? 'cancelled' : 'scheduled',
      cancelled: e.status === 'cancelled',
      conflict: undefined,
      crew: [],
    });
  }
  markOverlaps(items);
  return items.sort((a, b) => (a.startsAt ?? a.date).localeCompare(b.startsAt ?? b.date));
}

/** Two live charters on one boat at overlapping times are a conflict whatever the saga decided. */
function markOverlaps(items: CalendarItem[]): void {
  const live = items.filter((i) => !i.cancelled && i.boat && i.startsAt);
  for (const a of live) {
    for (const b of live) {
      if (a === b || a.boat!.toLowerCase() !== b.boat!.toLowerCase()) continue;
      const [aStart, bStart] = [Date.parse(a.startsAt!), Date.parse(b.startsAt!)];
      const overlap = aStart < Date.parse(addHours(b.startsAt!, b.duration_hours)) && bStart < Date.parse(addHours(a.startsAt!, a.duration_hours));
      if (overlap && !a.conflict) a.conflict = `Overlaps with ${b.guest} on ${b.boat}.`;
    }
  }
}
