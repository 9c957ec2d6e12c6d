import type { AppContext } from '../context.js';
import type { Tx } from '../db/database.js';
import { newId, nowIso } from '../db/ids.js';
import type { CrewEventTable, CrewOfferTable, CrewVacancyTable, OutboxTable } from '../db/schema.js';
import { factsOf } from './event-store.js';
import { deadlineText, offerClosedMail, offerMail } from './offer-emails.js';
import { scheduleJob } from '../jobs/sql/schedule.js';
import { MAIL, mailKey } from '../mail/send-task.js';
import { issueLink, queueMail } from './seats.js';
import type { CrewMember } from './types.js';

/**
 * How long a decline's offers, and the withdrawals a change of mind brings, wait in the outbox. Within
 * it a decliner going back and forth only changes what is still waiting, so the rest of the crew hear
 * the outcome once, not every click.
 */
export const SETTLE_MS = 5 * 60_000;

type News = 'open' | 'closed';
const newsOf = (row: OutboxTable): News => (row.kind === 'crew_offer' ? 'open' : 'closed');
const FAMILIES = ['crew-offer:', 'crew-offer-closed:', 'crew-offer-filled:'];

/** One person offered one vacancy. */
export interface Holder {
  event: CrewEventTable;
  vacancy: CrewVacancyTable;
  offer: CrewOfferTable;
  member: CrewMember;
}

/** Keeps a queued message from going out before the settle time: its send job is moved to then. */
export async function holdMail(trx: Tx, id: string, holdMs: number): Promise<void> {
  if (holdMs <= 0) return;
  const runAt = new Date(Date.now() + holdMs).toISOString();
  await trx.updateTable('outbox').set({ next_attempt_at: runAt }).where('id', '=', id).where('status', '=', 'pending').execute();
  await scheduleJob(trx, { kind: MAIL, key: mailKey(id), runAt, payload: { outbox_id: id } });
}

/**
 * Takes back a message nobody has started sending: its job and its row go. False when a sender holds
 * the job (it may be on the wire), so the caller counts it as received.
 */
async function unsend(trx: Tx, row: OutboxTable): Promise<boolean> {
  const dropped = await trx.deleteFrom('jobs').where('key', '=', mailKey(row.id)).where('locked_by', 'is', null).executeTakeFirst();
  if (Number(dropped.numDeletedRows) === 0) {
    const held = await trx.selectFrom('jobs').select('id').where('key', '=', mailKey(row.id)).executeTakeFirst();
    if (held) return false;
  }
  await trx.deleteFrom('outbox').where('id', '=', row.id).where('status', '=', 'pending').execute();
  return true;
}

/** Every message about this vacancy to this person, oldest first. */
async function thread(trx: Tx, h: Holder): Promise<OutboxTable[]> {
  const base = `${h.event.id}:${h.member.id}:${h.vacancy.id}`;
  const rows = await trx
    .selectFrom('outbox')
    .selectAll()
    .where('ref_id', '=', h.event.id)
    .where('to_address', '=', h.member.email)
    .where('kind', 'in', ['crew_offer', 'crew_offer_closed'])
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.filter((r) => FAMILIES.some((f) => r.dedupe_key === f + base || r.dedupe_key.startsWith(`${f}${base}:`)));
}

/**
 * Brings what this person will have heard in line with the offer as it now stands. A message still
 * waiting that says the opposite is deleted, never sent; a new one is queued only when what they last
 * received says otherwise. So: offered then withdrawn before anything went out sends nothing, and
 * withdrawn then re-offered before the withdrawal went out sends nothing either.
 */
export async function tell(ctx: AppContext, trx: Tx, h: Holder, news: News, holdMs: number): Promise<void> {
  const rows = await thread(trx, h);
  const received: OutboxTable[] = [];
  for (const row of rows) {
    if (row.status !== 'pending') received.push(row);
    else if (newsOf(row) === news) return;
    // A sender took it first: it is as good as received.
    else if (!(await unsend(trx, row))) received.push(row);
  }
  const last = received.at(-1);
  const heardOpen = last !== undefined && newsOf(last) === 'open';
  if ((news === 'open') === heardOpen) return;
  const family = news === 'open' ? 'crew-offer:' : 'crew-offer-closed:';
  const first = `${family}${h.event.id}:${h.member.id}:${h.vacancy.id}`;
  const dedupeKey = received.some((r) => r.dedupe_key === first) ? `${first}:${newId('mn')}` : first;
  const who = { name: h.member.name, role: h.vacancy.role, rateCents: h.vacancy.hourly_rate_cents };
  const ref = { kind: news === 'open' ? 'crew_offer' : 'crew_offer_closed', dedupeKey, eventId: h.event.id };
  if (news === 'closed') {
    await holdMail(trx, (await queueMail(trx, h.member, ref, offerClosedMail(factsOf(h.event), who, 'withdrawn'))).id, holdMs);
    return;
  }
  // The plain token lives only in an email: a new email needs a new link, whose hash replaces the old one.
  const link = issueLink(ctx, h.event);
  await trx
    .updateTable('crew_offers')
    .set({ token_hash: link.token_hash, token_expires_at: link.token_expires_at, updated_at: nowIso() })
    .where('id', '=', h.offer.id)
    .execute();
  const parts = offerMail(factsOf(h.event), who, link.link, deadlineText(h.vacancy.expires_at, h.event.timezone));
  await holdMail(trx, (await queueMail(trx, h.member, ref, parts)).id, holdMs);
}
