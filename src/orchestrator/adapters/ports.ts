import type { Tx } from '../../db/database.js';

/**
 * What the orchestrator needs from the calendar and crew systems. Each has two adapters: in-process
 * (the built-in service) and HTTP (a remote service speaking the same API, with its own credential).
 * An in-process port is `local`: it works inside the saga's transaction (`tx`), so its effects and the
 * saga's journal commit together; a remote one ignores `tx` and relies on the idempotency key.
 */
export interface CalendarEntryBody {
  event_type: string;
  date: string;
  start_time: string;
  timezone: string;
  duration_hours: number;
  crew_assignments: { role: string; count: number; hourly_rate: number }[];
  location: string;
  guest_name: string;
  boat?: string | undefined;
  booking_ref: string;
  notes?: string | undefined;
}

export interface CalendarPort {
  readonly local: boolean;
  create(body: CalendarEntryBody, idempotencyKey: string, tx?: Tx): Promise<{ id: string }>;
  update(id: string, patch: Partial<CalendarEntryBody>, idempotencyKey: string, tx?: Tx): Promise<{ id: string }>;
  cancel(id: string, idempotencyKey: string, tx?: Tx): Promise<{ id: string }>;
}

export interface CrewMemberRef {
  id: string;
  name: string;
  email: string;
  roles: string[];
}

export interface CrewEventBody {
  event_name: string;
  date: string;
  timezone: string;
  duration_hours: number;
  location: string;
  crew: string[];
  captain: string;
  notes: string;
  guest_page_url: string;
  booking_ref: string;
  pay_rates: Record<string, number>;
}

export interface CrewEventState {
  event_id: string;
  status: string;
  crew: { crew_id: string; name: string; role: string; status: string; email: { status: string | null } | null; replaced_by?: string | null }[];
}

export interface CrewPort {
  readonly local: boolean;
  listCrew(tx?: Tx): Promise<CrewMemberRef[]>;
  createEvent(body: CrewEventBody, idempotencyKey: string, tx?: Tx): Promise<{ event_id: string }>;
  updateEvent(id: string, patch: Partial<CrewEventBody>, idempotencyKey: string, tx?: Tx): Promise<{ event_id: string }>;
  cancelEvent(id: string, idempotencyKey: string, tx?: Tx): Promise<{ event_id: string }>;
  getEvent(id: string, tx?: Tx): Promise<CrewEventState>;
}
