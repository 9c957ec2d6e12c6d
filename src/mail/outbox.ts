import type { Db, Queryable } from '../db/database.js';
import { scheduleJob } from '../jobs/sql/schedule.js';
import { MAIL, mailKey } from './send-task.js';
import { newId, nowIso } from '../db/ids.js';
import type { OutboxTable } from '../db/schema.js';
import type { MailRecord, MailStatus, OutgoingMail } from './types.js';

export interface Enqueued {
  id: string;
  messageId: string;
  created: boolean;
}

/**
 * Writes the message into the outbox inside the caller's transaction, so the mail exists exactly when
 * what caused it does. The Message-ID is fixed here: a resend after a crash repeats it.
 */
export async function enqueueMail(q: Queryable, mail: OutgoingMail, domain = 'dockhand.local'): Promise<Enqueued> {
  // The row and its job go together: outside a transaction, open one for the two.
  if (!q.isTransaction) return (q as Db).transaction().execute((tx) => enqueueMail(tx, mail, domain));
  const id = newId('ml');
  const messageId = `<${id}@${domain}>`;
  const now = nowIso();
  const inserted = await q
    .insertInto('outbox')
    .values({
      id,
      dedupe_key: mail.dedupeKey,
      message_id: messageId,
      kind: mail.kind,
      ref_type: mail.refType ?? null,
      ref_id: mail.refId ?? null,
      to_address: mail.to.address,
      to_name: mail.to.name ?? null,
      subject: mail.subject,
      text_body: mail.text,
      html_body: mail.html,
      status: 'pending',
      attempts: 0,
      last_error: null,
      next_attempt_at: now,
      lease_until: null,
      created_at: now,
      sent_at: null,
    })
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .returning(['id', 'message_id'])
    .executeTakeFirst();
  if (inserted) {
    // The job that sends it commits with it; the writer kicks the runner once its transaction is done.
    await scheduleJob(q, { kind: MAIL, key: mailKey(inserted.id), runAt: now, payload: { outbox_id: inserted.id } });
    return { id: inserted.id, messageId: inserted.message_id, created: true };
  }
  const existing = await q
    .selectFrom('outbox')
    .select(['id', 'message_id'])
    .where('dedupe_key', '=', mail.dedupeKey)
    .executeTakeFirstOrThrow();
  return { id: existing.id, messageId: existing.message_id, created: false };
}

export function toMailRecord(row: OutboxTable): MailRecord {
  return {
    id: row.id,
    messageId: row.message_id,
    kind: row.kind,
    refType: row.ref_type,
    refId: row.ref_id,
    to: row.to_address,
    toName: row.to_name,
    subject: row.subject,
    text: row.text_body,
    html: row.html_body,
    status: row.status as MailStatus,
    attempts: row.attempts,
    lastError: row.last_error,
    createdAt: row.created_at,
    sentAt: row.sent_at,
  };
}

export async function listMail(q: Queryable, filter: { refType?: string; refId?: string; limit?: number } = {}) {
  let query = q.selectFrom('outbox').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc');
  if (filter.refType) query = query.where('ref_type', '=', filter.refType);
  if (filter.refId) query = query.where('ref_id', '=', filter.refId);
  const rows = await query.limit(filter.limit ?? 500).execute();
  return rows.map(toMailRecord);
}
