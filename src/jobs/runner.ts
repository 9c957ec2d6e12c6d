import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Db, Queryable } from '../db/database.js';
import type { JobTable } from '../db/schema.js';
import { backoffMs, BACKOFF_BASE_MS, BACKOFF_MAX_MS } from './backoff.js';
import { claimJobs } from './sql/claim.js';
import { completeJobs } from './sql/complete.js';
import { extendLeases } from './sql/extend-leases.js';
import { failJob } from './sql/fail.js';
import { nextDue } from './sql/next-due.js';
import { releaseJobs } from './sql/release.js';
import { PermanentError, type Job, type Task, type TaskContext } from './types.js';

export interface RunnerOptions {
  /** Most jobs one claim takes. */
  batchSize: number;
  leaseMs: number;
  /** Longest sleep when nothing is known to be due: the fallback if a wake-up went astray. */
  pollMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
}

export const defaultRunnerOptions: RunnerOptions = {
  batchSize: 64,
  leaseMs: 30_000,
  pollMs: 5_000,
  backoffBaseMs: BACKOFF_BASE_MS,
  backoffMaxMs: BACKOFF_MAX_MS,
};

interface Running extends Job<unknown> {
  done: boolean;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Runs the jobs of the tasks it is given. A kick for a kind sets it dirty before the loop looks, and
 * the loop clears it before it claims, so a kick that lands during a claim makes the loop claim again:
 * no wake-up is lost. With nothing dirty it sleeps until the next job falls due (a durable timer: the
 * time lives in the row), at most pollMs.
 */
export class JobRunner {
  readonly owner = `w-${process.pid}-${randomBytes(3).toString('hex')}`;
  readonly options: RunnerOptions;
  private readonly tasks = new Map<string, Task<unknown>>();
  private readonly active = new Map<string, Running>();
  private readonly inFlight = new Map<string, number>();
  private readonly dirty = new Set<string>();
  /** Kinds whose last claim may have left due jobs behind (a full claim, or no room to claim). */
  private readonly maybeMore = new Set<string>();
  private wake: (() => void) | undefined;
  private lastDue: { at: number | undefined; readAt: number } | undefined;
  private loopDone: Promise<void> | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private stopped = true;
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly db: Db,
    private readonly dialect: 'sqlite' | 'postgres',
    private readonly logger: Logger,
    options: Partial<RunnerOptions> = {},
  ) {
    this.options = { ...defaultRunnerOptions, ...options };
  }

  register<P>(task: Task<P>): void {
    this.tasks.set(task.kind, task as unknown as Task<unknown>);
  }

  get kinds(): string[] {
    return [...this.tasks.keys()];
  }

  /** Jobs running in this process now. */
  get size(): number {
    return this.active.size;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.kick();
    this.loopDone = this.loop();
    const beat = Math.max(50, Math.floor(this.options.leaseMs / 3));
    this.heartbeat = setInterval(() => {
      extendLeases(this.db, this.owner, [...this.active.keys()], this.options.leaseMs).catch((error) =>
        this.logger.warn({ err: message(error) }, 'could not extend job leases'),
      );
    }, beat);
  }

  /** Work of this kind (all kinds when unset) was committed: look now. */
  kick(kind?: string): void {
    if (kind === undefined) for (const k of this.tasks.keys()) this.dirty.add(k);
    else if (this.tasks.has(kind)) this.dirty.add(kind);
    else return;
    this.wake?.();
  }

  /**
   * Stops claiming, lets running jobs finish until the deadline, then hands back what is left so
   * another worker takes it at once rather than when the lease runs out.
   */
  async stop(deadlineMs = 8000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.wake?.();
    await this.loopDone;
    const deadline = Date.now() + deadlineMs;
    if (this.active.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      // The deadline's timer is cleared as soon as the work is done: it must not hold the process open.
      await Promise.race([Promise.all(this.running), new Promise((r) => (timer = setTimeout(r, Math.max(1, deadline - Date.now()))))]);
      clearTimeout(timer);
    }
    clearInterval(this.heartbeat);
    const left = [...this.active.values()].filter((j) => !j.done).map((j) => j.id);
    if (left.length > 0) {
      await releaseJobs(this.db, this.owner, left).catch((error) => this.logger.error({ err: message(error) }, 'could not hand back jobs'));
      this.logger.info({ jobs: left.length }, 'handed unfinished jobs back');
    }
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const kinds = [...this.dirty];
      this.dirty.clear();
      let claimed = 0;
      for (const kind of kinds) {
        try {
          claimed += await this.claim(kind);
        } catch (error) {
          this.logger.error({ err: message(error), kind }, 'could not claim jobs');
        }
        if (this.stopped) return;
      }
      if (this.dirty.size > 0) continue;
      await this.sleep(claimed > 0);
    }
  }

  /**
   * When the next job falls due, read afresh unless this round found work and the last reading still
   * lies ahead: whoever schedules a job kicks, and a kick that finds nothing due reads it again.
   */
  private async nextWake(foundWork: boolean): Promise<number | undefined> {
    const known = this.lastDue;
    if (foundWork && known && Date.now() - known.readAt < this.options.pollMs && (known.at === undefined || known.at > Date.now())) return known.at;
    const due = await nextDue(this.db, this.kinds.filter((k) => this.room(k) > 0));
    this.lastDue = { at: due?.getTime(), readAt: Date.now() };
    return this.lastDue.at;
  }

  private async sleep(foundWork: boolean): Promise<void> {
    let wait = this.options.pollMs;
    try {
      const due = await this.nextWake(foundWork);
      if (due !== undefined) wait = Math.min(wait, Math.max(0, due - Date.now()));
    } catch (error) {
      this.logger.warn({ err: message(error) }, 'could not read when the next job is due');
    }
    if (this.dirty.size > 0 || this.stopped) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.lastDue = undefined;
        this.kick();
        resolve();
      }, wait);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wake = undefined;
  }

  private room(kind: string): number {
    return this.tasks.get(kind)!.concurrency - (this.inFlight.get(kind) ?? 0);
  }

  /** Claims what is due of one kind and starts it; returns how many jobs it took. */
  private async claim(kind: string): Promise<number> {
    const task = this.tasks.get(kind)!;
    const room = this.room(kind);
    if (room <= 0) {
      this.maybeMore.add(kind);
      return 0;
    }
    const limit = Math.min(room, task.batchSize ?? this.options.batchSize, this.options.batchSize);
    const rows = await claimJobs(this.db, this.dialect, kind, this.owner, limit, this.options.leaseMs);
    if (rows.length === limit) this.maybeMore.add(kind);
    else this.maybeMore.delete(kind);
    if (rows.length === 0) return 0;
    const jobs: Running[] = [];
    for (const row of rows) {
      const job = this.parse(task, row);
      if (job) jobs.push(job);
    }
    this.inFlight.set(kind, (this.inFlight.get(kind) ?? 0) + jobs.length);
    for (const job of jobs) this.active.set(job.id, job);
    const batches = task.runBatch ? [jobs] : jobs.map((j) => [j]);
    for (const batch of batches) {
      if (batch.length === 0) continue;
      const run = this.execute(task, batch).finally(() => {
        this.running.delete(run);
        for (const job of batch) this.active.delete(job.id);
        this.inFlight.set(kind, (this.inFlight.get(kind) ?? 0) - batch.length);
        if (this.maybeMore.has(kind)) this.kick(kind);
      });
      this.running.add(run);
    }
    return rows.length;
  }

  /** A payload its task cannot read will never run: it is given up at once, with the reason. */
  private parse(task: Task<unknown>, row: JobTable): Running | undefined {
    const base = { id: row.id, kind: row.kind, key: row.key, attempt: row.attempts, maxAttempts: task.maxAttempts, revision: row.revision, done: false };
    try {
      return { ...base, payload: task.payload.parse(JSON.parse(row.payload)) };
    } catch (error) {
      void this.fail(task, { ...base, payload: null }, new PermanentError(`unreadable payload: ${message(error)}`));
      return undefined;
    }
  }

  private context(rescheduled: { any: boolean }): TaskContext {
    return {
      complete: async (tx: Queryable, jobs: Job<unknown>[]) => {
        if ((await completeJobs(tx, this.owner, jobs)) > 0) rescheduled.any = true;
        for (const job of jobs) (job as Running).done = true;
      },
      kick: (kind: string) => this.kick(kind),
    };
  }

  private async execute(task: Task<unknown>, jobs: Running[]): Promise<void> {
    const rescheduled = { any: false };
    const ctx = this.context(rescheduled);
    let errors = new Map<string, unknown>();
    try {
      if (task.runBatch) errors = await task.runBatch(jobs, ctx);
      else await task.run!(jobs[0]!, ctx);
    } catch (error) {
      errors = new Map(jobs.map((j) => [j.id, error]));
    }
    const succeeded = jobs.filter((j) => !errors.has(j.id) && !j.done);
    try {
      if (succeeded.length > 0) await ctx.complete(this.db, succeeded);
    } catch (error) {
      this.logger.error({ err: message(error), kind: task.kind }, 'could not mark jobs done; they will run again');
    }
    for (const job of jobs) {
      if (errors.has(job.id)) await this.fail(task, job, errors.get(job.id));
    }
    // Scheduled again while it ran, or failed and due again later: either way, look again now that
    // the transaction that said so has committed (a look from inside it would not have seen it).
    if (rescheduled.any || errors.size > 0) this.kick(task.kind);
  }

  private async fail(task: Task<unknown>, job: Running, error: unknown): Promise<void> {
    const reason = message(error);
    const giveUp = error instanceof PermanentError || job.attempt >= job.maxAttempts;
    try {
      if (giveUp) {
        await this.db.transaction().execute(async (tx) => {
          if ((await failJob(tx, this.owner, job, reason, null)) && task.onGiveUp) await task.onGiveUp(tx, job, reason);
        });
      } else {
        const retryAt = new Date(Date.now() + backoffMs(job.attempt, Math.random, this.options.backoffBaseMs, this.options.backoffMaxMs));
        await failJob(this.db, this.owner, job, reason, retryAt);
      }
      job.done = true;
      this.logger.warn({ kind: task.kind, key: job.key, attempt: job.attempt, giveUp, err: reason }, 'job failed');
    } catch (failure) {
      this.logger.error({ err: message(failure), kind: task.kind }, 'could not record a failed job; its lease will run out');
    }
  }
}
