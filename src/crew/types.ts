import { z } from 'zod';
import type { Tx } from '../db/database.js';
import * as charter from '../charter/schema.js';
import { text } from '../charter/text.js';

export const crewIdSchema = charter.crewId;

// Roles are compared by name ("captain" decides who may skipper), so case and repeats are normalised away.
const rolesSchema = z
  .array(charter.role)
  .min(1, 'give at least one role, e.g. ["crew"] or ["captain"]')
  .transform((roles) => [...new Set(roles)]);

export const crewMemberSchema = z.object({
  id: crewIdSchema,
  name: text(200),
  email: z.string().trim().pipe(z.email('must be a valid email address, e.g. ana@example.com')),
  roles: rolesSchema,
});

export const crewMemberPatchSchema = crewMemberSchema
  .omit({ id: true })
  .partial()
  .refine((p) => Object.values(p).some((v) => v !== undefined), { message: 'send at least one of name, email, roles' });

export const crewImportSchema = z
  .array(crewMemberSchema)
  .max(10_000)
  .superRefine((list, check) => {
    const seen = new Set<string>();
    list.forEach((m, i) => {
      if (seen.has(m.id)) check.addIssue({ code: 'custom', path: [i, 'id'], message: `"${m.id}" appears more than once in the list` });
      seen.add(m.id);
    });
  });

export type CrewMember = z.infer<typeof crewMemberSchema>;
export type CrewMemberInput = z.input<typeof crewMemberSchema>;
export type CrewMemberPatch = z.input<typeof crewMemberPatchSchema>;

const instantSchema = z.iso.datetime({
  offset: true,
  message: 'must be an ISO 8601 instant with Z or an offset, e.g. 2024-05-30T16:00:00Z',
});
const timezoneSchema = charter.timezone;
// Empty string and null both mean "no guest page yet": the orchestrator sends "" before the page exists.
const guestPageUrlSchema = z
  .union([z.literal(''), z.null(), z.url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' })])
  .transform((v) => v || null);
const notesSchema = z.union([text(5000, { multiline: true, allowEmpty: true }), z.null()]);
const payRatesSchema = z.record(charter.role, charter.hourlyRate).refine((r) => Object.keys(r).length <= charter.LIMITS.roles, {
  message: `must name at most ${charter.LIMITS.roles} roles`,
});
// "" is a charter without a captain, which the orchestrator sends when the booking asks for none.
const captainSchema = z.union([z.literal(''), crewIdSchema]);

const eventFields = {
  event_name: text(200),
  date: instantSchema,
  duration_hours: charter.durationHours,
  location: charter.location,
  crew: z.array(crewIdSchema).max(charter.LIMITS.crewTotal - 1),
  captain: captainSchema,
  notes: notesSchema.optional(),
  guest_page_url: guestPageUrlSchema.optional(),
  timezone: timezoneSchema.optional(),
  booking_ref: z.union([text(200, { allowEmpty: true }), z.null()]).optional(),
  pay_rates: payRatesSchema.optional(),
};

export const crewEventInputSchema = z.object(eventFields).superRefine((e, check) => noDuplicates(e.crew, e.captain, check));

export const crewEventPatchSchema = z
  .object({
    event_name: eventFields.event_name.optional(),
    date: instantSchema.optional(),
    duration_hours: eventFields.duration_hours.optional(),
    location: eventFields.location.optional(),
    crew: eventFields.crew.optional(),
    captain: captainSchema.optional(),
    notes: eventFields.notes,
    guest_page_url: eventFields.guest_page_url,
    timezone: eventFields.timezone,
    booking_ref: eventFields.booking_ref,
    pay_rates: eventFields.pay_rates,
  })
  .superRefine((p, check) => noDuplicates(p.crew ?? [], p.captain ?? '', check));

function noDuplicates(crew: string[], captain: string, check: z.RefinementCtx): void {
  const seen = new Set<string>();
  crew.forEach((id, i) => {
    if (seen.has(id)) check.addIssue({ code: 'custom', path: ['crew', i], message: `"${id}" is listed twice` });
    if (id === captain) check.addIssue({ code: 'custom', path: ['crew', i], message: `"${id}" is the captain; list them only as captain` });
    seen.add(id);
  });
}

export type CrewEventInput = z.input<typeof crewEventInputSchema>;
export type CrewEventData = z.infer<typeof crewEventInputSchema>;
export type CrewEventPatch = z.input<typeof crewEventPatchSchema>;
export type CrewEventPatchData = z.infer<typeof crewEventPatchSchema>;

export type EventStatus = 'active' | 'cancelled';
export type MemberStatus = 'pending' | 'confirmed' | 'declined' | 'removed';

export interface CrewEventMemberView {
  crew_id: string;
  name: string;
  role: string;
  status: MemberStatus;
  responded_at: string | null;
  /** The person's latest email about this event; null before any was queued. */
  email: { status: string; sent_at: string | null } | null;
  /** For someone who declined: who has taken their place, once someone has. */
  replaced_by: string | null;
  /** For someone who took a declined place: whose. */
  replaces: string | null;
}

/** A declined place and who it was offered to; "open" while offers are out. */
export interface VacancyView {
  vacancy_id: string;
  role: string;
  declined: string;
  status: 'open' | 'filled' | 'unfilled' | 'withdrawn';
  filled_by: string | null;
  expires_at: string;
  offers: { crew_id: string; name: string; status: string }[];
}

export interface CrewEventView {
  event_id: string;
  event_name: string;
  date: string;
  timezone: string;
  duration_hours: number;
  location: string;
  notes: string | null;
  guest_page_url: string | null;
  booking_ref: string | null;
  status: EventStatus;
  version: number;
  crew: CrewEventMemberView[];
  vacancies: VacancyView[];
}

export interface CreatedEvent {
  event_id: string;
  crew: { crew_id: string; status: string }[];
}

export interface ServiceOptions {
  idempotencyKey?: string | undefined;
  actor: string;
  /** The caller's open transaction (the saga, in-process): the change commits with the caller's record of it. */
  tx?: Tx | undefined;
}
