import { DateTime } from 'luxon';
import type { AppContext } from '../context.js';
import type { Tx } from '../db/database.js';
import { nowIso } from '../db/ids.js';
import type { CrewEventTable } from '../db/schema.js';
import { unprocessable, type ErrorDetail } from '../http/errors.js';
import { enqueueMail, type Enqueued } from '../mail/outbox.js';
import type { MailParts, Recipient } from './emails.js';
import { hashToken, magicLink, newToken, tokenExpiry } from './links.js';
import { crewByIds } from './roster.js';
import type { CrewMember } from './types.js';

/** One person's place on a charter. */
export interface Seat {
  crew_id: string;
  role: 'crew' | 'captain';
  rateCents: number | null;
}

export const toUtcInstant = (iso: string): string =>
  DateTime.fromISO(iso, { setZone: true }).toUTC().toISO({ suppressMilliseconds: true })!;

export function ratesInCents(rates: Record<string, number> | undefined): Map<string, number> {
  return new Map(Object.entries(rates ?? {}).map(([role, perHour]) => [role, Math.round(perHour * 100)]));
}

export function seatsFor(crew: string[], captain: string, rates: Map<string, number>): Seat[] {
  const seats: Seat[] = crew.map((id) => ({ crew_id: id, role: 'crew', rateCents: rates.get('crew') ?? null }));
  if (captain) seats.push({ crew_id: captain, role: 'captain', rateCents: rates.get('captain') ?? null });
  return seats;
}

/**
 * Everyone named must be on the roster, and the captain must hold the captain role. Every problem
 * is named at once, so one correction fixes the request. People already on the event (alreadyOn) are
 * not checked again: someone since dropped from the roster must not block an unrelated change.
 */
export async function checkRoster(
  trx: Tx,
  ids: string[],
  captain: string,
  alreadyOn: ReadonlySet<string> = new Set(),
): Promise<Map<string, CrewMember>> {
  const wanted = [...new Set([...ids, ...(captain ? [captain] : [])])].filter((id) => !alreadyOn.has(id) || id === captain);
  const roster = await crewByIds(trx, wanted);
  const details: ErrorDetail[] = [];
  ids.forEach((id, i) => {
    if (!alreadyOn.has(id) && !roster.has(id)) details.push({ path: `crew.${i}`, message: `"${id}" is not on the crew roster` });
  });
  const skipper = captain ? roster.get(captain) : undefined;
  if (captain && !skipper) details.push({ path: 'captain', message: `"${captain}" is not on the crew roster` });
  else if (skipper && !skipper.roles.includes('captain')) {
    details.push({ path: 'captain', message: `"${captain}" does not have the captain role (roles: ${skipper.roles.join(', ')})` });
  }
  if (details.length > 0) {
    const unknown = wanted.filter((id) => !roster.has(id));
    const named = unknown.length > 0 ? `Unknown crew: ${unknown.join(', ')}. ` : '';
    throw unprocessable(
      `${named}${details.map((d) => d.message).join('; ')}. Add people with "dockhand crew add" or POST /crew, or fix the ids.`,
      details,
    );
  }
  return roster;
}

export const recipientOf = (member: CrewMember, seat: Seat): Recipient => ({ name: member.name, role: seat.role, rateCents: seat.rateCents });

export interface MailRef {
  kind: string;
  dedupeKey: string;
  eventId: string;
}

export function queueMail(trx: Tx, member: CrewMember, ref: MailRef, parts: MailParts): Promise<Enqueued> {
  return enqueueMail(trx, {
    dedupeKey: ref.dedupeKey,
    kind: ref.kind,
    refType: 'crew_event',
    refId: ref.eventId,
    to: { address: member.email, name: member.name },
    ...parts,
  });
}

export interface IssuedLink {
  link: string;
  token_hash: string;
  token_expires_at: string;
}

/** A fresh link; the plain token lives only in the email built from it. */
export function issueLink(ctx: AppContext, event: Pick<CrewEventTable, 'starts_at' | 'duration_hours'>): IssuedLink {
  const token = newToken();
  return {
    // Read at call time: with port 0 the base URL is only known once the server is listening.
    link: magicLink(ctx.config.publicBaseUrl, token),
    token_hash: hashToken(token),
    token_expires_at: tokenExpiry(event.starts_at, event.duration_hours),
  };
}

export async function insertSeat(trx: Tx, eventId: string, seat: Seat, link: IssuedLink): Promise<void> {
  const now = nowIso();
  await trx
    .insertInto('crew_event_members')
    .values({
      event_id: eventId,
      crew_id: seat.crew_id,
      role: seat.role,
      hourly_rate_cents: seat.rateCents,
      status: 'pending',
      token_hash: link.token_hash,
      token_expires_at: link.token_expires_at,
      responded_at: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
}
