import { z } from 'zod';
import { AppError, type ErrorDetail } from '../http/errors.js';
import { isValidTimezone } from '../lib/time.js';

export const MAX_DURATION_HOURS = 24 * 14;

/** A missing field and a wrongly typed one need different advice. */
const expected = (what: string) => (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : `must be ${what}`);

const text = (max: number) =>
  z
    .string({ error: expected('text') })
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(max, { error: `must be at most ${max} characters` });

// z.iso.date() knows month lengths and leap years, so 2024-02-30 is refused here.
const dateSchema = z.iso.date({ error: expected('a real calendar date written YYYY-MM-DD, like 2024-05-30') });

const startTimeSchema = z
  .string({ error: expected('text') })
  .trim()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'must be a 24-hour time written HH:MM, like 09:00 or 17:30' });

const timezoneSchema = z
  .string({ error: expected('text') })
  .trim()
  .refine(isValidTimezone, { error: 'must be an IANA timezone name, like America/Los_Angeles' });

/** Whole cents: a rate of 25.005 would make the crew cost depend on how it is rounded. */
const hasAtMostCents = (n: number) => Math.abs(n * 100 - Math.round(n * 100)) < 1e-6;

export const crewAssignmentSchema = z.strictObject({
  role: text(50),
  count: z
    .number({ error: expected('a whole number') })
    .int({ error: 'must be a whole number' })
    .min(0, { error: 'must be 0 or more' })
    .max(1000, { error: 'must be at most 1000' }),
  hourly_rate: z
    .number({ error: expected('a number of dollars per hour') })
    .min(0, { error: 'must be 0 or more' })
    .max(100_000, { error: 'must be at most 100000' })
    .refine(hasAtMostCents, { error: 'must have at most two decimal places (whole cents)' }),
});

const requiredFields = {
  event_type: text(100),
  date: dateSchema,
  duration_hours: z
    .number({ error: expected('a number of hours') })
    .gt(0, { error: 'must be more than 0' })
    .max(MAX_DURATION_HOURS, { error: `must be at most ${MAX_DURATION_HOURS} (two weeks)` }),
  crew_assignments: z.array(crewAssignmentSchema, { error: expected('a list of {role, count, hourly_rate}') }).max(50, {
    error: 'must have at most 50 items',
  }),
  location: text(200),
  guest_name: text(200),
};

const optionalFields = {
  start_time: startTimeSchema,
  timezone: timezoneSchema,
  boat: text(100),
  booking_ref: text(200),
  notes: text(5000),
};

export const calendarEntryInputSchema = z.strictObject({
  ...requiredFields,
  start_time: optionalFields.start_time.optional(),
  timezone: optionalFields.timezone.optional(),
  boat: optionalFields.boat.optional(),
  booking_ref: optionalFields.booking_ref.optional(),
  notes: optionalFields.notes.optional(),
});

/**
 * Any subset of the input. The optional fields also take null, which clears them; an absent or
 * undefined field is left as it is.
 */
export const calendarEntryPatchSchema = z
  .strictObject({
    event_type: requiredFields.event_type.optional(),
    date: requiredFields.date.optional(),
    duration_hours: requiredFields.duration_hours.optional(),
    crew_assignments: requiredFields.crew_assignments.optional(),
    location: requiredFields.location.optional(),
    guest_name: requiredFields.guest_name.optional(),
    start_time: optionalFields.start_time.nullable().optional(),
    timezone: optionalFields.timezone.nullable().optional(),
    boat: optionalFields.boat.nullable().optional(),
    booking_ref: optionalFields.booking_ref.nullable().optional(),
    notes: optionalFields.notes.nullable().optional(),
  })
  .refine((patch) => Object.values(patch).some((v) => v !== undefined), {
    error: 'send at least one field to change (for example duration_hours or date)',
  });

export const calendarRangeSchema = z
  .strictObject({ from: dateSchema.optional(), to: dateSchema.optional() })
  .refine((r) => !r.from || !r.to || r.from <= r.to, { error: 'must be on or after "from"', path: ['to'] });

export type CalendarEntryInput = z.input<typeof calendarEntryInputSchema>;
export type CalendarEntryPatch = z.input<typeof calendarEntryPatchSchema>;
export type ParsedEntryInput = z.output<typeof calendarEntryInputSchema>;
export type ParsedEntryPatch = z.output<typeof calendarEntryPatchSchema>;
export type CrewAssignment = z.output<typeof crewAssignmentSchema>;
export type CalendarRange = z.input<typeof calendarRangeSchema>;
export type CalendarEntryStatus = 'scheduled' | 'cancelled';

export interface CalendarEntry {
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
  crew_assignments: CrewAssignment[];
  /** Dollars; kept as integer cents underneath. */
  crew_cost: number;
  status: CalendarEntryStatus;
  version: number;
  created_at: string;
  updated_at: string;
}

/** Σ count × rate × hours, worked in cents and rounded once, so 0.1 + 0.2 never shows up on a bill. */
export function crewCostCents(assignments: readonly CrewAssignment[], durationHours: number): number {
  const perHour = assignments.reduce((sum, a) => sum + a.count * Math.round(a.hourly_rate * 100), 0);
  return Math.round(perHour * durationHours);
}

/**
 * Like parseInput, but an unknown field gets a detail of its own whose path is that field, so a
 * caller (or a form) can point at exactly what to remove.
 */
export function parseCalendar<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const details: ErrorDetail[] = result.error.issues.flatMap((issue) => {
    const at = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: [...at, key].join('.'),
        message: 'is not a field this endpoint accepts; remove it or check its spelling',
      }));
    }
    return [{ path: at.join('.') || '(body)', message: issue.message }];
  });
  const first = details[0]!;
  const more = details.length > 1 ? ` (and ${details.length - 1} more problem${details.length > 2 ? 's' : ''})` : '';
  throw new AppError(422, 'validation_failed', `The ${what} is not valid: ${first.path}: ${first.message}${more}.`, details);
}
