import type { Queryable } from '../db/database.js';
import type { CrewEventMemberTable, CrewEventTable } from '../db/schema.js';
import { notFound } from '../http/errors.js';
import type { EventFacts } from './format.js';
import type { CrewEventMemberView, CrewEventView, EventStatus, MemberStatus, VacancyView } from './types.js';
import { loadOffers, loadVacancies, replacementsOf } from './vacancy-store.js';

export type MemberRow = CrewEventMemberTable & { name: string | null; email: string | null };

export async function findEvent(q: Queryable, id: string): Promise<CrewEventTable | undefined> {
  return q.selectFrom('crew_events').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function loadEvent(q: Queryable, id: string): Promise<CrewEventTable> {
  const row = await findEvent(q, id);
  if (!row) throw notFound('crew event', id);
  return row;
}

/** Everyone ever on the event, removed people included; captain first, then by id. */
export async function loadMembers(q: Queryable, eventId: string): Promise<MemberRow[]> {
  const rows = await q
    .selectFrom('crew_event_members')
    .leftJoin('crew_members', 'crew_members.id', 'crew_event_members.crew_id')
    .selectAll('crew_event_members')
    .select(['crew_members.name as name', 'crew_members.email as email'])
    .where('crew_event_members.event_id', '=', eventId)
    .execute();
  return rows.sort((a, b) => Number(b.role === 'captain') - Number(a.role === 'captain') || a.crew_id.localeCompare(b.crew_id));
}

export const factsOf = (e: CrewEventTable): EventFacts => ({
  event_name: e.event_name,
  starts_at: e.starts_at,
  timezone: e.timezone,
  duration_hours: e.duration_hours,
  location: e.location,
  notes: e.notes,
  guest_page_url: e.guest_page_url,
});

/** Mail about an event carries "<kind>:<event_id>:<crew_id>[:v<n>]" as its dedupe key. */
const crewIdOfDedupeKey = (key: string): string | undefined => key.split(':')[2];

async function latestMailByCrew(q: Queryable, eventId: string): Promise<Map<string, CrewEventMemberView['email']>> {
  const rows = await q
    .selectFrom('outbox')
    .select(['dedupe_key', 'status', 'sent_at', 'created_at', 'id'])
    .where('ref_type', '=', 'crew_event')
    .where('ref_id', '=', eventId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const latest = new Map<string, CrewEventMemberView['email']>();
  for (const row of rows) {
    const crewId = crewIdOfDedupeKey(row.dedupe_key);
    if (crewId) latest.set(crewId, { status: row.status, sent_at: row.sent_at });
  }
  return latest;
}

export async function eventView(q: Queryable, id: string): Promise<CrewEventView> {
  const event = await loadEvent(q, id);
  const [members, mail, vacancies, offers, replaced] = await Promise.all([
    loadMembers(q, id),
    latestMailByCrew(q, id),
    loadVacancies(q, id),
    loadOffers(q, id),
    replacementsOf(q, id),
  ]);
  const replaces = new Map([...replaced].map(([declined, took]) => [took, declined]));
  const names = new Map(members.map((m) => [m.crew_id, m.name ?? m.crew_id]));
  const roster = await q.selectFrom('crew_members').select(['id', 'name']).where('id', 'in', ['', ...offers.map((o) => o.crew_id)]).execute();
  for (const r of roster) names.set(r.id, r.name);
  return {
    event_id: event.id,
    event_name: event.event_name,
    date: event.starts_at,
    timezone: event.timezone,
    duration_hours: event.duration_hours,
    location: event.location,
    notes: event.notes,
    guest_page_url: event.guest_page_url,
    booking_ref: event.booking_ref,
    status: event.status as EventStatus,
    version: event.version,
    crew: members.map((m) => ({
      crew_id: m.crew_id,
      name: m.name ?? m.crew_id,
      role: m.role,
      status: m.status as MemberStatus,
      responded_at: m.responded_at,
      email: mail.get(m.crew_id) ?? null,
      replaced_by: replaced.get(m.crew_id) ?? null,
      replaces: replaces.get(m.crew_id) ?? null,
    })),
    vacancies: vacancies.map(
      (v): VacancyView => ({
        vacancy_id: v.id,
        role: v.role,
        declined: v.declined_crew_id,
        status: v.status as VacancyView['status'],
        filled_by: v.filled_by,
        expires_at: v.expires_at,
        offers: offers.filter((o) => o.vacancy_id === v.id).map((o) => ({ crew_id: o.crew_id, name: names.get(o.crew_id) ?? o.crew_id, status: o.status })),
      }),
    ),
  };
}
