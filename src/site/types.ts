import { z } from 'zod';
import * as charter from '../charter/schema.js';
import { text } from '../charter/text.js';
import { isValidTimezone, localToInstant } from '../lib/time.js';

/** What the orchestrator hands the site to publish one booking's guest page. */
export const guestPageInputSchema = z
  .object({
    booking_ref: text(200),
    source: text(64),
    title: text(200),
    date: charter.charterDate,
    start_time: charter.startTime,
    timezone: charter.timezone,
    duration_hours: charter.durationHours,
    location: charter.location,
    boat: text(charter.LIMITS.boat, { allowEmpty: true }).nullish().transform((v) => v || null),
    guest_name: charter.guestName,
    party_size: charter.partySize.nullish().transform((v) => v ?? null),
    status: z.enum(['scheduled', 'cancelled']),
  })
  .superRefine((v, issue) => {
    // Only worth saying when each part is fine on its own; otherwise that field's own message says it.
    if (!isValidTimezone(v.timezone) || !/^\d{2}:\d{2}$/.test(v.start_time) || !/^\d{4}-\d{2}-\d{2}$/.test(v.date)) return;
    try {
      localToInstant(v.date, v.start_time, v.timezone);
    } catch {
      issue.addIssue({ code: 'custom', path: ['start_time'], message: `is not a valid local time on ${v.date} in ${v.timezone}` });
    }
  });

/** Callers may leave boat and party_size out; once parsed they are null when absent. */
export type GuestPageInput = z.input<typeof guestPageInputSchema>;
export type GuestPageContent = z.output<typeof guestPageInputSchema>;

export interface GuestPageRecord {
  slug: string;
  booking_ref: string;
  status: string;
  url: string;
  version: number;
}

export interface PublishResult {
  slug: string;
  url: string;
  created: boolean;
}

/** The stored form, with a fixed key order so "same input again" compares equal as text. */
export function contentJson(c: GuestPageContent): string {
  return JSON.stringify({
    booking_ref: c.booking_ref,
    source: c.source,
    title: c.title,
    date: c.date,
    start_time: c.start_time,
    timezone: c.timezone,
    duration_hours: c.duration_hours,
    location: c.location,
    boat: c.boat,
    guest_name: c.guest_name,
    party_size: c.party_size,
    status: c.status,
  });
}
