import { z } from 'zod';
import { AppError, type ErrorDetail } from '../http/errors.js';
import * as charter from '../charter/schema.js';
import { text } from '../charter/text.js';

export const MAX_DURATION_HOURS = charter.LIMITS.durationHours;

// Charter facts share the booking's limits, so whatever the orchestrator accepted, the calendar takes.
const dateSchema = charter.charterDate;
export const crewAssignmentSchema = charter.crewAssignment;

const requiredFields = {
  event_type: text(100),
  date: dateSchema,
  duration_hours: charter.durationHours,
  crew_assignments: charter.crewAssignments,
  location: charter.location,
  guest_name: charter.guestName,
};

const optionalFields = {
  start_time: charter.startTime,
  timezone: charter.timezone,
  boat: charter.boat,
  booking_ref: text(200),
  // Room for the orchestrator's summary line with a full crew of ids.
  notes: text(10_000, { multiline: true }),
};

export const calendarEntryInputSchema = z
  .strictObject({
    ...requiredFields,
    start_time: optionalFields.start_time.optional(),
    timezone: optionalFields.timezone.optional(),
    boat: optionalFields.boat.optional(),
    booking_ref: optionalFields.booking_ref.optional(),
    notes: optionalFields.notes.optional(),
  })
  .superRefine((e, ctx) => {
    const problem = charter.crewCostProblem(e.crew_assignments, e.duration_hours);
    if (problem) ctx.addIssue({ code: 'custom', path: ['crew_assignments'], message: problem });
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

export const crewCostCents = charter.crewCostCents;

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
