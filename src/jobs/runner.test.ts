import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { freshDatabaseUrl } from '../../test/helpers/database.js';
import { until } from '../../test/helpers/wait.js';
import { openDatabase, type DatabaseHandle } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { JobRunner, type RunnerOptions } from './runner.js';
import { cancelJob } from './sql/cancel.js';
import { scheduleJob } from './sql/schedule.js';
import { defineTask, PermanentError, type Job, type Task } from './types.js';

const logger = pino({ level: 'silent' });
const payload = z.object({ n: z.number() });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


// On SQLite, or on PostgreSQL when TEST_DATABASE_URL is set: the same guarantees on both.
describe('job runner', () => {
  let database: DatabaseHandle;
  let dir: string;
  let drop: () => Promise<void>;
  const runners: JobRunner[] = [];
  const runner = (tasks: Task<never>[], options: Partial<RunnerOptions> = {}) => {
    const r = new JobRunner(database.db, database.dialect, logger, { pollMs: 60_000, ...options });
    for (const t of tasks) r.register(t);
    runners.push(r);
    return r;
  };
  const schedule = (key: string, n: number, runAt: Date | string = new Date()) => scheduleJob(database.db, { kind: 'test', key, runAt, payload: { n } });
  const rows = () => database.db.selectFrom('jobs').selectAll().orderBy('key').execute();

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dockhand-jobs-'));
    const fresh = await freshDatabaseUrl();
    drop = fresh.drop;
    database = openDatabase({ dataDir: dir, databaseUrl: fresh.url });
    await migrateToLatest(database.db);
  });
  afterEach(async () => {
    await Promise.all(runners.splice(0).map((r) => r.stop(100)));
    await database.close();
    await drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a later schedule with the same key replaces the pending job: one row, the newest payload and time', async () => {
    await schedule('k', 1, '2030-01-01T00:00:00.000Z');
    await schedule('k', 2, '2031-01-01T00:00:00.000Z');
    const [row, ...others] = await rows();
    expect(others).toEqual([]);
    expect(row).toMatchObject({ key: 'k', payload: JSON.stringify({ n: 2 }), run_at: '2031-01-01T00:00:00.000Z', revision: 1 });
    expect(await cancelJob(database.db, 'k')).toBe(true);
    expect(await rows()).toEqual([]);
  });

  it('never loses a wake-up: jobs scheduled in bursts while it claims all run at once, not at the next poll', async () => {
    const seen = new Set<number>();
    const r = runner([defineTask({ kind: 'test', payload, concurrency: 4, maxAttempts: 3, run: async (job) => void seen.add(job.payload.n) }) as Task<never>]);
    r.start();
    for (let burst = 0; burst < 20; burst++) {
      await Promise.all(Array.from({ length: 10 }, (_, i) => schedule(`k${burst}-${i}`, burst * 10 + i)));
      r.kick('test');
      await sleep(burst % 3);
    }
    // pollMs is a minute: only the kicks can have made this happen within the bound.
    await until(() => seen.size === 200, 15_000);
    await until(async () => (await rows()).length === 0);
  });

  it('is a durable timer: a job due in 300 ms runs then, though nothing kicks it and the poll is a minute', async () => {
    let ranAt = 0;
    const r = runner([defineTask({ kind: 'test', payload, concurrency: 1, maxAttempts: 3, run: async () => void (ranAt = Date.now()) }) as Task<never>]);
    const due = Date.now() + 300;
    await schedule('later', 1, new Date(due));
    r.start();
    await until(() => ranAt > 0, 5_000);
    expect(ranAt).toBeGreaterThanOrEqual(due);
  });

  it('runs a job scheduled again while it runs once more afterwards, never twice at once', async () => {
    let running = 0;
    let most = 0;
    const seen: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const r = runner([
      defineTask({
        kind: 'test',
        payload,
        concurrency: 4,
        maxAttempts: 3,
        run: async (job) => {
          running++;
          most = Math.max(most, running);
          if (job.payload.n === 1) await gate;
          seen.push(job.payload.n);
          running--;
        },
      }) as Task<never>,
    ]);
    await schedule('same', 1);
    r.start();
    await until(async () => (await rows())[0]?.locked_by);
    await schedule('same', 2);
    r.kick('test');
    await sleep(100);
    release();
    await until(() => seen.length === 2);
    expect(seen).toEqual([1, 2]);
    expect(most).toBe(1);
    await until(async () => (await rows()).length === 0);
  });

  it('retries a failing job with backoff, then gives up and says so once', async () => {
    const attempts: number[] = [];
    const gaveUp: string[] = [];
    const r = runner(
      [
        defineTask({
          kind: 'test',
          payload,
          concurrency: 1,
          maxAttempts: 3,
          run: async (job) => {
            attempts.push(job.attempt);
            throw new Error(`broken ${job.attempt}`);
          },
          onGiveUp: async (_tx, _job, error) => void gaveUp.push(error),
        }) as Task<never>,
      ],
      { backoffBaseMs: 20, backoffMaxMs: 40 },
    );
    await schedule('fails', 1);
    r.start();
    await until(() => gaveUp.length === 1);
    expect(attempts).toEqual([1, 2, 3]);
    expect(gaveUp).toEqual(['broken 3']);
    const [row] = await rows();
    expect(row).toMatchObject({ attempts: 3, last_error: 'broken 3', locked_by: null });
    expect(row!.failed_at).not.toBeNull();
    // Scheduling the key again brings it back with a clean slate.
    await schedule('fails', 2);
    expect((await rows())[0]).toMatchObject({ attempts: 0, failed_at: null, last_error: null });
  });

  it('gives up at once on a PermanentError', async () => {
    const attempts: number[] = [];
    const r = runner([
      defineTask({ kind: 'test', payload, concurrency: 1, maxAttempts: 5, run: async (job) => {
          attempts.push(job.attempt);
          throw new PermanentError('no');
        },
      }) as Task<never>,
    ]);
    await schedule('p', 1);
    r.start();
    await until(async () => (await rows())[0]?.failed_at);
    expect(attempts).toEqual([1]);
  });

  it('takes over a job whose holder died when its lease runs out, and keeps a live holder\'s lease alive', async () => {
    await schedule('orphan', 1);
    await database.db.updateTable('jobs').set({ locked_by: 'w-dead', locked_until: new Date(Date.now() + 300).toISOString(), attempts: 1 }).execute();
    const ran: Job<{ n: number }>[] = [];
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    const r = runner([
      defineTask({
        kind: 'test',
        payload,
        concurrency: 1,
        maxAttempts: 5,
        run: async (job) => {
          ran.push(job);
          if (job.payload.n === 1) await slow;
        },
      }) as Task<never>,
    ], { leaseMs: 300 });
    r.start();
    const [taken] = await until(() => (ran.length === 1 ? ran : undefined), 5_000);
    expect(taken!.attempt).toBe(2);
    // Held well past its lease: the heartbeat keeps it, so no second holder appears.
    const other = runner([defineTask({ kind: 'test', payload, concurrency: 1, maxAttempts: 5, run: async (job) => void ran.push(job) }) as Task<never>], { leaseMs: 300 });
    other.start();
    await sleep(1000);
    expect(ran).toHaveLength(1);
    release();
    await until(async () => (await rows()).length === 0);
  });

  it('on stop, hands back within the deadline what is still running, without counting it as an attempt', async () => {
    let started = false;
    const r = runner([
      defineTask({
        kind: 'test',
        payload,
        concurrency: 1,
        maxAttempts: 5,
        run: async () => {
          started = true;
          await new Promise(() => {}); // never finishes
        },
      }) as Task<never>,
    ]);
    await schedule('stuck', 1);
    r.start();
    await until(() => started);
    const t0 = Date.now();
    await r.stop(200);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect((await rows())[0]).toMatchObject({ locked_by: null, locked_until: null, attempts: 0 });
  });

  it('hands a batch task up to its batch size at once and completes what it returns no error for', async () => {
    const batches: number[] = [];
    const r = runner([
      defineTask({
        kind: 'test',
        payload,
        concurrency: 100,
        batchSize: 25,
        maxAttempts: 2,
        runBatch: async (jobs) => {
          batches.push(jobs.length);
          return new Map(jobs.filter((j) => j.payload.n === 7).map((j) => [j.id, new PermanentError('seven')]));
        },
      }) as Task<never>,
    ]);
    await Promise.all(Array.from({ length: 60 }, (_, i) => schedule(`b${i}`, i)));
    r.start();
    await until(async () => (await rows()).length === 1);
    expect(Math.max(...batches)).toBe(25);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(60);
    expect((await rows())[0]).toMatchObject({ key: 'b7', last_error: 'seven' });
  });
});
