import type { AppContext } from '../context.js';
import { audit } from '../db/audit.js';
import type { Tx } from '../db/database.js';
import { nowIso } from '../db/ids.js';
import type { CrewEventTable } from '../db/schema.js';
import { AppError, parseInput, unprocessable } from '../http/errors.js';
import { once } from '../http/idempotency.js';
import { changeMail, inviteMail, removedMail } from './emails.js';
import { concurrentChange, ENTITY } from './events.js';
import { eventView, factsOf, loadEvent, loadMembers, type MemberRow } from './event-store.js';
import { durationText, payText, roleText, whenText } from './format.js';
import { stripRevenue } from './notes.js';
import { checkRoster, insertSeat, issueLink, queueMail, ratesInCents, recipientOf, seatsFor, toUtcInstant, type Seat } from './seats.js';
import { withdrawStale } from './vacancies.js';
import { replacementsOf } from './vacancy-store.js';
import { crewEventPatchSchema, type CrewEventPatch, type CrewEventView, type CrewMember, type ServiceOptions } from './types.js';

type EventFields = Pick<CrewEventTable, 'event_name' | 'starts_at' | 'timezone' | 'duration_hours' | 'location' | 'notes' | 'guest_page_url' | 'booking_ref' | 'captain_id'>;

function normalise(patch: CrewEventPatch) {
  const p = parseInput(crewEventPatchSchema, patch, 'crew event change');
  return {
    ...p,
    date: p.date === undefined ? undefined : toUtcInstant(p.date),
    notes: p.notes === undefined ? undefined : stripRevenue(p.notes),
  };
}

/** What everyone on the charter is told, in words. */
function commonChanges(a: EventFields, b: EventFields, joined: string[], left: string[]): string[] {
  const out: string[] = [];
  if (a.event_name !== b.event_name) out.push(`Charter: "${a.event_name}" is now "${b.event_name}"`);
  if (a.starts_at !== b.starts_at || a.timezone !== b.timezone) out.push(`When: ${whenText(a)} → ${whenText(b)}`);
  if (a.duration_hours !== b.duration_hours) out.push(`Duration: ${durationText(a.duration_hours)} → ${durationText(b.duration_hours)}`);
  if (a.location !== b.location) out.push(`Where: ${a.location} → ${b.location}`);
  if (a.notes !== b.notes) out.push(b.notes ? `Notes: ${b.notes}` : 'Notes removed');
  if (a.guest_page_url !== b.guest_page_url) out.push(b.guest_page_url ? `Guest page: ${b.guest_page_url}` : 'Guest page link removed');
  if (joined.length > 0) out.push(`Joining the crew: ${joined.join(', ')}`);
  if (left.length > 0) out.push(`No longer on the crew: ${left.join(', ')}`);
  return out;
}

/**
 * Maps a named person to whoever holds their place now. The orchestrator sends the crew it chose for
 * the booking, not knowing of replacements; naming the replacement as well means "both", so nothing maps.
 */
function inheritPlaces(replaced: ReadonlyMap<string, string>, named: string[]): (crewId: string) => string {
  const listed = new Set(named);
  return (crewId) => {
    let holder = crewId;
    for (let hop = 0; hop < 20; hop++) {
      const next = replaced.get(holder);
      if (next === undefined || listed.has(next)) break;
      holder = next;
    }
    return holder;
  };
}

const memberOf = (m: MemberRow): CrewMember | undefined =>
  m.name && m.email ? { id: m.crew_id, name: m.name, email: m.email, roles: [] } : undefined;

/**
 * Applies a change and tells people: those still on it get what changed (with a fresh link), those
 * taken off are told so and their link stops taking answers, newcomers get an invite. When the time
 * moves, earlier answers no longer count and everyone is asked again.
 */
export async function updateEvent(ctx: AppContext, id: string, patch: CrewEventPatch, opts: ServiceOptions): Promise<CrewEventView> {
  const p = normalise(patch);
  const result = await once<CrewEventView>(ctx.db, 'crew.events.update', opts.idempotencyKey, { id, patch: p }, async (trx) => {
    const before = await loadEvent(trx, id);
    if (before.status === 'cancelled') {
      throw new AppError(409, 'event_cancelled', `Crew event "${id}" was cancelled and can no longer change. Create a new event instead.`);
    }
    const rows = await loadMembers(trx, id);
    const replaced = await replacementsOf(trx, id);
    // Someone whose declined place was taken is off the crew; whoever took it is on it.
    const active = rows.filter((m) => m.status !== 'removed' && !replaced.has(m.crew_id));
    const current = inheritPlaces(replaced, [...(p.crew ?? []), ...(p.captain ? [p.captain] : [])]);
    const crewIds = p.crew?.map(current) ?? active.filter((m) => m.role !== 'captain').map((m) => m.crew_id);
    const captain = (p.captain === undefined ? undefined : current(p.captain)) ?? active.find((m) => m.role === 'captain')?.crew_id ?? '';
    if (crewIds.includes(captain)) throw unprocessable(`"${captain}" cannot be both captain and crew; list them only as captain.`, [{ path: 'captain', message: 'also listed in crew' }]);
    const activeIds = new Set(active.map((m) => m.crew_id));
    const captainChanged = captain !== (active.find((m) => m.role === 'captain')?.crew_id ?? '');
    const roster = await checkRoster(trx, crewIds, captainChanged ? captain : '', activeIds);

    const after: EventFields = {
      event_name: p.event_name ?? before.event_name,
      starts_at: p.date ?? before.starts_at,
      timezone: p.timezone ?? before.timezone,
      duration_hours: p.duration_hours ?? before.duration_hours,
      location: p.location ?? before.location,
      notes: p.notes === undefined ? before.notes : p.notes,
      guest_page_url: p.guest_page_url === undefined ? before.guest_page_url : p.guest_page_url,
      booking_ref: p.booking_ref === undefined ? before.booking_ref : p.booking_ref,
      captain_id: captain,
    };
    const timeMoved = after.starts_at !== before.starts_at || after.timezone !== before.timezone;
    // Rates not named in the change stay what they were for that role.
    const rates = new Map(active.filter((m) => m.hourly_rate_cents !== null).map((m) => [m.role, m.hourly_rate_cents!]));
    for (const [role, cents] of ratesInCents(p.pay_rates)) rates.set(role, cents);
    const seats = seatsFor(crewIds, captain, rates);
    const seatIds = new Set(seats.map((s) => s.crew_id));
    const nameOf = (cid: string) => roster.get(cid)?.name ?? rows.find((m) => m.crew_id === cid)?.name ?? cid;
    const leaving = active.filter((m) => !seatIds.has(m.crew_id));
    const joining = seats.filter((s) => !activeIds.has(s.crew_id));
    const common = commonChanges(before, after, joining.map((s) => `${nameOf(s.crew_id)} (${s.role})`), leaving.map((m) => nameOf(m.crew_id)));
    const staying = seats.filter((s) => activeIds.has(s.crew_id)).map((seat) => {
      const row = active.find((m) => m.crew_id === seat.crew_id)!;
      const own: string[] = [];
      if (row.role !== seat.role) own.push(`Your role: ${roleText(row.role)} → ${roleText(seat.role)}`);
      const payBefore = payText(row.hourly_rate_cents, before.duration_hours);
      const payAfter = payText(seat.rateCents, after.duration_hours);
      if (payBefore !== payAfter) own.push(`Your pay: ${payBefore} → ${payAfter}`);
      return { seat, row, changes: [...common, ...own], reset: timeMoved || row.role !== seat.role };
    });
    const anything = common.length > 0 || staying.some((s) => s.changes.length > 0) || after.booking_ref !== before.booking_ref;
    if (!anything) return { statusCode: 200, body: await eventView(trx, id) };

    const version = before.version + 1;
    const now = nowIso();
    const written = await trx
      .updateTable('crew_events')
      .set({ ...after, version, updated_at: now })
      .where('id', '=', id)
      .where('version', '=', before.version)
      .executeTakeFirst();
    if (Number(written.numUpdatedRows) !== 1) throw concurrentChange(id);
    const facts = factsOf({ ...before, ...after });
    const ref = (kind: string, cid: string) => ({ kind, dedupeKey: `${kind.replace('_', '-')}:${id}:${cid}:v${version}`, eventId: id });

    for (const m of leaving) {
      await trx.updateTable('crew_event_members').set({ status: 'removed', updated_at: now }).where('event_id', '=', id).where('crew_id', '=', m.crew_id).execute();
      const member = memberOf(m);
      const seat: Seat = { crew_id: m.crew_id, role: m.role as Seat['role'], rateCents: m.hourly_rate_cents };
      if (member) await queueMail(trx, member, ref('crew_removed', m.crew_id), removedMail(facts, recipientOf(member, seat)));
    }
    for (const seat of joining) {
      const link = issueLink(ctx, after);
      const member = roster.get(seat.crew_id) ?? memberOf(rows.find((m) => m.crew_id === seat.crew_id)!);
      if (rows.some((m) => m.crew_id === seat.crew_id)) await reseat(trx, id, seat, link, true);
      else await insertSeat(trx, id, seat, link);
      if (member) await queueMail(trx, member, ref('crew_invite', seat.crew_id), inviteMail(facts, recipientOf(member, seat), link.link));
    }
    for (const { seat, row, changes, reset } of staying) {
      if (changes.length === 0) continue;
      // Only the hash of the old link is kept, so the change email carries a new one that replaces it.
      const link = issueLink(ctx, after);
      await reseat(trx, id, seat, link, reset);
      const member = memberOf(row);
      if (member) await queueMail(trx, member, ref('crew_change', seat.crew_id), changeMail(facts, recipientOf(member, seat), changes, link.link, reset));
    }
    await withdrawStale(ctx, trx, id, opts.actor);
    await audit(trx, {
      actor: opts.actor,
      entity: ENTITY,
      entityId: id,
      action: 'change',
      data: { version, changes: common, added: joining.map((s) => s.crew_id), removed: leaving.map((m) => m.crew_id), reset: timeMoved },
    });
    return { statusCode: 200, body: await eventView(trx, id) };
  }, opts.tx);
  if (!result.replayed) ctx.mailKick();
  return result.body;
}

async function reseat(trx: Tx, eventId: string, seat: Seat, link: { token_hash: string; token_expires_at: string }, reset: boolean): Promise<void> {
  await trx
    .updateTable('crew_event_members')
    .set({
      role: seat.role,
      hourly_rate_cents: seat.rateCents,
      token_hash: link.token_hash,
      token_expires_at: link.token_expires_at,
      updated_at: nowIso(),
      ...(reset ? { status: 'pending', responded_at: null } : {}),
    })
    .where('event_id', '=', eventId)
    .where('crew_id', '=', seat.crew_id)
    .execute();
}
