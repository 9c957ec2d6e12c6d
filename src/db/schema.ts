/**
 * Row types for every table. Portable across SQLite and PostgreSQL on purpose: ids and timestamps
 * are text (ISO 8601 UTC, so they sort as strings), money is integer cents, JSON is text.
 */
export interface AuditTable {
  id: string;
  at: string;
  actor: string;
  entity: string;
  entity_id: string;
  action: string;
  data: string | null;
}

export interface IdempotencyTable {
  scope: string;
  key: string;
  request_hash: string;
  status_code: number;
  response: string;
  created_at: string;
}

export interface CalendarEntryTable {
  id: string;
  event_type: string;
  date: string;
  start_time: string | null;
  timezone: string | null;
  duration_hours: number;
  location: string;
  guest_name: string;
  boat: string | null;
  booking_ref: string | null;
  notes: string | null;
  crew_assignments: string;
  crew_cost_cents: number;
  status: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface CrewMemberTable {
  id: string;
  name: string;
  email: string;
  roles: string;
  created_at: string;
  updated_at: string;
}

export interface CrewEventTable {
  id: string;
  event_name: string;
  starts_at: string;
  timezone: string;
  duration_hours: number;
  location: string;
  captain_id: string;
  notes: string | null;
  guest_page_url: string | null;
  booking_ref: string | null;
  status: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface CrewEventMemberTable {
  event_id: string;
  crew_id: string;
  role: string;
  hourly_rate_cents: number | null;
  status: string;
  token_hash: string;
  token_expires_at: string;
  responded_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface SitePageTable {
  slug: string;
  booking_ref: string;
  status: string;
  content: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface OutboxTable {
  id: string;
  dedupe_key: string;
  message_id: string;
  kind: string;
  ref_type: string | null;
  ref_id: string | null;
  to_address: string;
  to_name: string | null;
  subject: string;
  text_body: string;
  html_body: string;
  status: string;
  attempts: number;
  last_error: string | null;
  next_attempt_at: string;
  lease_until: string | null;
  created_at: string;
  sent_at: string | null;
}

export interface BookingTable {
  id: string;
  source: string;
  external_id: string;
  idempotency_key: string | null;
  data: string;
  charter_date: string;
  starts_at: string;
  ends_at: string;
  boat: string | null;
  cancel_requested_at: string | null;
  /** Set when the owner forced a booking past a conflict. */
  forced_at: string | null;
  status: string;
  version: number;
  attempts: number;
  last_error: string | null;
  next_run_at: string | null;
  lease_until: string | null;
  lease_owner: string | null;
  created_at: string;
  updated_at: string;
}

export interface BookingStepTable {
  booking_id: string;
  step: string;
  status: string;
  version: number;
  result: string | null;
  /** What a create step decided before calling out (body, chosen crew), so a retry repeats it exactly. */
  intent: string | null;
  attempts: number;
  last_error: string | null;
  updated_at: string;
}

export interface BookingAttemptTable {
  id: string;
  booking_id: string;
  step: string;
  started_at: string;
  ended_at: string | null;
  outcome: string;
  error: string | null;
}

/** A guest's photo: status uploaded | processing | ready | rejected | hidden. */
export interface PhotoTable {
  id: string;
  slug: string;
  /** Where the original arrived (g/<slug>/uploads/…); deleted once the clean copies exist. */
  upload_key: string;
  filename: string | null;
  content_type: string;
  size_bytes: number;
  status: string;
  width: number | null;
  height: number | null;
  attempts: number;
  /** Why a photo was rejected, in words the guest can read; or the last processing failure. */
  last_error: string | null;
  next_attempt_at: string;
  lease_until: string | null;
  created_at: string;
  updated_at: string;
}

/** A declined place on a crew event being offered to others; "open" until filled, unfilled or withdrawn. */
export interface CrewVacancyTable {
  id: string;
  event_id: string;
  declined_crew_id: string;
  role: string;
  hourly_rate_cents: number | null;
  status: string;
  filled_by: string | null;
  /** When the offers lapse and the owner is told; its deadline job acts on it, accepts check it. */
  expires_at: string;
  created_at: string;
  updated_at: string;
}

/** One person's magic link to a vacancy; only the SHA-256 of the token is kept. */
export interface CrewOfferTable {
  id: string;
  vacancy_id: string;
  event_id: string;
  crew_id: string;
  status: string;
  token_hash: string;
  token_expires_at: string;
  responded_at: string | null;
  created_at: string;
  updated_at: string;
}

/** One row per piece of background work; deleted when done, kept with failed_at when given up. */
export interface JobTable {
  id: string;
  kind: string;
  /** Unique: scheduling the same key again replaces the pending job (or re-arms a running one). */
  key: string;
  payload: string;
  run_at: string;
  attempts: number;
  last_error: string | null;
  locked_by: string | null;
  locked_until: string | null;
  revision: number;
  failed_at: string | null;
  created_at: string;
}

export interface Database {
  audit_log: AuditTable;
  idempotency_keys: IdempotencyTable;
  calendar_entries: CalendarEntryTable;
  crew_members: CrewMemberTable;
  crew_events: CrewEventTable;
  crew_event_members: CrewEventMemberTable;
  site_pages: SitePageTable;
  outbox: OutboxTable;
  bookings: BookingTable;
  booking_steps: BookingStepTable;
  booking_attempts: BookingAttemptTable;
  photos: PhotoTable;
  crew_vacancies: CrewVacancyTable;
  crew_offers: CrewOfferTable;
  jobs: JobTable;
}
