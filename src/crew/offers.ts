import { sql } from 'kysely';
import type { AppContext } from '../context.js';
import { audit } from '../db/audit.js';
import type { Queryable, Tx } from '../db/database.js';
import type { CrewEventTable, CrewOfferTable, CrewVacancyTable } from '../db/schema.js';
import { isFreeFor } from './availability.js';
import { ENTITY } from './events.js';
import { factsOf, findEvent } from './event-store.js';
import { hashToken, isExpired, isWellFormedToken } from './links.js';
import { offerClosedMail, replacedMail } from './offer-emails.js';
import { crewByIds } from './roster.js';
import { queueMail } from './seats.js';
import { markUnfilled, offerWave } from './vacancies.js';

export interface FoundOffer {
  offer: CrewOfferTable;
  vacancy: CrewVacancyTable;
  event: CrewEventTable;
}

export interface OfferView extends FoundOffer {
  name: string;
  state: OfferState;
}

/** What an offer link can say: the place is still to be had, or why not. */
export type OfferState = 'open' | 'accepted' | 'passed' | 'filled' | 'closed' | 'cancelled';
export type OfferOutcome = OfferState | 'unchanged' | 'unavailable' | 'not_found';

async function findOffer(q: Queryable, token: string): Promise<FoundOffer | undefined> {
  if (!isWellFormedToken(token)) return undefined;
  const offer = await q.selectFrom('crew_offers').selectAll().where('token_hash', '=', hashToken(token)).executeTakeFirst();
  if (!offer || isExpired(offer.token_expires_at)) return undefined;
  const vacancy = await q.selectFrom('crew_vacancies').selectAll().where('id', '=', offer.vacancy_id).executeTakeFirst();
  const event = await findEvent(q, offer.event_id);
  return vacancy && event ? { offer, vacancy, event } : undefined;
}

/** Past its due time an offer is closed even before its deadline job has run: expiry is checked on read too. */
export function offerState({ offer, vacancy, event }: FoundOffer, now: Date): OfferState {
  if (offer.status === 'accepted') return 'accepted';
  if (event.status === 'cancelled') return 'cancelled';
  if (offer.status === 'passed') return 'passed';
  if (vacancy.status === 'filled' || offer.status === 'filled') return 'filled';
  if (vacancy.status !== 'open' || offer.status !== 'offered' || vacancy.expires_at <= now.toISOString()) return 'closed';
  return 'open';
}

/** The offer page's data; undefined for unknown, malformed and expired links alike. Reads only. */
export async function viewOffer(q: Queryable, token: string, now = new Date()): Promise<OfferView | undefined> {
  const found = await findOffer(q, token);
  if (!found) return undefined;
  const name = (await crewByIds(q, [found.offer.crew_id])).get(found.offer.crew_id)?.name ?? found.offer.crew_id;
  return { ...found, name, state: offerState(found, now) };
}

/** Thrown inside the transaction to roll back a race lost after the first write. */
class LostRace extends Error {}

/**
 * The first to accept takes the place. The conditional update of the vacancy (open → filled) is the one
 * point two acceptors meet: exactly one sees a row changed, the other rolls back and is told it is filled.
 */
export async function acceptOffer(ctx: AppContext, token: string, now = new Date()): Promise<OfferOutcome> {
  let outcome: OfferOutcome;
  try {
    outcome = await ctx.db.transaction().execute((trx) => takePlace(ctx, trx, token, now));
  } catch (error) {
    if (!(error instanceof LostRace)) throw error;
    const found = await findOffer(ctx.db, token);
    const state = found ? offerState(found, now) : 'not_found';
    outcome = state === 'open' ? 'closed' : state;
  }
  if (outcome === 'accepted') ctx.mailKick();
  return outcome;
}

async function takePlace(ctx: AppContext, trx: Tx, token: string, now: Date): Promise<OfferOutcome> {
  const found = await findOffer(trx, token);
  if (!found) return 'not_found';
  const state = offerState(found, now);
  if (state === 'accepted') return 'unchanged';
  if (state !== 'open') return state;
  const { offer, vacancy, event } = found;
  if (!(await isFreeFor(trx, event, offer.crew_id))) return 'unavailable';
  const at = now.toISOString();
  // The event row first: the order changes and cancellations lock in, so PostgreSQL cannot deadlock them.
  const live = await trx
    .updateTable('crew_events')
    .set({ version: sql<number>`version + 1`, updated_at: at, ...(vacancy.role === 'captain' ? { captain_id: offer.crew_id } : {}) })
    .where('id', '=', event.id)
    .where('status', '=', 'active')
    .executeTakeFirst();
  if (Number(live.numUpdatedRows) !== 1) throw new LostRace();
  const won = await trx
    .updateTable('crew_vacancies')
    .set({ status: 'filled', filled_by: offer.crew_id, updated_at: at })
    .where('id', '=', vacancy.id)
    .where('status', '=', 'open')
    .where('expires_at', '>', at)
    .executeTakeFirst();
  if (Number(won.numUpdatedRows) !== 1) throw new LostRace();
  const mine = await trx
    .updateTable('crew_offers')
    .set({ status: 'accepted', responded_at: at, updated_at: at })
    .where('id', '=', offer.id)
    .where('status', '=', 'offered')
    .executeTakeFirst();
  if (Number(mine.numUpdatedRows) !== 1) throw new LostRace();
  await seatAcceptor(trx, offer, vacancy, at);

  const others = await trx.selectFrom('crew_offers').select('crew_id').where('vacancy_id', '=', vacancy.id).where('status', '=', 'offered').execute();
  await trx.updateTable('crew_offers').set({ status: 'filled', updated_at: at }).where('vacancy_id', '=', vacancy.id).where('status', '=', 'offered').execute();
  const captain = vacancy.role === 'captain' ? offer.crew_id : await currentCaptain(trx, event.id);
  const roster = await crewByIds(trx, [vacancy.declined_crew_id, offer.crew_id, ...others.map((o) => o.crew_id), ...(captain ? [captain] : [])]);
  const nameOf = (id: string) => roster.get(id)?.name ?? id;
  const facts = factsOf(event);
  for (const o of others) {
    const member = roster.get(o.crew_id);
    const ref = { kind: 'crew_offer_closed', dedupeKey: `crew-offer-filled:${event.id}:${o.crew_id}:${vacancy.id}`, eventId: event.id };
    if (member) await queueMail(trx, member, ref, offerClosedMail(facts, { name: member.name, role: vacancy.role, rateCents: vacancy.hourly_rate_cents }, 'filled'));
  }
  const skipper = captain ? roster.get(captain) : undefined;
  if (skipper) {
    const ref = { kind: 'crew_replaced', dedupeKey: `crew-replaced:${event.id}:${skipper.id}:${vacancy.id}`, eventId: event.id };
    await queueMail(trx, skipper, ref, replacedMail(facts, skipper.name, { declined: nameOf(vacancy.declined_crew_id), took: nameOf(offer.crew_id), role: vacancy.role }));
  }
  await audit(trx, {
    actor: `crew:${offer.crew_id}`,
    entity: ENTITY,
    entityId: event.id,
    action: 'crew_replace',
    data: { vacancy_id: vacancy.id, declined: vacancy.declined_crew_id, took: offer.crew_id, role: vacancy.role, told_filled: others.map((o) => o.crew_id) },
  });
  return 'accepted';
}

/** The acceptor joins confirmed, and their offer link becomes their crew link (the same hash moves over). */
async function seatAcceptor(trx: Tx, offer: CrewOfferTable, vacancy: CrewVacancyTable, at: string): Promise<void> {
  const seat = {
    role: vacancy.role,
    hourly_rate_cents: vacancy.hourly_rate_cents,
    status: 'confirmed',
    token_hash: offer.token_hash,
    token_expires_at: offer.token_expires_at,
    responded_at: at,
    updated_at: at,
  };
  const earlier = await trx.selectFrom('crew_event_members').select('crew_id').where('event_id', '=', offer.event_id).where('crew_id', '=', offer.crew_id).executeTakeFirst();
  if (earlier) await trx.updateTable('crew_event_members').set(seat).where('event_id', '=', offer.event_id).where('crew_id', '=', offer.crew_id).execute();
  else await trx.insertInto('crew_event_members').values({ ...seat, event_id: offer.event_id, crew_id: offer.crew_id, created_at: at }).execute();
}

async function currentCaptain(q: Queryable, eventId: string): Promise<string | undefined> {
  const row = await q
    .selectFrom('crew_event_members')
    .select('crew_id')
    .where('event_id', '=', eventId)
    .where('role', '=', 'captain')
    .where('status', 'in', ['pending', 'confirmed'])
    .executeTakeFirst();
  return row?.crew_id;
}

/**
 * "No thanks". When nobody offered is left to answer, the place goes to the next few free people; when
 * there are none, the owner is told now rather than at the 12-hour mark.
 */
export async function passOffer(ctx: AppContext, token: string, now = new Date()): Promise<OfferOutcome> {
  const outcome = await ctx.db.transaction().execute(async (trx): Promise<OfferOutcome> => {
    const found = await findOffer(trx, token);
    if (!found) return 'not_found';
    const state = offerState(found, now);
    if (state === 'passed') return 'unchanged';
    if (state !== 'open') return state;
    const { offer, vacancy, event } = found;
    const at = now.toISOString();
    // Taking the vacancy's row lock first makes two last "no thanks" see each other, so one of them moves on.
    const locked = await trx.updateTable('crew_vacancies').set({ updated_at: at }).where('id', '=', vacancy.id).where('status', '=', 'open').executeTakeFirst();
    if (Number(locked.numUpdatedRows) !== 1) return 'closed';
    const mine = await trx.updateTable('crew_offers').set({ status: 'passed', responded_at: at, updated_at: at }).where('id', '=', offer.id).where('status', '=', 'offered').executeTakeFirst();
    if (Number(mine.numUpdatedRows) !== 1) return 'unchanged';
    const actor = `crew:${offer.crew_id}`;
    await audit(trx, { actor, entity: ENTITY, entityId: event.id, action: 'crew_offer_pass', data: { vacancy_id: vacancy.id, crew_id: offer.crew_id } });
    const waiting = await trx.selectFrom('crew_offers').select('id').where('vacancy_id', '=', vacancy.id).where('status', '=', 'offered').execute();
    if (waiting.length > 0) return 'passed';
    const next = await offerWave(ctx, trx, event, vacancy);
    if (next.length > 0) await audit(trx, { actor, entity: ENTITY, entityId: event.id, action: 'crew_vacancy_offer', data: { vacancy_id: vacancy.id, offered: next } });
    else await markUnfilled(ctx, trx, vacancy, 'everyone it was offered to said no thanks, and nobody else on the roster is free', actor);
    return 'passed';
  });
  if (outcome === 'passed') ctx.mailKick();
  return outcome;
}
