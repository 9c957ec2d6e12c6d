import type { AppContext } from '../context.js';
import type { Tx } from '../db/database.js';
import { newId, nowIso } from '../db/ids.js';
import type { CrewEventTable, CrewOfferTable, CrewVacancyTable, OutboxTable } from '../db/schema.js';
import { factsOf } from './event-store.js';
import { deadlineText, offerClosedMail, offerMail } from './offer-emails.js';
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

/** Keeps a queued message from going out before the settle time; a no-op for mail that should go now. */
export async function holdMail(trx: Tx, id: string, holdMs: number): Promise<void> {
  if (holdMs <= 0) return;
  await trx
    .updateTable('outbox')
    .set({ next_attempt_at: new Date(Date.now() + holdMs).toISOString() })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .execute();
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
    else {
      const gone = await trx.deleteFrom('outbox').where('id', '=', row.id).where('status', '=', 'pending').executeTakeFirst();
      // The dispatcher took it first: it is as good as received.
      if (Number(gone.numDeletedRows) !== 1) received.push(row);
    }
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
