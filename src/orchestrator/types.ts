import { z } from 'zod';
import { isValidTimezone } from '../lib/time.js';

const realDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date written YYYY-MM-DD')
  .refine((d) => {
    const parsed = new Date(`${d}T00:00:00Z`);
    return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(d);
  }, 'is not a real calendar date');

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
const crewId = z.string().trim().min(1).max(64);

export const crewAssignmentSchema = z.strictObject({
  role: text(40),
  count: z.number().int('must be a whole number').min(0, 'must not be negative').max(50),
  hourly_rate: z
    .number()
    .min(0, 'must not be negative')
    .max(100_000)
    .refine((r) => Math.abs(Math.round(r * 100) - r * 100) < 1e-6, 'must be in whole cents, like 25 or 25.50'),
});

const bookingFields = {
  date: realDate,
  start_time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a 24-hour time written HH:MM, like 09:00'),
  timezone: z.string().refine(isValidTimezone, 'must be an IANA timezone such as America/Los_Angeles'),
  duration_hours: z.number().positive('must be more than 0').max(24 * 14, 'must be at most two weeks (336 hours)'),
  boat: text(80).nullish(),
  location: text(200),
  guest: z.strictObject({
    name: text(120),
    email: z.email('must be an email address').nullish(),
    phone: z.string().trim().max(40).nullish(),
    party_size: z.number().int().min(1, 'must be at least 1').max(500).nullish(),
  }),
  crew_assignments: z.array(crewAssignmentSchema).min(1, 'must list at least one role').max(20),
  crew: z.array(crewId).max(50).nullish(),
  captain: crewId.nullish(),
};

function checkCrewCounts(b: { crew_assignments: z.infer<typeof crewAssignmentSchema>[]; crew?: string[] | null; captain?: string | null }, ctx: z.RefinementCtx) {
  const captains = b.crew_assignments.filter((a) => a.role === 'captain').reduce((n, a) => n + a.count, 0);
  const others = b.crew_assignments.filter((a) => a.role !== 'captain').reduce((n, a) => n + a.count, 0);
  if (captains !== 1) {
    ctx.addIssue({ code: 'custom', path: ['crew_assignments'], message: 'must ask for exactly one captain: {"role": "captain", "count": 1, "hourly_rate": …}' });
  }
  if (b.crew && b.crew.length !== others) {
    ctx.addIssue({ code: 'custom', path: ['crew'], message: `names ${b.crew.length} people but crew_assignments asks for ${others} non-captain crew` });
  }
  if (b.crew && new Set(b.crew).size !== b.crew.length) ctx.addIssue({ code: 'custom', path: ['crew'], message: 'names the same person twice' });
  if (b.captain && b.crew?.includes(b.captain)) ctx.addIssue({ code: 'custom', path: ['captain'], message: 'is also listed in crew' });
}

export const bookingSchema = z
  .strictObject({
    source: z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9][A-Za-z0-9 _.-]*$/, 'may hold letters, digits, space, dot, dash and underscore'),
    external_id: text(128),
    ...bookingFields,
    revenue: z.strictObject({ amount: z.number().min(0), currency: z.string().regex(/^[A-Z]{3}$/, 'must be a 3-letter ISO code like USD') }).nullish(),
  })
  .superRefine(checkCrewCounts);

export type Booking = z.infer<typeof bookingSchema>;

export const bookingPatchSchema = z
  .strictObject({
    date: bookingFields.date,
    start_time: bookingFields.start_time,
    timezone: bookingFields.timezone,
    duration_hours: bookingFields.duration_hours,
    location: bookingFields.location,
    guest: bookingFields.guest.partial(),
    crew: bookingFields.crew,
    captain: bookingFields.captain,
  })
  .partial()
  .refine((p) => Object.keys(p).length > 0, 'must change at least one of date, start_time, timezone, duration_hours, location, guest, crew, captain');

export type BookingPatch = z.infer<typeof bookingPatchSchema>;

export type BookingStatus = 'pending' | 'syncing' | 'synced' | 'failed' | 'conflict' | 'cancelled';

export const stepNames = ['guest_page', 'crew_event', 'calendar', 'notifications'] as const;
export type StepName = (typeof stepNames)[number];

export interface StepResults {
  guest_page?: { slug: string; url: string };
  calendar?: { entry_id: string };
  crew_event?: { event_id: string; crew: string[]; captain: string };
  notifications?: { summary_mail_id: string | null };
}

export interface StepView {
  /** 'sending' only for notifications: every message is queued, not all delivered yet. */
  status: 'pending' | 'running' | 'done' | 'failed' | 'sending';
  attempts: number;
  error: string | null;
}

export interface BookingView {
  id: string;
  source: string;
  external_id: string;
  status: BookingStatus;
  version: number;
  booking: Booking;
  steps: {
    guest_page: StepView & { url: string | null };
    calendar: StepView & { entry_id: string | null };
    crew_event: StepView & { event_id: string | null };
    notifications: StepView & { sent: number; total: number };
  };
  last_error: string | null;
  history: { step: string; started_at: string; ended_at: string | null; outcome: string; error: string | null }[];
  created_at: string;
  updated_at: string;
  status_url: string;
}
