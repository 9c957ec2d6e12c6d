/**
 * npm run bench: N bookings over HTTP against a real SMTP sink, in one embedded Dockhand.
 * Prints bookings synced per second and the time from submit to synced (p50/p99), and how long the
 * emails took to reach the SMTP server. Figures, never assertions.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config/env.js';
import { createDockhand } from '../src/app.js';
import { startSmtpSink } from '../test/helpers/smtp.js';

const N = Number(process.env.BENCH_BOOKINGS ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);
const token = 'bench-dashboard-token-0123456789';

const fixture = JSON.parse(readFileSync(new URL('../test/fixtures/booking-may-30.json', import.meta.url), 'utf8'));
const roster = JSON.parse(readFileSync(new URL('../test/fixtures/crew.json', import.meta.url), 'utf8')) as unknown[];

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function main() {
  const smtp = await startSmtpSink();
  const dataDir = mkdtempSync(join(tmpdir(), 'dockhand-bench-'));
  const config = parseConfig({ PORT: '0', DOCKHAND_DATA_DIR: dataDir, DASHBOARD_TOKEN: token, SMTP_URL: smtp.url, LOG_LEVEL: 'warn' });
  const dockhand = await createDockhand({ config });
  const url = await dockhand.listen();
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  for (const member of roster) await fetch(`${url}/crew`, { method: 'POST', headers, body: JSON.stringify(member) });

  const submitted = new Map<string, number>();
  const started = performance.now();
  let next = 0;
  const day = (i: number) => new Date(Date.UTC(2030, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < N) {
        const i = next++;
        const body = { ...fixture, external_id: `BENCH-${i}`, date: day(i) };
        const t0 = performance.now();
        const res = await fetch(`${url}/bookings`, { method: 'POST', headers, body: JSON.stringify(body) });
        const { id } = (await res.json()) as { id: string };
        submitted.set(id, t0);
      }
    }),
  );
  const submitSeconds = (performance.now() - started) / 1000;

  const syncedAt = new Map<string, number>();
  while (syncedAt.size < N) {
    const rows = await dockhand.ctx.db.selectFrom('bookings').select(['id', 'status']).where('status', 'in', ['synced', 'failed']).execute();
    const now = performance.now();
    for (const r of rows) if (!syncedAt.has(r.id)) syncedAt.set(r.id, now);
    if (performance.now() - started > 300_000) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const syncSeconds = (performance.now() - started) / 1000;
  await smtp.waitFor(N * 4, 300_000);
  const mailSeconds = (performance.now() - started) / 1000;
  const latencies = [...syncedAt].map(([id, at]) => at - submitted.get(id)!).sort((a, b) => a - b);
  const failed = await dockhand.ctx.db.selectFrom('bookings').select('id').where('status', '=', 'failed').execute();

  console.log(`dockhand bench: ${N} bookings over HTTP (${CONCURRENCY} concurrent clients), SQLite, real SMTP sink on loopback`);
  console.log(`  submit:            ${(N / submitSeconds).toFixed(0)} bookings/s accepted (${submitSeconds.toFixed(2)} s)`);
  console.log(`  synced:            ${(N / syncSeconds).toFixed(1)} bookings/s (all ${N} in ${syncSeconds.toFixed(2)} s, ${failed.length} failed)`);
  console.log(`  submit -> synced:  p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms`);
  console.log(`  emails delivered:  ${N * 4} in ${mailSeconds.toFixed(2)} s (${((N * 4) / mailSeconds).toFixed(0)}/s)`);

  await dockhand.close();
  await smtp.close();
  rmSync(dataDir, { recursive: true, force: true });
}

await main();
