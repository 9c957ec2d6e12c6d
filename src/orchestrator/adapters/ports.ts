/**
 * What the orchestrator needs from the calendar and crew systems. Each has two adapters: in-process
 * (the built-in service) and HTTP (a remote service speaking the same API, with its own credential).
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
  create(body: CalendarEntryBody, idempotencyKey: string): Promise<{ id: string }>;
  update(id: string, patch: Partial<CalendarEntryBody>, idempotencyKey: string): Promise<{ id: string }>;
  cancel(id: string, idempotencyKey: string): Promise<{ id: string }>;
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
  listCrew(): Promise<CrewMemberRef[]>;
  createEvent(body: CrewEventBody, idempotencyKey: string): Promise<{ event_id: string }>;
  updateEvent(id: string, patch: Partial<CrewEventBody>, idempotencyKey: string): Promise<{ event_id: string }>;
  cancelEvent(id: string, idempotencyKey: string): Promise<{ event_id: string }>;
  getEvent(id: string): Promise<CrewEventState>;
}
