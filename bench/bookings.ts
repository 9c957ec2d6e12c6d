/**
 * The Dockhand scenarios: bookings POSTed over HTTP, every part in its own process, mail into the
 * SMTP sink in its own process. Closed-loop throughput (SQLite embedded; PostgreSQL with 1 and with 3
 * workers), open-loop latency at a fixed offered rate, and intake + sync with 10,000 bookings stored.
 */
import { awaitOutcome, execSqlite, MAILS_PER_BOOKING, startDeployment, submitClosed, submitOpen, type Deployment, type Outcome } from './lib/dockhand.js';
import { results } from './lib/results.js';
import { envNumber, fmt, line } from './lib/stats.js';

const N = envNumber('BENCH_BOOKINGS', 200);
const CONCURRENCY = envNumber('BENCH_CONCURRENCY', 20);
const OFFERED = envNumber('BENCH_OFFERED_RATE', 50);
const OPEN_SECONDS = envNumber('BENCH_OPEN_SECONDS', 8);
const SEEDED = envNumber('BENCH_SEEDED', 10_000);
const TIMEOUT = 180_000;

function report(outcome: Outcome, accepted?: number): void {
  if (accepted !== undefined) line('accepted (intake)', `${fmt(accepted, 0)} bookings/s over HTTP (${CONCURRENCY} concurrent clients)`);
  line('synced', `${fmt(outcome.syncedPerSecond)} bookings/s (${outcome.synced} of ${outcome.total}; ${outcome.notSynced} not synced${outcome.timedOut ? `; gave up after ${TIMEOUT / 1000} s` : ''})`);
  line('synced + mail accepted', `${fmt(outcome.donePerSecond)} bookings/s; ${outcome.mails} emails; last email ${fmt(outcome.mailLagMs, 0)} ms after the last booking synced${outcome.unmatched ? `; ${outcome.unmatched} bookings without their ${MAILS_PER_BOOKING} emails` : ''}`);
  line('POST -> synced + mail', `p50 ${fmt(outcome.p50, 0)} ms, p99 ${fmt(outcome.p99, 0)} ms, max ${fmt(outcome.max, 0)} ms`);
}

async function closedLoop(deployment: Deployment, prefix: string, dayOffset: number) {
  const submitted = await submitClosed(deployment.url, N, CONCURRENCY, prefix, dayOffset);
  const outcome = await awaitOutcome(deployment, prefix, submitted, TIMEOUT);
  report(outcome, submitted.sentAt.size / submitted.seconds);
  return { outcome, intake: submitted.sentAt.size / submitted.seconds };
}

export async function sqliteThroughput(): Promise<void> {
  console.log(`Dockhand, SQLite embedded (one process: API, saga engine, mail): ${N} bookings, closed loop`);
  const deployment = await startDeployment({ database: 'sqlite', workers: 0 });
  try {
    const { outcome } = await closedLoop(deployment, 'TP-', 0);
    results.sqliteSynced = outcome.syncedPerSecond;
    results.sqliteMailKeptUp = outcome.mailLagMs < 1000 && outcome.unmatched === 0;
  } finally {
    await deployment.stop();
  }
}

export async function postgresThroughput(workers: 1 | 3): Promise<void> {
  console.log(`Dockhand, PostgreSQL, 1 API process + ${workers} worker process${workers > 1 ? 'es' : ''} (concurrency 8 each): ${N} bookings, closed loop`);
  const deployment = await startDeployment({ database: 'postgres', workers });
  try {
    const { outcome } = await closedLoop(deployment, 'TP-', 0);
    if (workers === 1) results.postgres1Synced = outcome.syncedPerSecond;
    else results.postgres3Synced = outcome.syncedPerSecond;
  } finally {
    await deployment.stop();
  }
}

const WARMUP_SECONDS = envNumber('BENCH_WARMUP_SECONDS', 1);

export async function latencyAtOfferedRate(database: 'sqlite' | 'postgres'): Promise<void> {
  const shape = database === 'sqlite' ? 'SQLite embedded' : 'PostgreSQL, 1 API + 1 worker';
  console.log(`Dockhand, ${shape}: ${OFFERED} bookings/s offered (open loop) for ${OPEN_SECONDS} s, after ${WARMUP_SECONDS} s at the same rate not counted`);
  const deployment = await startDeployment({ database, workers: database === 'sqlite' ? 0 : 1 });
  try {
    // A process that has just started is still compiling, connecting and filling caches: the first
    // second's bookings go through, but the steady state is what is measured.
    const warm = await submitOpen(deployment.url, OFFERED, WARMUP_SECONDS, 'WU-', 1000);
    const warmed = await awaitOutcome(deployment, 'WU-', warm, TIMEOUT);
    line('warm-up', `${warm.sentAt.size} bookings, p99 ${fmt(warmed.p99, 0)} ms (not counted)`);
    const submitted = await submitOpen(deployment.url, OFFERED, OPEN_SECONDS, 'OL-', 0);
    line('offered', `${submitted.sentAt.size + submitted.rejected} bookings in ${fmt(submitted.seconds, 1)} s (${submitted.rejected} rejected; client at most ${fmt(submitted.lateMs, 0)} ms late)`);
    const outcome = await awaitOutcome(deployment, 'OL-', submitted, TIMEOUT);
    report(outcome);
    if (database === 'sqlite') results.p99At50Sqlite = outcome.p99;
    else results.p99At50Postgres = outcome.p99;
  } finally {
    await deployment.stop();
  }
}

/**
 * Intake and sync with SEEDED bookings already stored, against an empty database measured just before
 * (same shape, same load, back to back: the machine is shared). The stored bookings go in through
 * POST /bookings with the engine stopped (intake only), and are then marked synced by one UPDATE:
 * the bookings table and its indexes hold SEEDED rows, but their calendar entries, crew events and
 * emails were never made.
 */
export async function seededThroughput(): Promise<void> {
  console.log(`Dockhand, SQLite embedded, empty database: ${N} bookings, closed loop (the baseline for ${SEEDED} stored)`);
  const empty = await startDeployment({ database: 'sqlite', workers: 0 });
  try {
    const { outcome, intake } = await closedLoop(empty, 'TP-', 0);
    results.emptyIntake = intake;
    results.emptySync = outcome.donePerSecond;
  } finally {
    await empty.stop();
  }
  console.log(`Dockhand, SQLite embedded, ${SEEDED} bookings already stored: ${N} more, closed loop`);
  const seeding = await startDeployment({ database: 'sqlite', workers: 0, intakeOnly: true, smtp: false });
  let dataDir: string;
  try {
    const seeded = await submitClosed(seeding.url, SEEDED, 50, 'SEED-', 0);
    line('seeded', `${seeded.sentAt.size} bookings through POST /bookings (engine stopped) in ${fmt(seeded.seconds, 1)} s, ${fmt(seeded.sentAt.size / seeded.seconds, 0)}/s; then marked synced by one UPDATE`);
    dataDir = seeding.dataDir;
  } catch (error) {
    await seeding.stop();
    throw error;
  }
  await seeding.stop({ keepData: true });
  execSqlite(dataDir, "UPDATE bookings SET status = 'synced', next_run_at = NULL WHERE external_id LIKE 'SEED-%'; DELETE FROM jobs WHERE kind = 'booking.sync'");
  const withData = await startDeployment({ database: 'sqlite', workers: 0, dataDir });
  try {
    const { outcome, intake } = await closedLoop(withData, 'TP-', 0);
    results.seededIntake = intake;
    results.seededSync = outcome.donePerSecond;
    results.seededCount = SEEDED;
    results.seedMethod = `${SEEDED} via POST /bookings (engine off), marked synced by UPDATE`;
    line('vs empty database', `intake ${fmt(intake / results.emptyIntake!, 2)}x, sync ${fmt(outcome.donePerSecond / results.emptySync!, 2)}x of the empty figures (${fmt(results.emptyIntake, 0)} and ${fmt(results.emptySync)} bookings/s)`);
  } finally {
    await withData.stop();
  }
}
