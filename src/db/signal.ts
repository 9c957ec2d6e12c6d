import pg from 'pg';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { DatabaseHandle } from './database.js';
import { splitSchema } from './database.js';

const CHANNEL = 'dockhand_work';

/**
 * "New work is waiting", across processes. On PostgreSQL it is LISTEN/NOTIFY, so an idle worker wakes
 * at once instead of at its next poll; with SQLite everything runs in one process and in-process
 * kicks are enough, so it does nothing.
 */
export interface WorkSignal {
  notify(): void;
  subscribe(onWork: () => void): void;
  close(): Promise<void>;
}

export function createWorkSignal(database: DatabaseHandle, databaseUrl: string | undefined, logger: Logger): WorkSignal {
  if (database.dialect !== 'postgres' || !databaseUrl) {
    return { notify: () => {}, subscribe: () => {}, close: async () => {} };
  }
  let client: pg.Client | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  const listeners: (() => void)[] = [];

  const connect = async () => {
    if (closed) return;
    const { connectionString } = splitSchema(databaseUrl);
    const c = new pg.Client({ connectionString });
    c.on('notification', () => listeners.forEach((fn) => fn()));
    c.on('error', (error) => {
      logger.warn({ err: error.message }, 'work signal connection lost; reconnecting');
      c.end().catch(() => {});
      if (!closed) retry = setTimeout(() => void connect(), 1000);
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${CHANNEL}`);
      client = c;
      // Whatever was notified while we were not listening is picked up by looking now.
      listeners.forEach((fn) => fn());
    } catch (error) {
      logger.warn({ err: (error as Error).message }, 'could not listen for work; polling only, retrying');
      if (!closed) retry = setTimeout(() => void connect(), 1000);
    }
  };

  return {
    notify() {
      sql`select pg_notify(${CHANNEL}, '')`.execute(database.db).catch((error: Error) => logger.warn({ err: error.message }, 'could not notify workers'));
    },
    subscribe(onWork) {
      listeners.push(onWork);
      if (listeners.length === 1) void connect();
    },
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      await client?.end().catch(() => {});
    },
  };
}
