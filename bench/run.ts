/**
 * npm run bench: what Dockhand does, and in the same run on the same machine what it is compared
 * with: the SQLite and PostgreSQL commit floors for its write pattern, nodemailer into an SMTP sink in
 * its own process, DBOS Transact running the same saga, nginx serving the same guest page. Prints
 * figures and ratios, never assertions.
 *
 *   BENCH_ONLY=name,name      run some scenarios (names below)
 *   BENCH_SKIP_POSTGRES=1     leave out everything that needs PostgreSQL
 *   BENCH_BOOKINGS=200        bookings per closed-loop scenario (BENCH_CONCURRENCY=20 clients)
 *   BENCH_OFFERED_RATE=50, BENCH_OPEN_SECONDS=8, BENCH_SEEDED=10000, BENCH_DBOS_WORKFLOWS=1000,
 *   BENCH_SMTP_MESSAGES=2000, BENCH_FLOOR_SECONDS=3, BENCH_PAGE_SECONDS=10, BENCH_PAGE_CONNECTIONS=50
 */
import { cpus, loadavg } from 'node:os';
import { latencyAtOfferedRate, postgresThroughput, seededThroughput, sqliteThroughput } from './bookings.js';
import { postgresFloor, sqliteFloor } from './commit-floors.js';
import { dbosPeer } from './dbos.js';
import { guestPage } from './guest-page.js';
import { postgresReachable } from './lib/postgres.js';
import { results } from './lib/results.js';
import { smtpFloor } from './smtp-floor.js';
import { printSummary } from './summary.js';

interface Scenario {
  name: string;
  postgres: boolean;
  run(): Promise<void>;
}

const scenarios: Scenario[] = [
  { name: 'sqlite-floor', postgres: false, run: sqliteFloor },
  { name: 'postgres-floor', postgres: true, run: postgresFloor },
  { name: 'smtp-floor', postgres: false, run: smtpFloor },
  { name: 'dbos', postgres: true, run: dbosPeer },
  { name: 'sqlite', postgres: false, run: sqliteThroughput },
  { name: 'postgres-1', postgres: true, run: () => postgresThroughput(1) },
  { name: 'postgres-3', postgres: true, run: () => postgresThroughput(3) },
  { name: 'latency-sqlite', postgres: false, run: () => latencyAtOfferedRate('sqlite') },
  { name: 'latency-postgres', postgres: true, run: () => latencyAtOfferedRate('postgres') },
  { name: 'seeded', postgres: false, run: seededThroughput },
  { name: 'guest-page', postgres: false, run: guestPage },
];

const only = (process.env.BENCH_ONLY ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const unknown = only.filter((name) => !scenarios.some((s) => s.name === name));
if (unknown.length > 0) {
  console.error(`BENCH_ONLY: unknown scenario ${unknown.join(', ')}; known: ${scenarios.map((s) => s.name).join(', ')}`);
  process.exit(2);
}
let selected = scenarios.filter((s) => only.length === 0 || only.includes(s.name));
if (process.env.BENCH_SKIP_POSTGRES === '1') selected = selected.filter((s) => !s.postgres);
else if (selected.some((s) => s.postgres)) {
  const problem = await postgresReachable();
  if (problem) {
    console.log(`${problem}: the PostgreSQL scenarios are left out (BENCH_SKIP_POSTGRES=1 says so quietly)`);
    selected = selected.filter((s) => !s.postgres);
  }
}

const started = Date.now();
console.log(`dockhand bench ${new Date().toISOString()}: node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`scenarios: ${selected.map((s) => s.name).join(', ')}\n`);
for (const scenario of selected) {
  const t0 = Date.now();
  try {
    await scenario.run();
  } catch (error) {
    console.log(`  ${scenario.name} failed: ${(error as Error).stack ?? String(error)}`);
  }
  console.log(`  (${scenario.name}: ${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
}
printSummary(results);
console.log(`\nbench took ${((Date.now() - started) / 1000).toFixed(0)} s`);
