import type { AppContext } from '../context.js';
import { audit } from '../db/audit.js';
import type { Tx } from '../db/database.js';
import { newId, nowIso } from '../db/ids.js';
import type { CrewEventTable, CrewVacancyTable } from '../db/schema.js';
import { enqueueMail } from '../mail/outbox.js';
import { availableFor } from './availability.js';
import { ENTITY } from './events.js';
import { factsOf, loadEvent, loadMembers, type MemberRow } from './event-store.js';
import { deadlineText, offerMail, unfilledMail } from './offer-emails.js';
import { holdMail, SETTLE_MS, tell } from './offer-news.js';
import { crewByIds } from './roster.js';
import { issueLink, queueMail } from './seats.js';
import { OFFER_WINDOW_HOURS, OFFERS_AT_ONCE, scheduleExpiry } from './vacancy-store.js';

const HOUR_MS = 3_600_000;

/**
 * A place was declined: record the vacancy, due to lapse in 12 hours, and offer it at once (the emails
 * wait SETTLE_MS, in case the decliner changes their mind). Runs in the decline's own transaction, so
 * the decline, the offers and their emails exist together or not at all.
 */
export async function openVacancy(ctx: AppContext, trx: Tx, event: CrewEventTable, me: MemberRow, now: Date): Promise<void> {
  if (await reopenRecent(ctx, trx, event, me, now)) return;
  const at = now.toISOString();
  const vacancy: CrewVacancyTable = {
    id: newId('vc'),
    event_id: event.id,
    declined_crew_id: me.crew_id,
    role: me.role,
    hourly_rate_cents: me.hourly_rate_cents,
    status: 'open',
    filled_by: null,
    expires_at: new Date(now.getTime() + OFFER_WINDOW_HOURS * HOUR_MS).toISOString(),
    created_at: at,
    updated_at: at,
  };
  await trx.insertInto('crew_vacancies').values(vacancy).execute();
  await scheduleExpiry(trx, vacancy);
  const actor = `crew:${me.crew_id}`;
  const offered = await offerWave(ctx, trx, event, vacancy, SETTLE_MS);
  await audit(trx, {
    actor,
    entity: ENTITY,
    entityId: event.id,
    action: 'crew_vacancy_open',
    data: { vacancy_id: vacancy.id, declined: me.crew_id, role: me.role, offered, expires_at: vacancy.expires_at },
  });
  if (offered.length === 0) await markUnfilled(ctx, trx, vacancy, `nobody on the roster with the ${me.role} role is free for it`, actor);
}

/**
 * Offers the place to the next few free people with the role, each with a link of their own. Never to
 * anyone already on the event, already offered this place, or holding an open offer on the same event.
 */
export async function offerWave(ctx: AppContext, trx: Tx, event: CrewEventTable, vacancy: CrewVacancyTable, holdMs = 0): Promise<string[]> {
  const onEvent = await trx.selectFrom('crew_event_members').select('crew_id').where('event_id', '=', event.id).execute();
  const offeredHere = await trx
    .selectFrom('crew_offers')
    .select('crew_id')
    .where('event_id', '=', event.id)
    .where((eb) => eb.or([eb('vacancy_id', '=', vacancy.id), eb('status', '=', 'offered')]))
    .execute();
  const exclude = new Set([vacancy.declined_crew_id, ...onEvent.map((r) => r.crew_id), ...offeredHere.map((r) => r.crew_id)]);
  const chosen = (await availableFor(trx, event, vacancy.role, exclude)).slice(0, OFFERS_AT_ONCE);
  const facts = factsOf(event);
  const deadline = deadlineText(vacancy.expires_at, event.timezone);
  const now = nowIso();
  for (const member of chosen) {
    const link = issueLink(ctx, event);
    await trx
      .insertInto('crew_offers')
      .values({
        id: newId('of'),
        vacancy_id: vacancy.id,
        event_id: event.id,
        crew_id: member.id,
        status: 'offered',
        token_hash: link.token_hash,
        token_expires_at: link.token_expires_at,
        responded_at: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    const who = { name: member.name, role: vacancy.role, rateCents: vacancy.hourly_rate_cents };
    const ref = { kind: 'crew_offer', dedupeKey: `crew-offer:${event.id}:${member.id}:${vacancy.id}`, eventId: event.id };
    await holdMail(trx, (await queueMail(trx, member, ref, offerMail(facts, who, link.link, deadline))).id, holdMs);
  }
  return chosen.map((m) => m.id);
}

const answered: Record<string, string> = { offered: 'no answer', passed: 'said no thanks' };

/**
 * Open → unfilled exactly once (a conditional update, so a racing accept or a second run of the deadline job cannot
 * both win): open offers lapse and the owner gets one email. False when the vacancy was no longer open.
 */
export async function markUnfilled(ctx: AppContext, trx: Tx, vacancy: CrewVacancyTable, reason: string, actor: string): Promise<boolean> {
  const now = nowIso();
  const won = await trx
    .updateTable('crew_vacancies')
    .set({ status: 'unfilled', updated_at: now })
    .where('id', '=', vacancy.id)
    .where('status', '=', 'open')
    .executeTakeFirst();
  if (Number(won.numUpdatedRows) !== 1) return false;
  const offers = await trx.selectFrom('crew_offers').select(['crew_id', 'status']).where('vacancy_id', '=', vacancy.id).orderBy('created_at').execute();
  await trx.updateTable('crew_offers').set({ status: 'expired', updated_at: now }).where('vacancy_id', '=', vacancy.id).where('status', '=', 'offered').execute();
  const event = await loadEvent(trx, vacancy.event_id);
  const names = await crewByIds(trx, [vacancy.declined_crew_id, ...offers.map((o) => o.crew_id)]);
  const nameOf = (id: string) => names.get(id)?.name ?? id;
  const parts = unfilledMail(
    factsOf(event),
    {
      eventId: event.id,
      bookingRef: event.booking_ref,
      declined: nameOf(vacancy.declined_crew_id),
      role: vacancy.role,
      reason,
      offered: offers.map((o) => `${nameOf(o.crew_id)} (${answered[o.status] ?? o.status})`),
    },
    `${ctx.config.publicBaseUrl}/events/${event.id}`,
  );
  await enqueueMail(trx, {
    dedupeKey: `crew-unfilled:${vacancy.id}`,
    kind: 'crew_unfilled',
    refType: 'crew_vacancy',
    refId: vacancy.id,
    to: { address: ctx.config.ownerEmail },
    ...parts,
  });
  await audit(trx, {
    actor,
    entity: ENTITY,
    entityId: event.id,
    action: 'crew_vacancy_unfilled',
    data: { vacancy_id: vacancy.id, reason, offered: offers.map((o) => o.crew_id) },
  });
  return true;
}

/**
 * A vacancy stays open only while its event is active and its decliner still stands declined. After a
 * change, a cancellation or the decliner confirming after all, open ones are withdrawn and the people
 * still holding an offer are told it is gone.
 */
export async function withdrawStale(ctx: AppContext, trx: Tx, eventId: string, actor: string, holdMs = 0): Promise<void> {
  const open = await trx.selectFrom('crew_vacancies').selectAll().where('event_id', '=', eventId).where('status', '=', 'open').execute();
  if (open.length === 0) return;
  const event = await loadEvent(trx, eventId);
  const members = new Map((await loadMembers(trx, eventId)).map((m) => [m.crew_id, m]));
  const now = nowIso();
  for (const vacancy of open) {
    if (event.status !== 'cancelled' && members.get(vacancy.declined_crew_id)?.status === 'declined') continue;
    const won = await trx
      .updateTable('crew_vacancies')
      .set({ status: 'withdrawn', updated_at: now })
      .where('id', '=', vacancy.id)
      .where('status', '=', 'open')
      .executeTakeFirst();
    if (Number(won.numUpdatedRows) !== 1) continue;
    const holders = await trx.selectFrom('crew_offers').selectAll().where('vacancy_id', '=', vacancy.id).where('status', '=', 'offered').execute();
    await trx.updateTable('crew_offers').set({ status: 'withdrawn', updated_at: now }).where('vacancy_id', '=', vacancy.id).where('status', '=', 'offered').execute();
    const roster = await crewByIds(trx, holders.map((h) => h.crew_id));
    for (const offer of holders) {
      const member = roster.get(offer.crew_id);
      if (member) await tell(ctx, trx, { event, vacancy, offer, member }, 'closed', holdMs);
    }
    await audit(trx, {
      actor,
      entity: ENTITY,
      entityId: eventId,
      action: 'crew_vacancy_withdrawn',
      data: { vacancy_id: vacancy.id, declined: vacancy.declined_crew_id, told: holders.map((h) => h.crew_id) },
    });
  }
}

/**
 * A decline soon after the same person confirmed after all is a change of mind, not a new vacancy: the
 * withdrawn vacancy and its offers come back, and whatever had not gone out yet is simply not changed.
 * Not once the charter has changed since, though: those offers would describe the old charter.
 */
async function reopenRecent(ctx: AppContext, trx: Tx, event: CrewEventTable, me: MemberRow, now: Date): Promise<boolean> {
  const at = now.toISOString();
  const recent = await trx
    .selectFrom('crew_vacancies')
    .selectAll()
    .where('event_id', '=', event.id)
    .where('declined_crew_id', '=', me.crew_id)
    .where('role', '=', me.role)
    .where('status', '=', 'withdrawn')
    .where('updated_at', '>=', new Date(now.getTime() - SETTLE_MS).toISOString())
    .where('expires_at', '>', at)
    .orderBy('updated_at', 'desc')
    .executeTakeFirst();
  if (!recent || event.updated_at > recent.created_at) return false;
  const won = await trx.updateTable('crew_vacancies').set({ status: 'open', updated_at: at }).where('id', '=', recent.id).where('status', '=', 'withdrawn').executeTakeFirst();
  if (Number(won.numUpdatedRows) !== 1) return false;
  const vacancy: CrewVacancyTable = { ...recent, status: 'open', updated_at: at };
  await scheduleExpiry(trx, vacancy);
  const back = await trx.selectFrom('crew_offers').selectAll().where('vacancy_id', '=', vacancy.id).where('status', '=', 'withdrawn').execute();
  await trx.updateTable('crew_offers').set({ status: 'offered', updated_at: at }).where('vacancy_id', '=', vacancy.id).where('status', '=', 'withdrawn').execute();
  const roster = await crewByIds(trx, back.map((o) => o.crew_id));
  for (const offer of back) {
    const member = roster.get(offer.crew_id);
    if (member) await tell(ctx, trx, { event, vacancy, offer, member }, 'open', SETTLE_MS);
  }
  const actor = `crew:${me.crew_id}`;
  await audit(trx, { actor, entity: ENTITY, entityId: event.id, action: 'crew_vacancy_reopen', data: { vacancy_id: vacancy.id, offered: back.map((o) => o.crew_id) } });
  if (back.length === 0) {
    // Everyone offered it had said no thanks before the withdrawal: on to the next few, as a pass would.
    const next = await offerWave(ctx, trx, event, vacancy, SETTLE_MS);
    if (next.length === 0) await markUnfilled(ctx, trx, vacancy, 'everyone it was offered to said no thanks, and nobody else on the roster is free', actor);
  }
  return true;
}
