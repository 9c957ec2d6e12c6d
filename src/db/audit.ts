import type { Queryable } from './database.js';
import { newId, nowIso } from './ids.js';

export interface AuditRecord {
  actor: string;
  entity: string;
  entityId: string;
  action: string;
  data?: unknown;
}

/** Every change to bookings, entries, events and crew goes through here, in the changing transaction. */
export async function audit(q: Queryable, record: AuditRecord): Promise<void> {
  await q
    .insertInto('audit_log')
    .values({
      id: newId('au'),
      at: nowIso(),
      actor: record.actor,
      entity: record.entity,
      entity_id: record.entityId,
      action: record.action,
      data: record.data === undefined ? null : JSON.stringify(record.data),
    })
    .execute();
}
