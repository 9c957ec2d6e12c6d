import { z } from 'zod';
import { isValidTimezone } from '../lib/time.js';
import { text } from './text.js';

/**
 * The facts of a charter, with one set of limits. The booking schema and every downstream service
 * (calendar, crew, guest site) build their fields from these, so a booking that is accepted at
 * POST /bookings is always one every service accepts: the limits cannot drift apart again.
 */
export const LIMITS = {
  /** Two weeks; longer is a typo for minutes or days. */
  durationHours: 24 * 14,
  /** A sanity bound every service shares; the booking intake narrows it to a window around today. */
  earliestDate: '2000-01-01',
  latestDate: '2099-12-31',
  partySize: 500,
  crewPerRole: 50,
  /** Everyone on one charter, captain included: what one crew event holds. */
  crewTotal: 100,
  roles: 20,
  /** Per person and hour, in the business currency, whole cents. */
  hourlyRate: 1_000,
  /**
   * One charter's crew cost in the business currency. Kept in integer cents in a 32-bit column on
   * PostgreSQL, so it has to stay under $21.4M; a charter costing more is a typo anyway.
   */
  crewCost: 10_000_000,
  /** Revenue of one charter, in the currency's major unit. */
  revenue: 10_000_000,
  location: 200,
  boat: 80,
  guestName: 120,
  source: 64,
  externalId: 128,
  role: 40,
  phone: 40,
  crewId: 64,
} as const;

const isRealDate = (d: string) => {
  const parsed = new Date(`${d}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(d);
};

export const charterDate = z
  .string({ error: (i) => (i.input === undefined ? 'is required' : 'must be a date written YYYY-MM-DD') })
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'must be a date written YYYY-MM-DD, like 2024-05-30' })
  .refine(isRealDate, { error: 'is not a real calendar date' })
  .refine((d) => d >= LIMITS.earliestDate && d <= LIMITS.latestDate, {
    error: `must be between ${LIMITS.earliestDate} and ${LIMITS.latestDate}`,
  });

export const startTime = z
  .string({ error: (i) => (i.input === undefined ? 'is required' : 'must be a time written HH:MM') })
  .trim()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'must be a 24-hour time written HH:MM, like 09:00 or 17:30' });

export const timezone = z
  .string({ error: (i) => (i.input === undefined ? 'is required' : 'must be an IANA timezone name') })
  .trim()
  .refine(isValidTimezone, { error: 'must be an IANA timezone name, like America/Los_Angeles' });

export const durationHours = z
  .number({ error: (i) => (i.input === undefined ? 'is required' : 'must be a number of hours') })
  .gt(0, { error: 'must be more than 0' })
  .max(LIMITS.durationHours, { error: `must be at most ${LIMITS.durationHours} (two weeks)` })
  // Times are kept to the minute; 1/3 hour would drift between the calendar and the crew's email.
  .refine((h) => Math.abs(h * 60 - Math.round(h * 60)) < 1e-6, { error: 'must be a whole number of minutes, like 2.5 or 2.25' });

/** Whole cents: a rate of 25.005 would make the crew cost depend on how it is rounded. */
const wholeCents = (n: number) => Math.abs(n * 100 - Math.round(n * 100)) < 1e-6;

export const hourlyRate = z
  .number({ error: (i) => (i.input === undefined ? 'is required' : 'must be a number of dollars per hour') })
  .min(0, { error: 'must not be negative' })
  .max(LIMITS.hourlyRate, { error: `must be at most ${LIMITS.hourlyRate} per hour` })
  .refine(wholeCents, { error: 'must be in whole cents, like 25 or 25.50' });

/** Roles are compared by name ("captain" decides who skippers), so case is normalised away. */
export const role = text(LIMITS.role).toLowerCase();

export const crewAssignment = z.strictObject({
  role,
  count: z
    .number({ error: (i) => (i.input === undefined ? 'is required' : 'must be a whole number') })
    .int({ error: 'must be a whole number' })
    .min(0, { error: 'must not be negative' })
    .max(LIMITS.crewPerRole, { error: `must be at most ${LIMITS.crewPerRole}` }),
  hourly_rate: hourlyRate,
});
export type CrewAssignment = z.output<typeof crewAssignment>;

/** Crew rates, and so crew cost, are in the business's own currency. */
export const CREW_COST_CURRENCY = 'USD';

/** Σ count × rate × hours, worked in cents and rounded once, so 0.1 + 0.2 never shows up on a bill. */
export function crewCostCents(assignments: readonly CrewAssignment[], hours: number): number {
  const perHour = assignments.reduce((sum, a) => sum + a.count * Math.round(a.hourly_rate * 100), 0);
  return Math.round(perHour * hours);
}

export function crewCostProblem(assignments: readonly CrewAssignment[], hours: number): string | null {
  return crewCostCents(assignments, hours) > LIMITS.crewCost * 100
    ? `make a crew cost above ${LIMITS.crewCost} for this duration; check the counts, rates and duration_hours`
    : null;
}

export const crewAssignments = z
  .array(crewAssignment, { error: (i) => (i.input === undefined ? 'is required' : 'must be a list of {role, count, hourly_rate}') })
  .max(LIMITS.roles, { error: `must have at most ${LIMITS.roles} roles` });

export const crewId = z
  .string({ error: (i) => (i.input === undefined ? 'is required' : 'must be a crew id') })
  .regex(/^[a-z0-9_-]{1,64}$/, { error: 'must be 1-64 characters of lowercase letters, digits, "-" or "_" (e.g. "crew-1")' });

export const partySize = z
  .number({ error: 'must be a whole number of people' })
  .int({ error: 'must be a whole number of people' })
  .min(1, { error: 'must be at least 1' })
  .max(LIMITS.partySize, { error: `must be at most ${LIMITS.partySize}` });

export const location = text(LIMITS.location);
export const boat = text(LIMITS.boat);
export const guestName = text(LIMITS.guestName);

const currencies = new Set(Intl.supportedValuesOf('currency'));
/** Decimal places of a currency's minor unit: 2 for USD, 0 for JPY, 3 for KWD. */
export const minorDigits = (currency: string) =>
  new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;

export const money = z
  .strictObject({
    amount: z
      .number({ error: (i) => (i.input === undefined ? 'is required' : 'must be a number') })
      .min(0, { error: 'must not be negative' })
      .max(LIMITS.revenue, { error: `must be at most ${LIMITS.revenue}` }),
    currency: z
      .string({ error: (i) => (i.input === undefined ? 'is required' : 'must be a currency code') })
      .regex(/^[A-Z]{3}$/, { error: 'must be a 3-letter ISO code like USD' })
      .refine((c) => currencies.has(c), { error: 'is not an ISO 4217 currency code; use one like USD or EUR' }),
  })
  .superRefine((m, ctx) => {
    if (!currencies.has(m.currency)) return;
    const digits = minorDigits(m.currency);
    const scaled = m.amount * 10 ** digits;
    if (Math.abs(scaled - Math.round(scaled)) > 1e-6) {
      ctx.addIssue({
        code: 'custom',
        path: ['amount'],
        message: digits === 0 ? `must be a whole number of ${m.currency}` : `must be in whole minor units of ${m.currency} (at most ${digits} decimal places)`,
      });
    }
  });
export type Money = z.output<typeof money>;

/** The window around today a new or changed booking's date must fall in (configurable). */
export interface DateWindow {
  daysBack: number;
  daysAhead: number;
}

export function dateWindowProblem(date: string, window: DateWindow, now = new Date()): string | null {
  const day = 86_400_000;
  const earliest = new Date(now.getTime() - window.daysBack * day).toISOString().slice(0, 10);
  const latest = new Date(now.getTime() + window.daysAhead * day).toISOString().slice(0, 10);
  if (date < earliest || date > latest) return `must be between ${earliest} and ${latest} (${window.daysBack} days back to ${window.daysAhead} days ahead of today)`;
  return null;
}
