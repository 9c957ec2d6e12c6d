/**
 * npm run bench: bookings submitted over HTTP against a real SMTP sink, three ways: the embedded
 * default (SQLite, one process), and PostgreSQL with 1 and with 3 `dockhand worker` processes behind
 * one API instance. Prints bookings synced per second and submit→synced p50/p99. Figures, never
 * assertions. Then the guest-page figures (bench/guest-page.ts).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config/env.js';
import { createDockhand } from '../src/app.js';
import { startSmtpSink } from '../test/helpers/smtp.js';
import { freshDatabaseUrl, LOCAL_POSTGRES } from '../test/helpers/database.js';
import { startWorkerProcess, type ServerProcess } from '../test/helpers/process.js';
import { runGuestPageBench } from './guest-page.js';

const N = Number(process.env.BENCH_BOOKINGS ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);
const token = 'bench-dashboard-token-0123456789';
const fixture = JSON.parse(readFileSync(new URL('../test/fixtures/booking-may-30.json', import.meta.url), 'utf8'));
const roster = JSON.parse(readFileSync(new URL('../test/fixtures/crew.json', import.meta.url), 'utf8')) as unknown[];
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function scenario(label: string, workers: number | 'embedded') {
  const smtp = await startSmtpSink();
  const dataDir = mkdtempSync(join(tmpdir(), 'dockhand-bench-'));
  const database = workers === 'embedded' ? { url: undefined, drop: async () => {} } : await freshDatabaseUrl(LOCAL_POSTGRES);
  const env = { PORT: '0', DOCKHAND_DATA_DIR: dataDir, DASHBOARD_TOKEN: token, SMTP_URL: smtp.url, LOG_LEVEL: 'warn', ...(database.url ? { DATABASE_URL: database.url } : {}) };
  const dockhand = await createDockhand({ config: parseConfig(env), migrate: true, background: workers === 'embedded' });
  const url = await dockhand.listen();
  const children: ServerProcess[] = [];
  if (workers !== 'embedded') children.push(...(await Promise.all(Array.from({ length: workers }, () => startWorkerProcess(['--concurrency', '8'], { ...env, LOG_LEVEL: 'error' })))));
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  for (const member of roster) await fetch(`${url}/crew`, { method: 'POST', headers, body: JSON.stringify(member) });

  const submittedAt = new Map<string, number>();
  const started = Date.now();
  let next = 0;
  const day = (i: number) => new Date(Date.UTC(2030, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < N) {
        const i = next++;
        const t0 = Date.now();
        const res = await fetch(`${url}/bookings`, { method: 'POST', headers, body: JSON.stringify({ ...fixture, external_id: `BENCH-${i}`, date: day(i) }) });
        submittedAt.set(((await res.json()) as { id: string }).id, t0);
      }
    }),
  );
  const submitSeconds = (Date.now() - started) / 1000;
  let rows: { id: string; status: string; updated_at: string }[] = [];
  while (Date.now() - started < 300_000) {
    rows = await dockhand.ctx.db.selectFrom('bookings').select(['id', 'status', 'updated_at']).where('status', 'in', ['synced', 'failed', 'conflict']).execute();
    if (rows.length >= N) break;
    await sleep(20);
  }
  const lastSynced = Math.max(...rows.map((r) => Date.parse(r.updated_at)));
  const syncSeconds = (lastSynced - started) / 1000;
  const latencies = rows.map((r) => Date.parse(r.updated_at) - submittedAt.get(r.id)!).sort((a, b) => a - b);
  await smtp.waitFor(N * 4, 300_000);
  const mailSeconds = (Date.now() - started) / 1000;
  const notSynced = rows.filter((r) => r.status !== 'synced').length;

  console.log(`${label}`);
  console.log(`  accepted:          ${(N / submitSeconds).toFixed(0)} bookings/s over HTTP (${CONCURRENCY} concurrent clients)`);
  console.log(`  synced:            ${(N / syncSeconds).toFixed(1)} bookings/s (${N} in ${syncSeconds.toFixed(2)} s; ${notSynced} not synced)`);
  console.log(`  submit -> synced:  p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms`);
  console.log(`  emails delivered:  ${N * 4} in ${mailSeconds.toFixed(2)} s`);

  await Promise.all(children.map((c) => c.stop()));
  await dockhand.close();
  await smtp.close();
  await database.drop();
  rmSync(dataDir, { recursive: true, force: true });
}

console.log(`dockhand bench: ${N} bookings each, real SMTP sink on loopback, ${new Date().toISOString()}`);
await scenario('SQLite, embedded (one process: API, saga engine and mail)', 'embedded');
if (process.env.BENCH_SKIP_POSTGRES !== '1') {
  await scenario('PostgreSQL, 1 API instance + 1 worker process', 1);
  await scenario('PostgreSQL, 1 API instance + 3 worker processes', 3);
}
await runGuestPageBench();
