import type { Db, Queryable } from '../db/database.js';
import { audit } from '../db/audit.js';
import { nowIso } from '../db/ids.js';
import type { CrewEventTable } from '../db/schema.js';
import { ENTITY } from './events.js';
import { findEvent, loadMembers, type MemberRow } from './event-store.js';
import { hashToken, isExpired, isWellFormedToken } from './links.js';

export interface LinkView {
  event: CrewEventTable;
  me: MemberRow;
  everyone: MemberRow[];
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
  return { ...found, everyone: await loadMembers(db, found.event.id) };
}

export type Answer = 'confirmed' | 'declined';
export type AnswerOutcome = 'recorded' | 'unchanged' | 'not_found' | 'cancelled' | 'removed';

/** Records a person's answer from their link; a cancelled event or a removed person refuses it. */
export async function answerLink(db: Db, token: string, answer: Answer): Promise<AnswerOutcome> {
  return db.transaction().execute(async (trx) => {
    const found = await findByToken(trx, token);
    if (!found) return 'not_found';
    const { event, me } = found;
    if (event.status === 'cancelled') return 'cancelled';
    if (me.status === 'removed') return 'removed';
    if (me.status === answer) return 'unchanged';
    const now = nowIso();
    const changed = await trx
      .updateTable('crew_event_members')
      .set({ status: answer, responded_at: now, updated_at: now })
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
    return 'recorded';
  });
}
