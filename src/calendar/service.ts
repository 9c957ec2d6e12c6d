import { audit } from '../db/audit.js';
import type { Db, Tx } from '../db/database.js';
import { newId, nowIso } from '../db/ids.js';
import { AppError, notFound } from '../http/errors.js';
import { once } from '../http/idempotency.js';
import { fieldsOf, findEntry, insertEntry, listEntries, lockEntry, updateEntry, type EntryFields } from './store.js';
import {
  calendarEntryInputSchema,
  calendarEntryPatchSchema,
  calendarRangeSchema,
  crewCostCents,
  parseCalendar,
  type CalendarEntry,
  type CalendarEntryInput,
  type CalendarEntryPatch,
  type CalendarRange,
} from './types.js';

export * from './types.js';

export interface WriteOptions {
  /** The same key again returns the first result and changes nothing. */
  idempotencyKey?: string | undefined;
  /** Who asked, for the audit log ('operator', 'orchestrator', …). */
  actor: string;
  /** The caller's open transaction (the saga, in-process): the change commits with the caller's record of it. */
  tx?: Tx | undefined;
}

const ENTITY = 'calendar_entry';
const WHAT = 'calendar entry';

/**
 * The calendar: entries with crew assignments and crew cost. Input is validated here, not only at
 * the HTTP edge, because the orchestrator calls this in-process with bodies it built itself.
 */
export class CalendarService {
  constructor(private readonly db: Db) {}

  async create(input: CalendarEntryInput, opts: WriteOptions): Promise<{ entry: CalendarEntry; created: boolean }> {
    const parsed = parseCalendar(calendarEntryInputSchema, input, WHAT);
    const result = await once(this.db, 'calendar.create', opts.idempotencyKey, parsed, async (trx) => {
      const fields: EntryFields = {
        event_type: parsed.event_type,
        date: parsed.date,
        start_time: parsed.start_time ?? null,
        timezone: parsed.timezone ?? null,
        duration_hours: parsed.duration_hours,
        location: parsed.location,
        guest_name: parsed.guest_name,
        boat: parsed.boat ?? null,
        booking_ref: parsed.booking_ref ?? null,
        notes: parsed.notes ?? null,
        crew_assignments: parsed.crew_assignments,
        crew_cost_cents: crewCostCents(parsed.crew_assignments, parsed.duration_hours),
      };
      const entry = await insertEntry(trx, newId('cal'), fields, nowIso());
      await audit(trx, { actor: opts.actor, entity: ENTITY, entityId: entry.id, action: 'create', data: entry });
      return { statusCode: 201, body: entry };
    }, opts.tx);
    return { entry: result.body, created: !result.replayed };
  }

  async get(id: string): Promise<CalendarEntry> {
    const entry = await findEntry(this.db, id);
    if (!entry) throw notFound(WHAT, id);
    return entry;
  }

  /** Entries whose date lies in [from, to], both optional and inclusive, cancelled ones included. */
  async list(range: CalendarRange): Promise<CalendarEntry[]> {
    return listEntries(this.db, parseCalendar(calendarRangeSchema, range, 'date range'));
  }

  async update(id: string, patch: CalendarEntryPatch, opts: WriteOptions): Promise<CalendarEntry> {
    const parsed = parseCalendar(calendarEntryPatchSchema, patch, `change to ${WHAT} "${id}"`);
    // Absent and undefined both mean "leave it"; only null clears an optional field.
    const given = Object.fromEntries(Object.entries(parsed).filter(([, v]) => v !== undefined)) as Partial<EntryFields>;
    const result = await once(this.db, `calendar.update:${id}`, opts.idempotencyKey, given, async (trx) => {
      const entry = await this.applyChange(trx, id, opts.actor, 'update', (current) => {
        if (current.status === 'cancelled') {
          throw new AppError(
            409,
            'entry_cancelled',
            `Calendar entry "${id}" is cancelled and cannot be changed. Create a new entry for the rescheduled charter instead.`,
          );
        }
        const next = { ...fieldsOf(current), ...given };
        next.crew_cost_cents = crewCostCents(next.crew_assignments, next.duration_hours);
        return next;
      });
      return { statusCode: 200, body: entry };
    }, opts.tx);
    return result.body;
  }

  /** Cancelling an entry that is already cancelled returns it as it is. */
  async cancel(id: string, opts: WriteOptions): Promise<CalendarEntry> {
    const result = await once(this.db, `calendar.cancel:${id}`, opts.idempotencyKey, {}, async (trx) => {
      const entry = await this.applyChange(trx, id, opts.actor, 'cancel', (current) =>
        current.status === 'cancelled' ? {} : { status: 'cancelled' as const },
      );
      return { statusCode: 200, body: entry };
    }, opts.tx);
    return result.body;
  }

  /** Locks and reads the entry, asks `decide` for its new state, writes only what differs, audits it. */
  private async applyChange(
    trx: Tx,
    id: string,
    actor: string,
    action: 'update' | 'cancel',
    decide: (current: CalendarEntry) => Partial<EntryFields> & { status?: 'cancelled' },
  ): Promise<CalendarEntry> {
    await lockEntry(trx, id);
    const current = await findEntry(trx, id);
    if (!current) throw notFound(WHAT, id);
    const wanted = decide(current);
    const before: Record<string, unknown> = { ...fieldsOf(current), status: current.status };
    const changes = Object.fromEntries(
      Object.entries(wanted)
        .filter(([field, value]) => JSON.stringify(value) !== JSON.stringify(before[field]))
        .map(([field, value]) => [field, { from: before[field], to: value }]),
    );
    if (Object.keys(changes).length === 0) return current;
    const change = Object.fromEntries(Object.entries(changes).map(([field, c]) => [field, c.to]));
    // The lock makes a lost race impossible; the version check stays as a guard should that ever change.
    if (!(await updateEntry(trx, current, change, nowIso()))) {
      throw new AppError(409, 'entry_busy', `Calendar entry "${id}" was changed by someone else at the same moment. Try again.`);
    }
    await audit(trx, { actor, entity: ENTITY, entityId: id, action, data: { version: current.version + 1, changes } });
    return (await findEntry(trx, id))!;
  }
}
