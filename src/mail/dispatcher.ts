import type { Logger } from 'pino';
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import { nowIso } from '../db/ids.js';
import type { OutboxTable } from '../db/schema.js';
import { Poller } from '../lib/poller.js';
import type { MailTransport } from './transport.js';

export interface DispatcherOptions {
  batchSize?: number;
  pollMs?: number;
  leaseMs?: number;
  maxAttempts?: number;
}

const later = (ms: number) => new Date(Date.now() + ms).toISOString();

/**
 * Sends what the outbox holds. A row is leased ("sending") before the SMTP call and marked sent after
 * it: if the process dies in between, the lease runs out and the row is sent again with the same
 * Message-ID, which is the only way a message can ever go out twice.
 */
export class MailDispatcher {
  private readonly poller: Poller;
  private readonly batchSize: number;
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly maxAttempts: number;

  constructor(
    private readonly db: Db,
    private readonly dialect: 'sqlite' | 'postgres',
    private readonly transport: MailTransport,
    private readonly logger: Logger,
    options: DispatcherOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 50;
    this.pollMs = options.pollMs ?? 500;
    this.leaseMs = options.leaseMs ?? 20_000;
    this.maxAttempts = options.maxAttempts ?? 8;
    this.poller = new Poller(async () => (await this.drainOnce()) > 0, this.pollMs, (error) =>
      this.logger.error({ err: error }, 'mail dispatcher could not read the outbox'),
    );
  }

  start(): void {
    this.poller.start();
  }

  /** New mail is waiting: send it now rather than at the next poll. */
  kick(): void {
    this.poller.kick();
  }

  async stop(): Promise<void> {
    await this.poller.stop();
    this.transport.close();
  }

  /** Sends everything due now; returns how many messages it handled. */
  async drainOnce(): Promise<number> {
    const rows = await this.claim();
    await Promise.all(rows.map((row) => this.deliver(row)));
    return rows.length;
  }

  private async claim(): Promise<OutboxTable[]> {
    const now = nowIso();
    const due = this.db
      .selectFrom('outbox')
      .select('id')
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'pending'), eb('next_attempt_at', '<=', now)]),
          eb.and([eb('status', '=', 'sending'), eb('lease_until', '<', now)]),
        ]),
      )
      .orderBy('created_at')
      .limit(this.batchSize);
    return this.db
      .updateTable('outbox')
      .set({ status: 'sending', lease_until: later(this.leaseMs), attempts: sql<number>`attempts + 1` })
      .where('id', 'in', this.dialect === 'postgres' ? due.forUpdate().skipLocked() : due)
      .where((eb) =>
        eb.or([eb('status', '=', 'pending'), eb.and([eb('status', '=', 'sending'), eb('lease_until', '<', now)])]),
      )
      .returningAll()
      .execute();
  }

  private async deliver(row: OutboxTable): Promise<void> {
    try {
      await this.transport.send(row);
      await this.db
        .updateTable('outbox')
        .set({ status: this.transport.kind === 'outbox' ? 'captured' : 'sent', sent_at: nowIso(), lease_until: null, last_error: null })
        .where('id', '=', row.id)
        .execute();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const giveUp = row.attempts >= this.maxAttempts;
      const backoff = Math.min(300_000, 1000 * 2 ** row.attempts) * (0.5 + Math.random() / 2);
      this.logger.warn({ mail: row.id, to: row.to_address, attempt: row.attempts, err: message }, 'mail send failed');
      await this.db
        .updateTable('outbox')
        .set({
          status: giveUp ? 'failed' : 'pending',
          last_error: message,
          lease_until: null,
          next_attempt_at: later(backoff),
        })
        .where('id', '=', row.id)
        .execute();
    }
  }
}
