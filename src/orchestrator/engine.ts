import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { AppContext } from '../context.js';
import { nowIso } from '../db/ids.js';
import { withLock } from '../db/lock.js';
import { RemoteError } from './adapters/http.js';
import { findConflict } from './conflicts.js';
import { ConflictError, errorMessage, isRetryable } from './errors.js';
import { emailOwnerAboutConflict } from './owner-email.js';
import { sagaSteps, type Ports, type SagaStep } from './saga.js';
import type { StepResults } from './types.js';
import type { BookingStepTable } from '../db/schema.js';
import {
  claimDue,
  endAttempt,
  extendLease,
  findBooking,
  loadSteps,
  type BookingRow,
  releaseBooking,
  resultsOf,
  saveStep,
  startAttempt,
} from './store.js';

export interface EngineOptions {
  /** Bookings synced at once by this process; one booking's steps always run one after another. */
  concurrency: number;
  pollMs: number;
  leaseMs: number;
  stepTimeoutMs: number;
  /** Attempts per step before the booking is marked failed. */
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
}

export const defaultEngineOptions: EngineOptions = {
  concurrency: 8,
  pollMs: 250,
  leaseMs: 20_000,
  stepTimeoutMs: 10_000,
  maxAttempts: 6,
  backoffBaseMs: 500,
  backoffMaxMs: 60_000,
};

/** Exponential backoff with full jitter: retries from many bookings do not arrive in lockstep. */
export const backoffMs = (attempt: number, o: Pick<EngineOptions, 'backoffBaseMs' | 'backoffMaxMs'>) =>
  Math.round(Math.random() * Math.min(o.backoffMaxMs, o.backoffBaseMs * 2 ** (attempt - 1)));

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RemoteError(`${what} took longer than ${ms} ms`, true)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Runs booking sagas. Each step's outcome is recorded before the next starts, so after a crash the
 * next claim resumes at the first step not done for the booking's current version.
 */
export class SagaEngine {
  readonly owner = `w-${process.pid}-${randomBytes(3).toString('hex')}`;
  private readonly active = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = true;
  private readonly logger: Logger;

  constructor(
    private readonly ctx: AppContext,
    private readonly ports: Ports,
    readonly options: EngineOptions = defaultEngineOptions,
  ) {
    this.logger = ctx.logger.child({ part: 'saga', worker: this.owner });
  }

  start(): void {
    this.stopped = false;
    this.kick();
  }

  /** New work is due: look now rather than at the next poll. */
  kick(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), 0);
  }

  /**
   * Stops claiming, lets running sagas finish their current step, and past the deadline hands what is
   * still running back to the others at once (rather than after the lease), so a SIGTERM loses nothing.
   */
  async stop(deadlineMs = 8000): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
    const deadline = Date.now() + deadlineMs;
    while (this.active.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const id of this.active) {
      await this.ctx.db
        .updateTable('bookings')
        .set({ lease_owner: null, lease_until: null, next_run_at: nowIso() })
        .where('id', '=', id)
        .where('lease_owner', '=', this.owner)
        .execute()
        .catch(() => {});
    }
  }

  get running(): number {
    return this.active.size;
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = (async () => {
      try {
        const free = this.options.concurrency - this.active.size;
        if (free > 0) {
          const ids = await claimDue(this.ctx.db, this.ctx.dialect, this.owner, free, this.options.leaseMs, this.active);
          for (const id of ids) {
            this.active.add(id);
            void this.run(id).finally(() => {
              this.active.delete(id);
              this.kick();
            });
          }
        }
      } catch (error) {
        this.logger.error({ err: error }, 'could not look for due bookings');
      }
    })();
    await this.ticking;
    this.ticking = undefined;
    if (!this.stopped) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.tick(), this.options.pollMs);
    }
  }

  /** No side effect happens for a booking in conflict; the owner hears why, once per version. */
  private async holdInConflict(booking: BookingRow, reason: string): Promise<void> {
    const { db } = this.ctx;
    const attemptId = await startAttempt(db, booking.id, 'conflict_check');
    await endAttempt(db, attemptId, 'conflict', reason);
    await emailOwnerAboutConflict(this.ctx, booking, reason);
    await releaseBooking(db, booking.id, this.owner, booking.version, { status: 'conflict', nextRunAt: null, lastError: reason });
    this.logger.info({ booking: booking.id, reason }, 'booking held in conflict');
  }

  /**
   * One step, recorded before and after in a transaction each: the attempt, the step's state and the
   * lease move together. False when the run stops here (retry later, failed, or held in conflict).
   */
  private async runStep(booking: BookingRow, { name, run }: SagaStep, row: BookingStepTable | undefined, results: StepResults): Promise<boolean> {
    const { db } = this.ctx;
    const { id: bookingId, version } = booking;
    const cancelled = booking.cancel_requested_at !== null;
    const attempts = (row && row.status !== 'done' ? row.attempts : 0) + 1;
    const recordedVersion = row?.version ?? version;
    const attemptId = await db.transaction().execute(async (trx) => {
      await extendLease(trx, bookingId, this.owner, this.options.leaseMs);
      await saveStep(trx, bookingId, name, { status: 'running', version: recordedVersion, attempts, error: null });
      return startAttempt(trx, bookingId, name);
    });
    // Decisions that pick from shared resources (crew) are made one at a time, and recorded before
    // the lock is let go, so two bookings never choose the same free person.
    const intent = <T>(make: () => T | Promise<T>): Promise<T> =>
      withLock(this.ctx, 'crew-assignment', async () => {
        const stored = (await loadSteps(db, bookingId)).get(name)?.intent;
        if (stored) return JSON.parse(stored) as T;
        const value = await make();
        await db.updateTable('booking_steps').set({ intent: JSON.stringify(value) }).where('booking_id', '=', bookingId).where('step', '=', name).execute();
        return value;
      });
    try {
      const result = await withTimeout(
        run({ bookingId, version, booking: booking.data, cancelled, results, ports: this.ports, ctx: this.ctx, intent }),
        this.options.stepTimeoutMs,
        `step ${name}`,
      );
      await db.transaction().execute(async (trx) => {
        await saveStep(trx, bookingId, name, { status: 'done', version, result: result ?? null, attempts, error: null });
        await endAttempt(trx, attemptId, 'ok', null);
      });
      (results as Record<string, unknown>)[name] = result ?? null;
      return true;
    } catch (error) {
      const message = errorMessage(error);
      if (error instanceof ConflictError) {
        await db.transaction().execute(async (trx) => {
          await endAttempt(trx, attemptId, 'conflict', message);
          await saveStep(trx, bookingId, name, { status: 'pending', version: recordedVersion, attempts: 0, error: message });
        });
        await this.holdInConflict(booking, message);
        return false;
      }
      const retry = isRetryable(error) && attempts < this.options.maxAttempts;
      await db.transaction().execute(async (trx) => {
        await endAttempt(trx, attemptId, 'error', message);
        await saveStep(trx, bookingId, name, { status: retry ? 'pending' : 'failed', version: recordedVersion, attempts, error: message });
      });
      this.logger.warn({ booking: bookingId, step: name, attempt: attempts, retry, err: message }, 'step failed');
      await releaseBooking(db, bookingId, this.owner, version, {
        status: retry ? 'syncing' : 'failed',
        nextRunAt: retry ? new Date(Date.now() + backoffMs(attempts, this.options)).toISOString() : null,
        lastError: `${name}: ${message}`,
      });
      return false;
    }
  }

  private async run(bookingId: string): Promise<void> {
    const { db } = this.ctx;
    const booking = await findBooking(db, bookingId);
    if (!booking) return;
    const cancelled = booking.cancel_requested_at !== null;
    const version = booking.version;
    try {
      if (booking.status === 'pending' || booking.status === 'failed') {
        await db.updateTable('bookings').set({ status: 'syncing', updated_at: nowIso() }).where('id', '=', bookingId).execute();
      }
      if (!cancelled && !booking.forced_at) {
        const conflict = await findConflict(db, booking);
        if (conflict) return await this.holdInConflict(booking, conflict.message);
      }
      const steps = await loadSteps(db, bookingId);
      const results = resultsOf(steps);
      for (const step of sagaSteps) {
        const row = steps.get(step.name);
        if (row && row.status === 'done' && row.version === version) continue;
        if (!(await this.runStep(booking, step, row, results))) return;
      }
      await releaseBooking(db, bookingId, this.owner, version, { status: cancelled ? 'cancelled' : 'synced', nextRunAt: null, lastError: null });
      this.logger.info({ booking: bookingId, version, cancelled }, 'booking in step');
    } catch (error) {
      // The database itself failed us: give the booking back to be tried again shortly.
      this.logger.error({ booking: bookingId, err: error }, 'saga run failed outside a step');
      await releaseBooking(db, bookingId, this.owner, version, {
        status: 'syncing',
        nextRunAt: new Date(Date.now() + this.options.backoffBaseMs).toISOString(),
        lastError: errorMessage(error),
      }).catch(() => {});
    }
  }
}
