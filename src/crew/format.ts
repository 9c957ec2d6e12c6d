import { formatCents, formatDuration, formatLocal, wallTime } from '../lib/time.js';

/** What crew may read about a charter; revenue has no field here on purpose. */
export interface EventFacts {
  event_name: string;
  starts_at: string;
  timezone: string;
  duration_hours: number;
  location: string;
  notes: string | null;
  guest_page_url: string | null;
}

/** "Thursday, May 30, 2024, 9:00 AM – 12:00 PM PDT" */
export function whenText(e: Pick<EventFacts, 'starts_at' | 'timezone' | 'duration_hours'>): string {
  const local = formatLocal(e.starts_at, e.timezone, e.duration_hours);
  return `${local.date}, ${local.range}`;
}

/** "Thu May 30, 9:00 AM", for subject lines. */
export function shortWhen(e: Pick<EventFacts, 'starts_at' | 'timezone'>): string {
  const start = wallTime(Date.parse(e.starts_at), e.timezone);
  return `${start.weekday.slice(0, 3)} ${start.month.slice(0, 3)} ${start.day}, ${start.time}`;
}

export const durationText = (hours: number): string => formatDuration(hours);

/** A person's own pay for the whole charter: "$75.00 ($25.00 an hour for 3 hours)". */
export function payText(rateCents: number | null, hours: number): string {
  if (rateCents === null) return 'set by your operator';
  return `${formatCents(Math.round(rateCents * hours))} (${formatCents(rateCents)} an hour for ${formatDuration(hours)})`;
}

export const roleText = (role: string): string => (role === 'captain' ? 'Captain' : role.charAt(0).toUpperCase() + role.slice(1));

export const statusText: Record<string, string> = {
  pending: 'Not answered yet',
  confirmed: 'Confirmed',
  declined: 'Declined',
  removed: 'No longer on this charter',
};
