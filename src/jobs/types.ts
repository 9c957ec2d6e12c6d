import type { z } from 'zod';
import type { Queryable, Tx } from '../db/database.js';

/** A claimed job as its task sees it: the payload already checked against the task's schema. */
export interface Job<P> {
  id: string;
  kind: string;
  key: string;
  payload: P;
  /** 1 on the first run. */
  attempt: number;
  /** The task's limit: the last attempt is the one where attempt === maxAttempts. */
  maxAttempts: number;
  /** The revision claimed: finishing it deletes the row only if nobody scheduled the key again meanwhile. */
  revision: number;
}

export interface TaskContext {
  /** Deletes the jobs inside the caller's transaction, so their effects and their completion commit together. */
  complete(tx: Queryable, jobs: Job<unknown>[]): Promise<void>;
  /** Says that jobs of `kind` were just committed (after the transaction, never inside it). */
  kick(kind: string): void;
}

/**
 * A kind of background work. `run` gets one job, `runBatch` up to `batchSize` at once (mail sends a
 * batch over pooled connections and marks it sent in one transaction). A thrown error retries the job
 * with the runner's backoff; a `PermanentError` gives up at once; past `maxAttempts`, `onGiveUp` runs.
 */
export interface Task<P> {
  kind: string;
  payload: z.ZodType<P>;
  /** Jobs of this kind running at once in one process. */
  concurrency: number;
  maxAttempts: number;
  batchSize?: number;
  run?(job: Job<P>, ctx: TaskContext): Promise<void>;
  /** Returns, per job id, the error of the jobs that did not succeed; the others must be completed. */
  runBatch?(jobs: Job<P>[], ctx: TaskContext): Promise<Map<string, unknown>>;
  onGiveUp?(tx: Tx, job: Job<P>, error: string): Promise<void>;
}

export const defineTask = <P>(task: Task<P>): Task<P> => task;

/** An error that no retry can fix (bad payload, a row that no longer exists in a usable state). */
export class PermanentError extends Error {}
