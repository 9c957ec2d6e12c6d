import { DateTime } from 'luxon';
import type { AppContext } from '../context.js';
import type { Queryable, Tx } from '../db/database.js';
import { enqueueMail } from '../mail/outbox.js';
import { localToInstant } from '../lib/time.js';
import type { SiteService } from '../site/service.js';
import type { CalendarEntryBody, CalendarPort, CrewEventBody, CrewMemberRef, CrewPort } from './adapters/ports.js';
import { chooseCrew } from './assign.js';
import { captainSummary } from './summary-email.js';
import { stepNames, type Booking, type StepName, type StepResults } from './types.js';

export interface Ports {
  calendar: CalendarPort;
  crew: CrewPort;
  site: Pick<SiteService, 'publish'>;
}

export interface StepInput {
  bookingId: string;
  version: number;
  booking: Booking;
  cancelled: boolean;
  /** Results of earlier steps, and of this step at an earlier version. */
  results: StepResults;
  /**
   * Returns what this step decided on an earlier attempt, or records make()'s answer before the call
   * out. make() gets the transaction the answer is recorded in: a choice of crew locks the people it
   * picks there, so the lock lasts until the choice is on record.
   */
  intent<T>(make: (q: Tx) => T | Promise<T>): Promise<T>;
  /** The saga's transaction when the step runs inside it (local ports); undefined when it calls out. */
  tx: Tx | undefined;
  /** Where the step reads and writes: the saga's transaction, or the database. */
  q: Queryable;
  /** The crew roster, read once per run however many steps ask. */
  roster(): Promise<CrewMemberRef[]>;
  ports: Ports;
  ctx: AppContext;
}

type Step<N extends StepName> = (input: StepInput) => Promise<StepResults[N] | null>;

const key = (input: StepInput, step: StepName, what: string) => `${input.bookingId}:${step}:${what}`;

const sourceTitle = (source: string) => source.charAt(0).toUpperCase() + source.slice(1);

function calendarBody(b: Booking, bookingId: string, results: StepResults): CalendarEntryBody {
  const assigned = results.crew_event;
  const notes = [
    `Guest: ${b.guest.name}`,
    b.guest.party_size ? `Party of ${b.guest.party_size}` : undefined,
    `Booked via ${sourceTitle(b.source)} (${b.external_id})`,
    assigned ? `Crew: ${[assigned.captain, ...assigned.crew].join(', ')}` : undefined,
  ].filter(Boolean);
  return {
    event_type: 'charter',
    date: b.date,
    start_time: b.start_time,
    timezone: b.timezone,
    duration_hours: b.duration_hours,
    crew_assignments: b.crew_assignments,
    location: b.location,
    guest_name: b.guest.name,
    boat: b.boat ?? undefined,
    booking_ref: bookingId,
    notes: notes.join(' | '),
  };
}

/** What crew may see: who, when, where. Revenue is never part of it, so there is nothing to strip later. */
function crewEventBody(input: StepInput, crew: string[], captain: string): CrewEventBody {
  const b = input.booking;
  const day = DateTime.fromISO(b.date).setLocale('en-US').toFormat('LLL d');
  return {
    event_name: `${sourceTitle(b.source)} Charter - ${day}`,
    date: localToInstant(b.date, b.start_time, b.timezone),
    timezone: b.timezone,
    duration_hours: b.duration_hours,
    location: b.location,
    crew,
    captain,
    notes: [`Guest: ${b.guest.name}`, b.guest.party_size ? `Party of ${b.guest.party_size}` : '', b.boat ? `Boat: ${b.boat}` : '']
      .filter(Boolean)
      .join(' | '),
    guest_page_url: input.results.guest_page?.url ?? '',
    booking_ref: input.bookingId,
    pay_rates: Object.fromEntries(b.crew_assignments.map((a) => [a.role, a.hourly_rate])),
  };
}

const guestPage: Step<'guest_page'> = async (input) => {
  const b = input.booking;
  // A booking cancelled before its page ever went out has no page to mark cancelled.
  if (input.cancelled && !input.results.guest_page) return null;
  const page = await input.ports.site.publish(
    {
      booking_ref: input.bookingId,
      source: b.source,
      title: b.boat ? `Charter aboard ${b.boat}` : 'Your charter',
      date: b.date,
      start_time: b.start_time,
      timezone: b.timezone,
      duration_hours: b.duration_hours,
      location: b.location,
      boat: b.boat ?? null,
      guest_name: b.guest.name,
      party_size: b.guest.party_size ?? null,
      status: input.cancelled ? 'cancelled' : 'scheduled',
    },
    { actor: 'orchestrator' },
  );
  return { slug: page.slug, url: page.url };
};

const crewEvent: Step<'crew_event'> = async (input) => {
  const previous = input.results.crew_event;
  const { crew: port } = input.ports;
  const { tx } = input;
  if (input.cancelled) {
    if (previous) await port.cancelEvent(previous.event_id, key(input, 'crew_event', 'cancel'), tx);
    return previous ?? null;
  }
  // Read before any lock is taken: a remote roster is an HTTP call.
  const roster = await input.roster();
  if (!previous) {
    // The first body (and the crew it chose) is recorded before the call: a retry replays the same
    // request under the same key, so a create whose answer was lost is never made twice.
    const first = await input.intent(async (q) => {
      const chosen = await chooseCrew(input.ctx, q, roster, input.bookingId, input.booking);
      return crewEventBody(input, chosen.crew, chosen.captain);
    });
    const created = await port.createEvent(first, key(input, 'crew_event', 'create'), tx);
    const latest = crewEventBody(input, first.crew, first.captain);
    if (JSON.stringify(latest) !== JSON.stringify(first)) {
      await port.updateEvent(created.event_id, latest, key(input, 'crew_event', `v${input.version}`), tx);
    }
    return { event_id: created.event_id, crew: first.crew, captain: first.captain };
  }
  const chosen = await input.intent((q) => chooseCrew(input.ctx, q, roster, input.bookingId, input.booking, previous));
  await port.updateEvent(previous.event_id, crewEventBody(input, chosen.crew, chosen.captain), key(input, 'crew_event', `v${input.version}`), tx);
  return { event_id: previous.event_id, ...chosen };
};

const calendar: Step<'calendar'> = async (input) => {
  const previous = input.results.calendar;
  const { calendar: port } = input.ports;
  const { tx } = input;
  if (input.cancelled) {
    if (previous) await port.cancel(previous.entry_id, key(input, 'calendar', 'cancel'), tx);
    return previous ?? null;
  }
  const { booking_ref: _ref, ...latest } = calendarBody(input.booking, input.bookingId, input.results);
  if (!previous) {
    const first = await input.intent(() => calendarBody(input.booking, input.bookingId, input.results));
    const created = await port.create(first, key(input, 'calendar', 'create'), tx);
    const { booking_ref: _firstRef, ...firstPatch } = first;
    if (JSON.stringify(latest) !== JSON.stringify(firstPatch)) await port.update(created.id, latest, key(input, 'calendar', `v${input.version}`), tx);
    return { entry_id: created.id };
  }
  await port.update(previous.entry_id, latest, key(input, 'calendar', `v${input.version}`), tx);
  return previous;
};

const notifications: Step<'notifications'> = async (input) => {
  const event = input.results.crew_event;
  // On cancel the crew service tells everyone, captain included; a summary would only repeat it.
  if (input.cancelled || !event) return { summary_mail_id: null };
  const { tx } = input;
  const roster = await input.roster();
  const state = await input.ports.crew.getEvent(event.event_id, tx);
  // The captain now on the event: someone else if the first captain declined and was replaced.
  const captainId = state.crew.find((c) => c.role === 'captain' && c.status !== 'removed' && !c.replaced_by)?.crew_id ?? event.captain;
  const captain = roster.find((m) => m.id === captainId);
  if (!captain) throw new Error(`captain "${captainId}" is no longer on the roster`);
  const mail = captainSummary({
    captain,
    booking: input.booking,
    version: input.version,
    crew: state.crew,
    guestPageUrl: input.results.guest_page?.url ?? null,
  });
  const queued = await enqueueMail(input.q, {
    ...mail,
    dedupeKey: `captain-summary:${input.bookingId}:v${input.version}`,
    kind: 'captain_summary',
    refType: 'booking',
    refId: input.bookingId,
  });
  return { summary_mail_id: queued.id };
};

export interface SagaStep<N extends StepName = StepName> {
  name: N;
  run: Step<N>;
  /**
   * True when the step's effects can join the saga's transaction (its port is in-process). Others run
   * outside it and are made safe by what they are: the page publish is idempotent by content, remote
   * calls carry idempotency keys and replay recorded intents.
   */
  inTransaction(ports: Ports): boolean;
}

/**
 * Every step, by name: the compiler holds this to the names and result types in types.ts. The
 * order is stepNames': the guest page goes first because its URL travels in the crew event; the
 * calendar goes after the crew event so that its notes can name the assigned crew.
 */
const steps: { [N in StepName]: SagaStep<N> } = {
  guest_page: { name: 'guest_page', run: guestPage, inTransaction: () => false },
  crew_event: { name: 'crew_event', run: crewEvent, inTransaction: (p) => p.crew.local },
  calendar: { name: 'calendar', run: calendar, inTransaction: (p) => p.calendar.local },
  notifications: { name: 'notifications', run: notifications, inTransaction: (p) => p.crew.local },
};

export const sagaSteps: SagaStep[] = stepNames.map((name) => steps[name] as SagaStep);
