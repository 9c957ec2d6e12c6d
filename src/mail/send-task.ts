import { sql } from 'kysely';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Db, Queryable } from '../db/database.js';
import { nowIso } from '../db/ids.js';
import type { OutboxTable } from '../db/schema.js';
import { defineTask, type Task } from '../jobs/types.js';
import { redactLinks } from './redact.js';
import type { MailTransport } from './transport.js';

export const MAIL = 'mail.send';
export const mailKey = (outboxId: string) => `mail:${outboxId}`;
const payload = z.object({ outbox_id: z.string() });

export interface MailTaskOptions {
  /** Messages in flight at once in this process (over the transport's pooled connections). */
  concurrency?: number;
  maxAttempts?: number;
}

/** Marks a batch delivered in one statement, then takes the link tokens out of the bodies that had them. */
async function markDelivered(q: Queryable, rows: OutboxTable[], status: 'sent' | 'captured'): Promise<void> {
  if (rows.length === 0) return;
  await q
    .updateTable('outbox')
    .set({ status, sent_at: nowIso(), last_error: null, lease_until: null, attempts: sql<number>`attempts + 1` })
    .where(
      'id',
      'in',
      rows.map((r) => r.id),
    )
    .execute();
  // The development outbox is where the links are read: keep them there.
  if (status !== 'sent') return;
  for (const row of rows) {
    const text = redactLinks(row.text_body);
    const html = redactLinks(row.html_body);
    if (text !== row.text_body || html !== row.html_body) await q.updateTable('outbox').set({ text_body: text, html_body: html }).where('id', '=', row.id).execute();
  }
}

/**
 * Sends what the outbox holds, a batch at a time: one read, the sends side by side over the pooled
 * transport, then one transaction marks the batch sent and completes its jobs. A message whose send
 * succeeded but whose batch was not yet marked (a crash in between) is sent again with the same
 * Message-ID: that window is the only way a message can ever go out twice.
 */
export function mailTask(db: Db, transport: MailTransport, logger: Logger, options: MailTaskOptions = {}): Task<z.infer<typeof payload>> {
  return defineTask({
    kind: MAIL,
    payload,
    concurrency: options.concurrency ?? 64,
    maxAttempts: options.maxAttempts ?? 8,
    runBatch: async (jobs, tasks) => {
      const rows = await db
        .selectFrom('outbox')
        .selectAll()
        .where(
          'id',
          'in',
          jobs.map((j) => j.payload.outbox_id),
        )
        .execute();
      const byId = new Map(rows.map((r) => [r.id, r]));
      const errors = new Map<string, unknown>();
      const sent: OutboxTable[] = [];
      await Promise.all(
        jobs.map(async (job) => {
          const row = byId.get(job.payload.outbox_id);
          if (!row || row.status === 'sent' || row.status === 'captured') return;
          try {
            await transport.send(row);
            sent.push(row);
          } catch (error) {
            errors.set(job.id, error);
          }
        }),
      );
      await db.transaction().execute(async (tx) => {
        await markDelivered(tx, sent, transport.kind === 'outbox' ? 'captured' : 'sent');
        await tasks.complete(
          tx,
          jobs.filter((j) => !errors.has(j.id)),
        );
      });
      for (const job of jobs.filter((j) => errors.has(j.id))) {
        const message = String((errors.get(job.id) as Error)?.message ?? errors.get(job.id));
        logger.warn({ mail: job.payload.outbox_id, attempt: job.attempt, err: message }, 'mail send failed');
        await db.updateTable('outbox').set({ attempts: job.attempt, last_error: message }).where('id', '=', job.payload.outbox_id).execute();
      }
      return errors;
    },
    onGiveUp: async (tx, job, error) => {
      await tx.updateTable('outbox').set({ status: 'failed', last_error: error }).where('id', '=', job.payload.outbox_id).execute();
    },
  });
}
