import type { AppContext } from '../context.js';
import { audit } from '../db/audit.js';
import { newId, nowIso } from '../db/ids.js';
import { AppError } from '../http/errors.js';
import { inviteMail } from './emails.js';
import { factsOf, loadEvent, loadMembers } from './event-store.js';
import { ENTITY } from './events.js';
import { issueLink, queueMail, recipientOf } from './seats.js';

/**
 * A fresh link for one person (lost email, expired link). Only the hash is stored, so the old link
 * cannot be re-sent: the new one replaces it, and the old one stops working.
 */
export async function resendLink(ctx: AppContext, eventId: string, crewId: string, actor: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const event = await loadEvent(trx, eventId);
    if (event.status === 'cancelled') throw new AppError(409, 'event_cancelled', 'This charter is cancelled; there is no link to resend.');
    const member = (await loadMembers(trx, eventId)).find((m) => m.crew_id === crewId);
    if (!member || member.status === 'removed') {
      throw new AppError(404, 'not_on_event', `"${crewId}" is not on this charter's crew. Check the id on the event.`);
    }
    if (!member.name || !member.email) throw new AppError(409, 'not_on_roster', `"${crewId}" is no longer on the roster; add them back to email them.`);
    const link = issueLink(ctx, event);
    await trx
      .updateTable('crew_event_members')
      .set({ token_hash: link.token_hash, token_expires_at: link.token_expires_at, updated_at: nowIso() })
      .where('event_id', '=', eventId)
      .where('crew_id', '=', crewId)
      .execute();
    const seat = { crew_id: crewId, role: member.role as 'crew' | 'captain', rateCents: member.hourly_rate_cents };
    const person = { id: crewId, name: member.name, email: member.email, roles: [] };
    await queueMail(trx, person, { kind: 'crew_invite', dedupeKey: `crew-resend:${eventId}:${crewId}:${newId('rs')}`, eventId }, inviteMail(factsOf(event), recipientOf(person, seat), link.link));
    await audit(trx, { actor, entity: ENTITY, entityId: eventId, action: 'resend_link', data: { crew_id: crewId } });
  });
  ctx.mailKick();
}
