import type { AppContext } from '../context.js';
import { audit } from '../db/audit.js';
import { isUniqueViolation } from '../db/database.js';
import { nowIso } from '../db/ids.js';
import { AppError, notFound, parseInput, type ErrorDetail } from '../http/errors.js';
import { isDelivered } from '../mail/types.js';
import { dateWindowProblem } from '../charter/schema.js';
import { RemoteError } from './adapters/http.js';
import { diffFacts } from './facts-diff.js';
import type { CrewMemberRef } from './adapters/ports.js';
import type { Ports } from './saga.js';
import type { Tx } from '../db/database.js';
import { history, loadSteps, resultsOf } from './journal.js';
import { charterColumns, findBooking, findBookingByNaturalKey, insertBooking, listBookings, type BookingFilter, type BookingRow } from './store.js';
import { SYNC, syncKey } from './sync.js';
import { bookingPatchSchema, bookingSchema, type Booking, type BookingView, type StepView } from './types.js';

/** The operator-facing side of the orchestrator: accept, change, cancel, retry and report bookings. */
export class OrchestratorService {
  constructor(
    private readonly ctx: AppContext,
    private readonly ports: Ports,
  ) {}

  /** Due now: a new version replaces whatever run of this booking was pending (the job's key is the booking). */
  private sync = (tx: Tx, bookingId: string) => this.ctx.jobs.schedule(tx, SYNC, syncKey(bookingId), new Date(), { booking_id: bookingId });

  private wake = () => this.ctx.jobs.kick(SYNC);

  statusUrl = (id: string) => `${this.ctx.config.publicBaseUrl}/bookings/${id}`;

  /**
   * A new booking, or the one already stored under the same source + external_id (or key) when the
   * facts are the same. Different facts are a 409 listing them, unless `onConflict` is "change":
   * then the sent facts become a new version through the change path.
   */
  async submit(
    input: unknown,
    idempotencyKey: string | undefined,
    actor: string,
    onConflict: 'refuse' | 'change' = 'refuse',
  ): Promise<{ id: string; created: boolean; changed?: boolean }> {
    const booking = parseInput(bookingSchema, input, 'booking');
    const existing = await this.existing(booking, idempotencyKey);
    if (existing) return this.repost(existing, booking, actor, onConflict);
    this.checkDateWindow(booking.date);
    await this.checkCrew(booking);
    try {
      const row = await this.ctx.db.transaction().execute(async (trx) => {
        const inserted = await insertBooking(trx, booking, idempotencyKey);
        await audit(trx, { actor, entity: 'booking', entityId: inserted.id, action: 'create', data: booking });
        await this.sync(trx, inserted.id);
        return inserted;
      });
      this.wake();
      return { id: row.id, created: true };
    } catch (error) {
      // A twin request won the race for the same source + external_id or key: answer with its id.
      const winner = isUniqueViolation(error) ? await this.existing(booking, idempotencyKey) : undefined;
      if (!winner) throw error;
      return this.repost(winner, booking, actor, onConflict);
    }
  }

  private async repost(row: BookingRow, booking: Booking, actor: string, onConflict: 'refuse' | 'change') {
    const differences = diffFacts(row.data, booking);
    if (differences.length === 0) return { id: row.id, created: false };
    if (onConflict === 'change') {
      await this.applyChange(row, booking, booking, actor);
      return { id: row.id, created: false, changed: true };
    }
    throw new AppError(
      409,
      'booking_differs',
      `Booking ${row.id} (${row.source} ${row.external_id}) is already stored with different facts: ${differences.map((d) => d.path).join(', ')}. ` +
        'To change it, PATCH /bookings/' + row.id + ' or re-send with ?on_conflict=change.',
      differences,
    );
  }

  /** New or moved charters must fall in the configured window around today; a stored one may age out of it. */
  private checkDateWindow(date: string): void {
    const problem = dateWindowProblem(date, this.ctx.config.bookingWindow);
    if (problem) throw new AppError(422, 'validation_failed', `The booking is not valid: date: ${problem}.`, [{ path: 'date', message: problem }]);
  }

  private async existing(booking: Booking, idempotencyKey: string | undefined): Promise<BookingRow | undefined> {
    const row = await findBookingByNaturalKey(this.ctx.db, booking.source, booking.external_id, idempotencyKey);
    if (row && idempotencyKey && row.idempotency_key === idempotencyKey && (row.source !== booking.source || row.external_id !== booking.external_id)) {
      throw new AppError(422, 'idempotency_key_reused', `This Idempotency-Key was already used for booking ${row.id} (${row.source} ${row.external_id}). Use a new key for a different booking.`);
    }
    return row;
  }

  /** Named crew must exist with a fitting role; checked up front so a typo is a 422, not a failed sync. */
  private async checkCrew(booking: Pick<Booking, 'crew' | 'captain' | 'crew_assignments'>): Promise<void> {
    if (!booking.crew && !booking.captain) return;
    let roster: CrewMemberRef[];
    try {
      roster = await this.ports.crew.listCrew();
    } catch (error) {
      if (error instanceof RemoteError && error.retryable) return; // the crew step checks again when it can reach the service
      throw error;
    }
    const byId = new Map(roster.map((m) => [m.id, m]));
    const roles = booking.crew_assignments.filter((a) => a.role !== 'captain').map((a) => a.role);
    const details: ErrorDetail[] = [];
    booking.crew?.forEach((id, i) => {
      const member = byId.get(id);
      if (!member) details.push({ path: `crew.${i}`, message: `"${id}" is not on the crew roster` });
      else if (!member.roles.some((r) => roles.includes(r))) details.push({ path: `crew.${i}`, message: `"${id}" has none of the roles ${roles.join(', ')}` });
    });
    if (booking.captain) {
      const captain = byId.get(booking.captain);
      if (!captain) details.push({ path: 'captain', message: `"${booking.captain}" is not on the crew roster` });
      else if (!captain.roles.includes('captain')) details.push({ path: 'captain', message: `"${booking.captain}" does not have the captain role` });
    }
    if (details.length > 0) {
      throw new AppError(422, 'unknown_crew', `Some named crew cannot sail this charter: ${details.map((d) => d.message).join('; ')}. Add them with "dockhand crew add" or fix the ids.`, details);
    }
  }

  async get(id: string): Promise<BookingView> {
    const row = await findBooking(this.ctx.db, id);
    if (!row) throw notFound('booking', id);
    return this.view(row);
  }

  async list(filter: BookingFilter) {
    const rows = await listBookings(this.ctx.db, filter);
    return rows.map((r) => ({
      id: r.id,
      source: r.source,
      external_id: r.external_id,
      date: r.data.date,
      start_time: r.data.start_time,
      boat: r.data.boat ?? null,
      guest_name: r.data.guest.name,
      status: r.status,
      version: r.version,
      last_error: r.last_error,
      updated_at: r.updated_at,
      status_url: this.statusUrl(r.id),
    }));
  }

  async change(id: string, input: unknown, expectedVersion: number | undefined, actor: string): Promise<BookingView> {
    const patch = parseInput(bookingPatchSchema, input, 'change');
    const row = await this.mustFind(id);
    if (row.cancel_requested_at) throw new AppError(409, 'booking_cancelled', 'This booking is cancelled and can no longer change. Submit a new booking instead.');
    if (expectedVersion !== undefined && expectedVersion !== row.version) {
      throw new AppError(412, 'stale_version', `The booking is at version ${row.version}, not ${expectedVersion}: someone changed it meanwhile. Reload it and apply your change again.`);
    }
    const merged = parseInput(bookingSchema, { ...row.data, ...patch, guest: { ...row.data.guest, ...patch.guest } }, 'changed booking');
    await this.applyChange(row, merged, patch, actor);
    return this.get(id);
  }

  private async applyChange(row: BookingRow, merged: Booking, patch: { crew?: unknown; captain?: unknown }, actor: string): Promise<void> {
    if (row.cancel_requested_at) throw new AppError(409, 'booking_cancelled', 'This booking is cancelled and can no longer change. Submit a new booking instead.');
    if (merged.date !== row.data.date) this.checkDateWindow(merged.date);
    if (patch.crew || patch.captain) await this.checkCrew(merged);
    // The owner's override was for the charter as it stood; a changed charter is checked afresh.
    await this.bump(row, actor, 'change', patch, { data: JSON.stringify(merged), ...charterColumns(merged), forced_at: null });
  }

  async cancel(id: string, actor: string): Promise<BookingView> {
    const row = await this.mustFind(id);
    if (!row.cancel_requested_at) await this.bump(row, actor, 'cancel', null, { cancel_requested_at: nowIso() });
    return this.get(id);
  }

  /** Runs failed steps again; `force` also syncs a booking held in conflict, by the owner's decision. */
  async retry(id: string, actor: string, force = false): Promise<BookingView> {
    const row = await this.mustFind(id);
    if (row.status === 'synced' || row.status === 'cancelled') {
      throw new AppError(409, 'nothing_to_retry', `Booking ${id} is ${row.status}; there is nothing to retry.`);
    }
    await this.ctx.db.transaction().execute(async (trx) => {
      await trx.updateTable('booking_steps').set({ status: 'pending', attempts: 0, last_error: null }).where('booking_id', '=', id).where('status', '=', 'failed').execute();
      await trx
        .updateTable('bookings')
        .set({ status: 'syncing', last_error: null, updated_at: nowIso(), ...(force ? { forced_at: nowIso() } : {}) })
        .where('id', '=', id)
        .execute();
      await this.sync(trx, id);
      await audit(trx, { actor, entity: 'booking', entityId: id, action: force ? 'force' : 'retry' });
    });
    this.wake();
    return this.get(id);
  }

  private async mustFind(id: string): Promise<BookingRow> {
    const row = await findBooking(this.ctx.db, id);
    if (!row) throw notFound('booking', id);
    return row;
  }

  /** A new version: every system is brought in step with it by the next saga run. */
  private async bump(row: BookingRow, actor: string, action: string, data: unknown, changes: Record<string, unknown>): Promise<void> {
    await this.ctx.db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('bookings')
        .set({ ...changes, version: row.version + 1, status: 'syncing', last_error: null, updated_at: nowIso() })
        .where('id', '=', row.id)
        .where('version', '=', row.version)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) {
        throw new AppError(409, 'concurrent_change', 'The booking changed while this request was handled. Reload it and try again.');
      }
      await trx.updateTable('booking_steps').set({ attempts: 0 }).where('booking_id', '=', row.id).execute();
      await this.sync(trx, row.id);
      // A booking that moved or was cancelled may free the slot others are waiting for: check them again.
      const held = await trx.selectFrom('bookings').select('id').where('status', '=', 'conflict').where('id', '!=', row.id).execute();
      for (const other of held) await this.sync(trx, other.id);
      await audit(trx, { actor, entity: 'booking', entityId: row.id, action, data: { version: row.version + 1, ...(data ? { changes: data } : {}) } });
    });
    this.wake();
  }

  private async view(row: BookingRow): Promise<BookingView> {
    const steps = await loadSteps(this.ctx.db, row.id);
    const results = resultsOf(steps);
    const stepView = (name: 'guest_page' | 'calendar' | 'crew_event' | 'notifications'): StepView => {
      const s = steps.get(name);
      const current = s && s.version === row.version;
      return { status: !s ? 'pending' : s.status === 'done' && !current ? 'pending' : (s.status as StepView['status']), attempts: s?.attempts ?? 0, error: s?.last_error ?? null };
    };
    const mail = await this.mailCounts(row, results.crew_event?.event_id, results.notifications?.summary_mail_id ?? null);
    const notifications = stepView('notifications');
    if (notifications.status === 'done' && mail.sent < mail.total) notifications.status = 'sending';
    // Mail given up on is not "sending" and not done: say so, with what to do.
    if (mail.failed > 0 && notifications.status !== 'failed') {
      notifications.status = 'failed';
      notifications.error = `${mail.failed} email${mail.failed > 1 ? 's' : ''} could not be delivered; check SMTP_URL and the mail log, then resend from the dashboard`;
    }
    return {
      id: row.id,
      source: row.source,
      external_id: row.external_id,
      status: row.status,
      version: row.version,
      booking: row.data,
      steps: {
        guest_page: { ...stepView('guest_page'), url: results.guest_page?.url ?? null },
        calendar: { ...stepView('calendar'), entry_id: results.calendar?.entry_id ?? null },
        crew_event: { ...stepView('crew_event'), event_id: results.crew_event?.event_id ?? null },
        notifications: { ...notifications, ...mail },
      },
      last_error: row.last_error,
      history: await history(this.ctx.db, row.id),
      created_at: row.created_at,
      updated_at: row.updated_at,
      status_url: this.statusUrl(row.id),
    };
  }

  /**
   * Emails for this booking: each crew member's latest message (from the crew service) and the captain
   * summary. `sent` counts what left this service (over SMTP/SES, or into the local outbox when no
   * SMTP_URL is set: `kept_locally` says how many of those were only kept); `failed` what was given up on.
   */
  private async mailCounts(row: BookingRow, eventId: string | undefined, summaryId: string | null) {
    const statuses: string[] = [];
    let crewTotal = row.data.crew_assignments.reduce((n, a) => n + a.count, 0);
    if (eventId) {
      try {
        const event = await this.ports.crew.getEvent(eventId);
        // A decliner whose place was taken is no longer owed mail about this charter.
        const people = event.crew.filter((c) => c.status !== 'removed' && !c.replaced_by);
        crewTotal = people.length;
        for (const c of people) if (c.email?.status) statuses.push(c.email.status);
      } catch (error) {
        this.ctx.logger.warn({ booking: row.id, err: (error as Error).message }, 'could not read the crew event for mail counts');
      }
    }
    const wantsSummary = row.cancel_requested_at === null;
    if (summaryId) {
      const summary = await this.ctx.db.selectFrom('outbox').select('status').where('id', '=', summaryId).executeTakeFirst();
      if (summary) statuses.push(summary.status);
    }
    const count = (pick: (s: string) => boolean) => statuses.filter(pick).length;
    return {
      sent: count(isDelivered),
      total: crewTotal + (wantsSummary ? 1 : 0),
      kept_locally: count((s) => s === 'captured'),
      failed: count((s) => s === 'failed'),
    };
  }
}
