import pg from 'pg';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { DatabaseHandle } from './database.js';
import { splitSchema } from './database.js';

const CHANNEL = 'dockhand_jobs';

/**
 * "Jobs of this kind are waiting", across processes. On PostgreSQL it is LISTEN/NOTIFY with the kind
 * as payload, so a worker wakes only for work it runs, at once instead of at its next look; with
 * SQLite everything runs in one process and the runner's own kick is enough, so it does nothing.
 * After a reconnect every kind is announced, since notifications sent meanwhile were missed.
 */
export interface WorkSignal {
  notify(kind: string): void;
  subscribe(onWork: (kind: string | undefined) => void): void;
  close(): Promise<void>;
}

export function createWorkSignal(database: DatabaseHandle, databaseUrl: string | undefined, logger: Logger): WorkSignal {
  if (database.dialect !== 'postgres' || !databaseUrl) {
    return { notify: () => {}, subscribe: () => {}, close: async () => {} };
  }
  let client: pg.Client | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  const listeners: ((kind: string | undefined) => void)[] = [];
  // Many commits in a burst announce one kind many times: one notification per kind per tick is enough.
  const queued = new Set<string>();

  const connect = async () => {
    if (closed) return;
    const { connectionString } = splitSchema(databaseUrl);
    const c = new pg.Client({ connectionString });
    c.on('notification', (n) => listeners.forEach((fn) => fn(n.payload || undefined)));
    c.on('error', (error) => {
      logger.warn({ err: error.message }, 'job signal connection lost; reconnecting');
      c.end().catch(() => {});
      if (!closed) retry = setTimeout(() => void connect(), 1000);
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${CHANNEL}`);
      client = c;
      listeners.forEach((fn) => fn(undefined));
    } catch (error) {
      logger.warn({ err: (error as Error).message }, 'could not listen for jobs; polling only, retrying');
      if (!closed) retry = setTimeout(() => void connect(), 1000);
    }
  };

  return {
    notify(kind) {
      if (queued.has(kind)) return;
      queued.add(kind);
      queueMicrotask(() => {
        queued.delete(kind);
        sql`select pg_notify(${CHANNEL}, ${kind})`.execute(database.db).catch((error: Error) => logger.warn({ err: error.message }, 'could not notify workers'));
      });
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
