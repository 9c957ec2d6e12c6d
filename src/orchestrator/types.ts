import { z } from 'zod';
import { carriesAmount } from '../charter/revenue.js';
import * as charter from '../charter/schema.js';
import { text } from '../charter/text.js';

export const crewAssignmentSchema = charter.crewAssignment;

const bookingFields = {
  date: charter.charterDate,
  start_time: charter.startTime,
  timezone: charter.timezone,
  duration_hours: charter.durationHours,
  boat: charter.boat.nullish(),
  location: charter.location,
  guest: z.strictObject({
    name: charter.guestName,
    email: z.email('must be an email address').nullish(),
    phone: text(charter.LIMITS.phone).nullish(),
    party_size: charter.partySize.nullish(),
  }),
  crew_assignments: charter.crewAssignments.min(1, 'must list at least one role'),
  crew: z.array(charter.crewId).max(charter.LIMITS.crewTotal - 1).nullish(),
  captain: charter.crewId.nullish(),
};

function checkCrewCounts(b: { crew_assignments: z.infer<typeof crewAssignmentSchema>[]; duration_hours: number; crew?: string[] | null; captain?: string | null }, ctx: z.RefinementCtx) {
  const captains = b.crew_assignments.filter((a) => a.role === 'captain').reduce((n, a) => n + a.count, 0);
  const others = b.crew_assignments.filter((a) => a.role !== 'captain').reduce((n, a) => n + a.count, 0);
  if (captains !== 1) {
    ctx.addIssue({ code: 'custom', path: ['crew_assignments'], message: 'must ask for exactly one captain: {"role": "captain", "count": 1, "hourly_rate": …}' });
  }
  if (captains + others > charter.LIMITS.crewTotal) {
    ctx.addIssue({ code: 'custom', path: ['crew_assignments'], message: `asks for ${captains + others} people; one charter takes at most ${charter.LIMITS.crewTotal}` });
  }
  const cost = charter.crewCostProblem(b.crew_assignments, b.duration_hours);
  if (cost) ctx.addIssue({ code: 'custom', path: ['crew_assignments'], message: cost });
  if (b.crew && b.crew.length !== others) {
    ctx.addIssue({ code: 'custom', path: ['crew'], message: `names ${b.crew.length} people but crew_assignments asks for ${others} non-captain crew` });
  }
  if (b.crew && new Set(b.crew).size !== b.crew.length) ctx.addIssue({ code: 'custom', path: ['crew'], message: 'names the same person twice' });
  if (b.captain && b.crew?.includes(b.captain)) ctx.addIssue({ code: 'custom', path: ['captain'], message: 'is also listed in crew' });
}

// Crew, the captain and guests read these fields (emails, link pages, the guest page, calendar files):
// the owner's revenue must not ride along in them.
const visibleText = [['location'], ['boat'], ['guest', 'name'], ['source'], ['external_id']] as const;

function checkRevenueKeptPrivate(b: { revenue?: { amount: number } | null } & Record<string, unknown>, ctx: z.RefinementCtx) {
  if (!b.revenue) return;
  for (const path of visibleText) {
    const value = path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), b);
    if (typeof value === 'string' && carriesAmount(value, b.revenue.amount)) {
      ctx.addIssue({ code: 'custom', path: [...path], message: 'contains the booking\'s revenue amount, which crew and guests must not see; remove it from this field' });
    }
  }
}

export const bookingSchema = z
  .strictObject({
    source: text(charter.LIMITS.source).regex(/^[A-Za-z0-9][A-Za-z0-9 _.-]*$/, 'may hold letters, digits, space, dot, dash and underscore'),
    external_id: text(charter.LIMITS.externalId),
    ...bookingFields,
    revenue: charter.money.nullish(),
  })
  .superRefine(checkCrewCounts)
  .superRefine(checkRevenueKeptPrivate);

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
    /** sent: handed over (SMTP/SES, or kept in the local outbox); kept_locally: of those, only kept; failed: given up on. */
    notifications: StepView & { sent: number; total: number; kept_locally: number; failed: number };
  };
  last_error: string | null;
  history: { step: string; started_at: string; ended_at: string | null; outcome: string; error: string | null }[];
  created_at: string;
  updated_at: string;
  status_url: string;
}
