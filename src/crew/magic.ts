import type { AppContext } from '../context.js';
import type { Db, Queryable } from '../db/database.js';
import { audit } from '../db/audit.js';
import type { CrewEventTable } from '../db/schema.js';
import { ENTITY } from './events.js';
import { findEvent, loadMembers, type MemberRow } from './event-store.js';
import { hashToken, isExpired, isWellFormedToken } from './links.js';
import { SETTLE_MS } from './offer-news.js';
import { openVacancy, withdrawStale } from './vacancies.js';
import { replacementsOf } from './vacancy-store.js';

export interface LinkView {
  event: CrewEventTable;
  me: MemberRow;
  everyone: MemberRow[];
  /** Set when this person declined and someone else has taken the place: who. */
  replacedBy: string | undefined;
}

async function findByToken(db: Queryable, token: string): Promise<{ event: CrewEventTable; me: MemberRow } | undefined> {
  if (!isWellFormedToken(token)) return undefined;
  const row = await db
    .selectFrom('crew_event_members')
    .leftJoin('crew_members', 'crew_members.id', 'crew_event_members.crew_id')
    .selectAll('crew_event_members')
    .select(['crew_members.name as name', 'crew_members.email as email'])
    .where('crew_event_members.token_hash', '=', hashToken(token))
    .executeTakeFirst();
  if (!row || isExpired(row.token_expires_at)) return undefined;
  const event = await findEvent(db, row.event_id);
  return event ? { event, me: row } : undefined;
}

/** What the page shows; undefined for unknown, malformed and expired links alike. Reads only. */
export async function viewLink(db: Db, token: string): Promise<LinkView | undefined> {
  const found = await findByToken(db, token);
  if (!found) return undefined;
  const everyone = await loadMembers(db, found.event.id);
  const took = found.me.status === 'declined' ? (await replacementsOf(db, found.event.id)).get(found.me.crew_id) : undefined;
  const replacedBy = took === undefined ? undefined : (everyone.find((m) => m.crew_id === took)?.name ?? took);
  return { ...found, everyone, replacedBy };
}

export type Answer = 'confirmed' | 'declined';
export type AnswerOutcome = 'recorded' | 'unchanged' | 'not_found' | 'cancelled' | 'removed' | 'replaced' | 'too_many_changes';

/** Answers one link may record in a day: room to change one's mind a few times, not to spam the crew. */
export const MAX_ANSWERS_PER_DAY = 6;
const DAY_MS = 24 * 3_600_000;

/** When this person's answers on this event in the last day were recorded, oldest first. */
export async function recentAnswers(q: Queryable, eventId: string, crewId: string, now = new Date()): Promise<string[]> {
  const rows = await q
    .selectFrom('audit_log')
    .select('at')
    .where('entity', '=', ENTITY)
    .where('entity_id', '=', eventId)
    .where('actor', '=', `crew:${crewId}`)
    .where('action', 'in', ['crew_confirm', 'crew_decline'])
    .where('at', '>', new Date(now.getTime() - DAY_MS).toISOString())
    .orderBy('at')
    .execute();
  return rows.map((r) => r.at);
}

/** When the oldest answer in the day leaves it, and a new one may be recorded. */
export const nextAnswerAt = (answers: string[]): Date => new Date(Date.parse(answers[0] ?? new Date().toISOString()) + DAY_MS);

/**
 * Records a person's answer from their link; a cancelled event, a removed person or a decliner whose
 * place was since taken refuses it. A decline offers the place on at once; confirming after a decline
 * withdraws those offers, in the same transaction.
 */
export async function answerLink(ctx: AppContext, token: string, answer: Answer, now = new Date()): Promise<AnswerOutcome> {
  const outcome = await ctx.db.transaction().execute(async (trx): Promise<AnswerOutcome> => {
    const found = await findByToken(trx, token);
    if (!found) return 'not_found';
    const { event, me } = found;
    if (event.status === 'cancelled') return 'cancelled';
    if (me.status === 'removed') return 'removed';
    if (me.status === 'declined' && (await replacementsOf(trx, event.id)).has(me.crew_id)) return 'replaced';
    if (me.status === answer) return 'unchanged';
    // Counted in the transaction whose conditional update below records the answer, so racing clicks
    // from one stale status cannot both slip under the limit.
    if ((await recentAnswers(trx, event.id, me.crew_id, now)).length >= MAX_ANSWERS_PER_DAY) return 'too_many_changes';
    const at = now.toISOString();
    const changed = await trx
      .updateTable('crew_event_members')
      .set({ status: answer, responded_at: at, updated_at: at })
      .where('token_hash', '=', me.token_hash)
      .where('status', '=', me.status)
      .executeTakeFirst();
    if (Number(changed.numUpdatedRows) !== 1) return 'unchanged';
    await audit(trx, {
      actor: `crew:${me.crew_id}`,
      entity: ENTITY,
      entityId: event.id,
      action: answer === 'confirmed' ? 'crew_confirm' : 'crew_decline',
      data: { crew_id: me.crew_id, from: me.status, to: answer },
    });
    if (answer === 'declined') await openVacancy(ctx, trx, event, me, now);
    else await withdrawStale(ctx, trx, event.id, `crew:${me.crew_id}`, SETTLE_MS);
    return 'recorded';
  });
  if (outcome === 'recorded') ctx.mailKick();
  return outcome;
}
