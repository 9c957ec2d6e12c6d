import { z } from 'zod';
import type { Logger } from 'pino';
import type { AppContext } from '../context.js';
import { audit } from '../db/audit.js';
import type { Queryable, Tx } from '../db/database.js';
import { nowIso } from '../db/ids.js';
import { defineTask, PermanentError, type Job, type Task, type TaskContext } from '../jobs/types.js';
import { RemoteError } from './adapters/http.js';
import type { CrewMemberRef } from './adapters/ports.js';
import { findConflict } from './conflicts.js';
import { ConflictError, errorMessage, isRetryable } from './errors.js';
import { journalDone, journalFailure, loadSteps, readIntent, resultsOf, writeIntent } from './journal.js';
import { emailOwnerAboutConflict } from './owner-email.js';
import { sagaSteps, type Ports, type SagaStep } from './saga.js';
import { findBooking, type BookingRow } from './store.js';
import type { BookingStatus, StepName, StepResults } from './types.js';

export const SYNC = 'booking.sync';
export const syncKey = (bookingId: string) => `booking:${bookingId}`;
export const syncPayload = z.object({ booking_id: z.string() });

export interface SyncOptions {
  /** Bookings synced at once by this process; one booking's steps always run one after another. */
  concurrency: number;
  /** A step that calls out (remote calendar or crew) is given up after this long and retried. */
  stepTimeoutMs: number;
  /** Runs per booking version before it is marked failed. */
  maxAttempts: number;
}

export const defaultSyncOptions: SyncOptions = { concurrency: 16, stepTimeoutMs: 10_000, maxAttempts: 6 };

/** The booking changed while this run was working: the newer version runs next, this one stops. */
class Superseded extends Error {}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RemoteError(`${what} took longer than ${ms} ms`, true)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Reads the booking inside the transaction, locked on PostgreSQL, so that a run and a change (or a
 * second holder after a lost lease) never write the same booking's journal at once.
 */
async function lockBooking(ctx: AppContext, tx: Tx, id: string): Promise<{ version: number; status: string } | undefined> {
  let query = tx.selectFrom('bookings').select(['version', 'status']).where('id', '=', id);
  if (ctx.dialect === 'postgres') query = query.forUpdate();
  return query.executeTakeFirst();
}

const settled: BookingStatus[] = ['synced', 'failed', 'conflict', 'cancelled'];

/** Sets the booking's verdict on its version, audited; a booking that moved on is left as it is. */
async function settle(q: Queryable, owner: string, booking: BookingRow, status: BookingStatus, error: string | null): Promise<void> {
  const updated = await q
    .updateTable('bookings')
    .set({ status, last_error: error, updated_at: nowIso() })
    .where('id', '=', booking.id)
    .where('version', '=', booking.version)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 1 && settled.includes(status)) {
    await audit(q, { actor: `saga:${owner}`, entity: 'booking', entityId: booking.id, action: `sync_${status}`, data: { version: booking.version, error } });
  }
}

/**
 * One booking's saga as a job. Steps whose ports are in-process run inside one transaction with their
 * journal rows, the booking's verdict, its audit row and the job's completion: it all happens, or none
 * of it. Steps that call out run before it, each with its idempotency key and recorded intent, and are
 * journaled with the next transaction.
 */
export function bookingSyncTask(ctx: AppContext, ports: Ports, options: SyncOptions, owner: () => string): Task<z.infer<typeof syncPayload>> {
  const logger = ctx.logger.child({ part: 'saga' });
  return defineTask({
    kind: SYNC,
    payload: syncPayload,
    concurrency: options.concurrency,
    maxAttempts: options.maxAttempts,
    run: (job, tasks) => runSaga(ctx, ports, options, owner(), logger, job, tasks),
  });
}

async function runSaga(ctx: AppContext, ports: Ports, options: SyncOptions, owner: string, logger: Logger, job: Job<{ booking_id: string }>, tasks: TaskContext): Promise<void> {
  const { db } = ctx;
  const booking = await findBooking(db, job.payload.booking_id);
  if (!booking) return;
  const cancelled = booking.cancel_requested_at !== null;
  const { version } = booking;
  let current: StepName | 'conflict_check' = 'conflict_check';
  try {
    if (!cancelled && !booking.forced_at) {
      const conflict = await findConflict(db, booking);
      if (conflict) throw new ConflictError(conflict.message);
    }
    const journal = await loadSteps(db, booking.id);
    const results: StepResults = resultsOf(journal);
    const todo = sagaSteps.filter((s) => {
      const row = journal.get(s.name);
      return !(row && row.status === 'done' && row.version === version);
    });
    const carried: { name: StepName; result: unknown }[] = [];
    let roster: Promise<CrewMemberRef[]> | undefined;
    const input = (step: SagaStep, tx: Tx | undefined) => ({
      bookingId: booking.id,
      version,
      booking: booking.data,
      cancelled,
      results,
      tx,
      q: tx ?? db,
      roster: () => (roster ??= ports.crew.listCrew(tx)),
      ports,
      ctx,
      intent: async <T>(make: (q: Tx) => T | Promise<T>): Promise<T> => {
        const decide = async (q: Tx) => {
          const stored = await readIntent(q, booking.id, step.name);
          if (stored) return JSON.parse(stored) as T;
          const value = await make(q);
          await writeIntent(q, booking.id, step.name, version, value);
          return value;
        };
        // Inside the saga's transaction the decision commits with the effect it feeds, or not at all:
        // nothing to record. Outside it, the intent is committed before the call out that uses it.
        return tx ? make(tx) : db.transaction().execute(decide);
      },
    });
    const keep = (step: SagaStep, result: unknown) => {
      (results as Record<string, unknown>)[step.name] = result ?? null;
      carried.push({ name: step.name, result: result ?? null });
    };
    // Transaction boundaries: a run of in-transaction steps shares one; the last one also carries the
    // verdict and the job's completion. A step that calls out is journaled by the transaction that
    // follows it, or by one of its own.
    let finished = false;
    const commit = (segment: SagaStep[], last: boolean) =>
      db.transaction().execute(async (tx) => {
        const now = await lockBooking(ctx, tx, booking.id);
        if (!now || now.version !== version) throw new Superseded();
        for (const step of segment) {
          current = step.name;
          keep(step, await step.run(input(step, tx)));
        }
        current = 'conflict_check';
        await journalDone(tx, booking.id, version, carried.splice(0));
        if (!last) return;
        await settle(tx, owner, booking, cancelled ? 'cancelled' : 'synced', null);
        await tasks.complete(tx, [job]);
        finished = true;
      });
    for (let i = 0; i < todo.length; ) {
      const step = todo[i]!;
      if (!step.inTransaction(ports)) {
        current = step.name;
        keep(step, await withTimeout(step.run(input(step, undefined)), options.stepTimeoutMs, `step ${step.name}`));
        i++;
        // Journaled now unless a transaction follows at once: a later failure must not cost this call again.
        if (!todo[i]?.inTransaction(ports)) await commit([], i === todo.length);
        continue;
      }
      let j = i;
      while (j < todo.length && todo[j]!.inTransaction(ports)) j++;
      await commit(todo.slice(i, j), j === todo.length);
      i = j;
    }
    if (!finished) await commit([], true);
    tasks.kick('mail.send');
    logger.info({ booking: booking.id, version, cancelled }, 'booking in step');
  } catch (error) {
    if (error instanceof Superseded) return; // the change rescheduled this job: it runs again at the new version
    const message = errorMessage(error);
    if (error instanceof ConflictError) {
      await db.transaction().execute(async (tx) => {
        await journalFailure(tx, booking.id, current, { version, status: 'pending', attempts: 0, error: message, outcome: 'conflict' });
        await emailOwnerAboutConflict(ctx, tx, booking, message);
        await settle(tx, owner, booking, 'conflict', message);
        await tasks.complete(tx, [job]);
      });
      tasks.kick('mail.send');
      logger.info({ booking: booking.id }, 'booking held in conflict');
      return;
    }
    const giveUp = !isRetryable(error) || job.attempt >= job.maxAttempts;
    await db.transaction().execute(async (tx) => {
      await journalFailure(tx, booking.id, current, { version, status: giveUp ? 'failed' : 'pending', attempts: job.attempt, error: message, outcome: 'error' });
      await settle(tx, owner, booking, giveUp ? 'failed' : 'syncing', `${current}: ${message}`);
    });
    logger.warn({ booking: booking.id, step: current, attempt: job.attempt, giveUp, err: message }, 'step failed');
    throw giveUp ? new PermanentError(message) : error;
  }
}
