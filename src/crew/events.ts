import type { AppContext } from '../context.js';
import { audit } from '../db/audit.js';
import { newId, nowIso } from '../db/ids.js';
import { AppError, parseInput } from '../http/errors.js';
import { once, type StoredResponse } from '../http/idempotency.js';
import { cancelMail, inviteMail } from './emails.js';
import { eventView, factsOf, loadEvent, loadMembers } from './event-store.js';
import { stripRevenue } from './notes.js';
import { withdrawStale } from './vacancies.js';
import { checkRoster, insertSeat, issueLink, queueMail, ratesInCents, recipientOf, seatsFor, toUtcInstant } from './seats.js';
import { crewEventInputSchema, type CreatedEvent, type CrewEventInput, type CrewEventView, type ServiceOptions } from './types.js';

export const ENTITY = 'crew_event';

/**
 * Stores the event, gives each person a link and queues their invite, all in one transaction: the
 * mail exists exactly when the event does, and a repeat under the same Idempotency-Key sends nothing.
 */
export async function createEvent(ctx: AppContext, input: CrewEventInput, opts: ServiceOptions): Promise<StoredResponse<CreatedEvent>> {
  const data = parseInput(crewEventInputSchema, input, 'crew event');
  const clean = {
    ...data,
    date: toUtcInstant(data.date),
    timezone: data.timezone ?? 'UTC',
    notes: stripRevenue(data.notes),
    guest_page_url: data.guest_page_url ?? null,
    booking_ref: data.booking_ref ?? null,
  };
  const result = await once<CreatedEvent>(ctx.db, 'crew.events.create', opts.idempotencyKey, clean, async (trx) => {
    const roster = await checkRoster(trx, clean.crew, clean.captain);
    const now = nowIso();
    const event = {
      id: newId('ev'),
      event_name: clean.event_name,
      starts_at: clean.date,
      timezone: clean.timezone,
      duration_hours: clean.duration_hours,
      location: clean.location,
      captain_id: clean.captain,
      notes: clean.notes,
      guest_page_url: clean.guest_page_url,
      booking_ref: clean.booking_ref,
      status: 'active',
      version: 1,
      created_at: now,
      updated_at: now,
    };
    await trx.insertInto('crew_events').values(event).execute();
    const seats = seatsFor(clean.crew, clean.captain, ratesInCents(clean.pay_rates));
    for (const seat of seats) {
      const link = issueLink(ctx, event);
      await insertSeat(trx, event.id, seat, link);
      const member = roster.get(seat.crew_id)!;
      const dedupeKey = `crew-invite:${event.id}:${seat.crew_id}`;
      await queueMail(trx, member, { kind: 'crew_invite', dedupeKey, eventId: event.id }, inviteMail(factsOf(event), recipientOf(member, seat), link.link));
    }
    await audit(trx, { actor: opts.actor, entity: ENTITY, entityId: event.id, action: 'create', data: { ...clean, seats } });
    return { statusCode: 201, body: { event_id: event.id, crew: seats.map((s) => ({ crew_id: s.crew_id, status: 'pending' })) } };
  }, opts.tx);
  if (!result.replayed) ctx.mailKick();
  return result;
}

/** Cancels once: every person still on it is told, links then show the cancellation. A repeat changes nothing. */
export async function cancelEvent(ctx: AppContext, id: string, opts: ServiceOptions): Promise<CrewEventView> {
  const result = await once<CrewEventView>(ctx.db, 'crew.events.cancel', opts.idempotencyKey, { id }, async (trx) => {
    const before = await loadEvent(trx, id);
    if (before.status === 'cancelled') return { statusCode: 200, body: await eventView(trx, id) };
    const changed = await trx
      .updateTable('crew_events')
      .set({ status: 'cancelled', version: before.version + 1, updated_at: nowIso() })
      .where('id', '=', id)
      .where('version', '=', before.version)
      .executeTakeFirst();
    if (Number(changed.numUpdatedRows) !== 1) throw concurrentChange(id);
    const facts = factsOf(before);
    for (const m of await loadMembers(trx, id)) {
      if (m.status === 'removed' || !m.name || !m.email) continue;
      const member = { id: m.crew_id, name: m.name, email: m.email, roles: [] };
      const seat = { crew_id: m.crew_id, role: m.role as 'crew' | 'captain', rateCents: m.hourly_rate_cents };
      const dedupeKey = `crew-cancel:${id}:${m.crew_id}`;
      await queueMail(trx, member, { kind: 'crew_cancel', dedupeKey, eventId: id }, cancelMail(facts, recipientOf(member, seat)));
    }
    await withdrawStale(ctx, trx, id, opts.actor);
    await audit(trx, { actor: opts.actor, entity: ENTITY, entityId: id, action: 'cancel', data: { version: before.version + 1 } });
    return { statusCode: 200, body: await eventView(trx, id) };
  }, opts.tx);
  if (!result.replayed) ctx.mailKick();
  return result.body;
}

export const concurrentChange = (id: string) =>
  new AppError(409, 'concurrent_change', `Crew event "${id}" was changed by another request at the same time. Fetch it again and retry.`);
