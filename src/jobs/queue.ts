import type { Queryable } from '../db/database.js';
import { cancelJob } from './sql/cancel.js';
import { scheduleJob } from './sql/schedule.js';

/**
 * What the rest of the code sees of the job runner. schedule() and cancel() write in the caller's
 * transaction, so a job exists exactly when what caused it does; kick() says, after that transaction
 * has committed, that jobs of a kind are waiting (in this process and, on PostgreSQL, in the others).
 */
export interface Jobs {
  schedule(q: Queryable, kind: string, key: string, runAt: Date | string, payload: unknown): Promise<void>;
  cancel(q: Queryable, key: string): Promise<boolean>;
  kick(kind: string): void;
}

export function createJobs(kick: (kind: string) => void): Jobs {
  return {
    schedule: (q, kind, key, runAt, payload) => scheduleJob(q, { kind, key, runAt, payload }),
    cancel: cancelJob,
    kick,
  };
}
