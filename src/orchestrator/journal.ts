import type { Queryable } from '../db/database.js';
import { newId, nowIso } from '../db/ids.js';
import type { BookingStepTable } from '../db/schema.js';
import { stepNames, type StepName, type StepResults } from './types.js';

/**
 * The saga's journal: one row per step (booking_steps) saying which version it last finished and what
 * it returned, written in the transaction that made the step's effects. Attempts are rows only when
 * something went wrong; a success is the journal row itself.
 */
export async function loadSteps(q: Queryable, bookingId: string): Promise<Map<StepName, BookingStepTable>> {
  const rows = await q.selectFrom('booking_steps').selectAll().where('booking_id', '=', bookingId).execute();
  return new Map(rows.map((r) => [r.step as StepName, r]));
}

export function resultsOf(steps: Map<StepName, BookingStepTable>): StepResults {
  const results: StepResults = {};
  for (const [name, row] of steps) {
    if (row.result) (results as Record<string, unknown>)[name] = JSON.parse(row.result);
  }
  return results;
}

/** Steps done at `version`, all in one statement. */
export async function journalDone(q: Queryable, bookingId: string, version: number, done: { name: StepName; result: unknown }[]): Promise<void> {
  if (done.length === 0) return;
  const now = nowIso();
  await q
    .insertInto('booking_steps')
    .values(
      done.map((d) => ({
        booking_id: bookingId,
        step: d.name,
        status: 'done',
        version,
        result: JSON.stringify(d.result ?? null),
        intent: null,
        attempts: 0,
        last_error: null,
        updated_at: now,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['booking_id', 'step']).doUpdateSet((eb) => ({
        status: eb.ref('excluded.status'),
        version: eb.ref('excluded.version'),
        result: eb.ref('excluded.result'),
        attempts: eb.ref('excluded.attempts'),
        last_error: eb.ref('excluded.last_error'),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    )
    .execute();
}

/** A step that did not finish: its state for the status view, and an attempt row for the history. */
export async function journalFailure(
  q: Queryable,
  bookingId: string,
  step: StepName | 'conflict_check',
  values: { version: number; status: 'pending' | 'failed'; attempts: number; error: string; outcome: 'error' | 'conflict' },
): Promise<void> {
  const now = nowIso();
  if (step !== 'conflict_check') {
    const row = { booking_id: bookingId, step, status: values.status, version: values.version, result: null, intent: null, attempts: values.attempts, last_error: values.error, updated_at: now };
    await q
      .insertInto('booking_steps')
      .values(row)
      .onConflict((oc) => oc.columns(['booking_id', 'step']).doUpdateSet({ status: row.status, attempts: row.attempts, last_error: row.last_error, updated_at: now }))
      .execute();
  }
  await q.insertInto('booking_attempts').values({ id: newId('at'), booking_id: bookingId, step, started_at: now, ended_at: now, outcome: values.outcome, error: values.error }).execute();
}

/** What a create step decided before calling out; the same answer on every retry. */
export async function readIntent(q: Queryable, bookingId: string, step: StepName): Promise<string | null> {
  const row = await q.selectFrom('booking_steps').select('intent').where('booking_id', '=', bookingId).where('step', '=', step).executeTakeFirst();
  return row?.intent ?? null;
}

export async function writeIntent(q: Queryable, bookingId: string, step: StepName, version: number, intent: unknown): Promise<void> {
  const json = JSON.stringify(intent);
  await q
    .insertInto('booking_steps')
    .values({ booking_id: bookingId, step, status: 'pending', version, result: null, intent: json, attempts: 0, last_error: null, updated_at: nowIso() })
    .onConflict((oc) => oc.columns(['booking_id', 'step']).doUpdateSet({ intent: json }))
    .execute();
}

/** The booking's history: every failed or held attempt, and each step's latest success. */
export async function history(q: Queryable, bookingId: string) {
  const [attempts, steps] = await Promise.all([
    q.selectFrom('booking_attempts').select(['step', 'started_at', 'ended_at', 'outcome', 'error']).where('booking_id', '=', bookingId).execute(),
    q.selectFrom('booking_steps').select(['step', 'updated_at', 'version']).where('booking_id', '=', bookingId).where('status', '=', 'done').execute(),
  ]);
  const done = steps.map((s) => ({ step: s.step, started_at: s.updated_at, ended_at: s.updated_at as string | null, outcome: 'ok', error: null as string | null }));
  // Steps journaled in one transaction share a timestamp: the saga's order settles ties.
  const order = (step: string) => (stepNames as readonly string[]).indexOf(step);
  return [...attempts, ...done].sort((a, b) => a.started_at.localeCompare(b.started_at) || order(a.step) - order(b.step));
}
