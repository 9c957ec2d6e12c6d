import { DateTime } from 'luxon';
import { html } from '../lib/html.js';
import { formatLocal, localToInstant } from '../lib/time.js';

type Tone = 'ok' | 'warn' | 'bad' | 'muted';

// Words as well as colour, so the state reads the same to everyone.
const bookingStates: Record<string, [Tone, string]> = {
  pending: ['muted', 'Waiting'],
  syncing: ['warn', 'Syncing'],
  synced: ['ok', 'Synced'],
  failed: ['bad', 'Failed'],
  conflict: ['bad', 'Conflict'],
  cancelled: ['muted', 'Cancelled'],
};
const stepStates: Record<string, [Tone, string]> = {
  pending: ['muted', 'Pending'],
  running: ['warn', 'Running'],
  done: ['ok', 'Done'],
  failed: ['bad', 'Failed'],
  sending: ['warn', 'Sending'],
};
const crewStates: Record<string, [Tone, string]> = {
  pending: ['warn', 'Not confirmed'],
  confirmed: ['ok', 'Confirmed'],
  declined: ['bad', 'Declined'],
  removed: ['muted', 'Removed'],
};
const mailStates: Record<string, [Tone, string]> = {
  pending: ['warn', 'Queued'],
  sending: ['warn', 'Sending'],
  sent: ['ok', 'Sent'],
  captured: ['ok', 'Kept in local outbox'],
  failed: ['bad', 'Failed'],
};

function badge(table: Record<string, [Tone, string]>, state: string) {
  const [tone, label] = table[state] ?? ['muted', state];
  return html`<span class="badge b-${tone}">${label}</span>`;
}

export const bookingBadge = (s: string) => badge(bookingStates, s);
export const stepBadge = (s: string) => badge(stepStates, s);
export const crewBadge = (s: string) => badge(crewStates, s);
export const mailBadge = (s: string) => badge(mailStates, s);
export const crewStateLabel = (s: string) => (crewStates[s] ?? ['muted', s])[1];

export interface Charter {
  date: string;
  start_time: string;
  timezone: string;
  duration_hours: number;
}

export function charterStart(c: Charter): string {
  return localToInstant(c.date, c.start_time, c.timezone);
}

/** "9:00 AM – 12:00 PM PDT": always in the charter's own timezone, whatever the browser's. */
export function charterTimes(c: Charter) {
  return formatLocal(charterStart(c), c.timezone, c.duration_hours);
}

/** A stored UTC instant as a person reads it, in the given zone (the server's when none). */
export function when(iso: string | null, zone?: string): string {
  if (!iso) return '—';
  const dt = DateTime.fromISO(iso, { zone: 'utc' }).setZone(zone ?? 'system').setLocale('en-US');
  return dt.toFormat('LLL d, yyyy, h:mm:ss a ZZZZ');
}

export const stepTitles: Record<string, string> = {
  guest_page: 'Guest page',
  calendar: 'Calendar entry',
  crew_event: 'Crew event',
  notifications: 'Emails',
  conflict_check: 'Conflict check',
};
