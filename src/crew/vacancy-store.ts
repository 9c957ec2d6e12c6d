import type { Queryable, Tx } from '../db/database.js';
import { scheduleJob } from '../jobs/sql/schedule.js';
import type { CrewOfferTable, CrewVacancyTable } from '../db/schema.js';

export type VacancyStatus = 'open' | 'filled' | 'unfilled' | 'withdrawn';
export type OfferStatus = 'offered' | 'accepted' | 'passed' | 'filled' | 'expired' | 'withdrawn';

export const OFFER_WINDOW_HOURS = 12;
export const OFFERS_AT_ONCE = 3;

export const VACANCY_EXPIRY = 'vacancy.expire';
export const vacancyKey = (vacancyId: string) => `vacancy:${vacancyId}`;

/** A durable timer for the offer window: due at the vacancy's expiry, written with the vacancy. */
export const scheduleExpiry = (tx: Tx, vacancy: { id: string; expires_at: string }) =>
  scheduleJob(tx, { kind: VACANCY_EXPIRY, key: vacancyKey(vacancy.id), runAt: vacancy.expires_at, payload: { vacancy_id: vacancy.id } });

export async function loadVacancies(q: Queryable, eventId: string): Promise<CrewVacancyTable[]> {
  return q.selectFrom('crew_vacancies').selectAll().where('event_id', '=', eventId).orderBy('created_at').orderBy('id').execute();
}

export async function loadOffers(q: Queryable, eventId: string): Promise<CrewOfferTable[]> {
  return q.selectFrom('crew_offers').selectAll().where('event_id', '=', eventId).orderBy('created_at').orderBy('id').execute();
}

/**
 * Who took whose place: declined crew id → the person who accepted it. A decliner counts as replaced
 * only while they still stand declined; put back on the crew by a change, they are simply on it again.
 */
export async function replacementsOf(q: Queryable, eventId: string): Promise<Map<string, string>> {
  const rows = await q
    .selectFrom('crew_vacancies')
    .innerJoin('crew_event_members', (j) =>
      j.onRef('crew_event_members.event_id', '=', 'crew_vacancies.event_id').onRef('crew_event_members.crew_id', '=', 'crew_vacancies.declined_crew_id'),
    )
    .select(['crew_vacancies.declined_crew_id as declined', 'crew_vacancies.filled_by as took'])
    .where('crew_vacancies.event_id', '=', eventId)
    .where('crew_vacancies.status', '=', 'filled')
    .where('crew_event_members.status', '=', 'declined')
    .orderBy('crew_vacancies.updated_at')
    .execute();
  return new Map(rows.filter((r) => r.took !== null).map((r) => [r.declined, r.took!]));
}
