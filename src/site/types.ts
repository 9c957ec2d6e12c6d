import { z } from 'zod';
import { isValidTimezone, localToInstant } from '../lib/time.js';

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

/** What the orchestrator hands the site to publish one booking's guest page. */
export const guestPageInputSchema = z
  .object({
    booking_ref: text(200),
    source: text(64),
    title: text(200),
    date: z.iso.date({ message: 'must be a calendar date like 2024-05-30' }),
    start_time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a 24-hour time like 09:00'),
    timezone: z.string().refine(isValidTimezone, 'must be an IANA timezone like America/Los_Angeles'),
    duration_hours: z.number().positive('must be more than 0').max(336, 'must be at most 336 (14 days)'),
    location: text(500),
    boat: z.string().trim().max(200).nullish().transform((v) => v || null),
    guest_name: text(200),
    party_size: z.number().int().min(1).max(10_000).nullish().transform((v) => v ?? null),
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
