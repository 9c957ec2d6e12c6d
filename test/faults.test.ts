import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { api, eventually, startDockhand, TEST_DASHBOARD_TOKEN, TEST_SERVICE_KEY } from './helpers/app.js';
import { startFaultyProxy } from './helpers/faulty-proxy.js';
import { startServerProcess, type ServerProcess } from './helpers/process.js';
import { startSmtpSink } from './helpers/smtp.js';

const BOOKINGS = Number(process.env.FAULT_TEST_BOOKINGS ?? 100);
const fixture = JSON.parse(readFileSync(new URL('./fixtures/booking-may-30.json', import.meta.url), 'utf8'));
const roster = JSON.parse(readFileSync(new URL('./fixtures/crew.json', import.meta.url), 'utf8')) as unknown[];

// Process-level behaviour, run once: the PostgreSQL pass of the suite (TEST_DATABASE_URL) skips it.
describe.skipIf(process.env.TEST_DATABASE_URL)('remote services behind a faulty network', () => {
  const dirs: string[] = [];
  const processes: ServerProcess[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'dockhand-fault-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it(`syncs ${BOOKINGS} bookings with no duplicates through 30% errors, 10% timeouts and 5% lost answers`, async () => {
    const smtp = await startSmtpSink();
    const credentials = { DASHBOARD_TOKEN: TEST_DASHBOARD_TOKEN, SERVICE_KEY: TEST_SERVICE_KEY, SMTP_URL: smtp.url, PORT: '0', LOG_LEVEL: 'error' };
    const calendarDir = tempDir();
    const crewDir = tempDir();
    const calendar = await startServerProcess(['--only', 'calendar'], { ...credentials, DOCKHAND_DATA_DIR: calendarDir });
    const crew = await startServerProcess(['--only', 'crew'], { ...credentials, DOCKHAND_DATA_DIR: crewDir });
    processes.push(calendar, crew);
    for (const m of roster) expect((await api(`${crew.url}/crew`, { headers: { authorization: `Bearer ${TEST_SERVICE_KEY}` }, body: m })).status).toBe(201);

    const rates = { fail: 0.3, delay: 0.1, delayMs: 1500, drop: 0.05 };
    const calendarProxy = await startFaultyProxy(calendar.url, rates);
    const crewProxy = await startFaultyProxy(crew.url, rates);
    const orchestrator = await startDockhand({
      only: 'orchestrator',
      env: { CALENDAR_URL: calendarProxy.url, CREW_URL: crewProxy.url, SMTP_URL: smtp.url },
      engine: { stepTimeoutMs: 1000, backoffBaseMs: 50, backoffMaxMs: 400, maxAttempts: 40 },
    });

    const day = (i: number) => new Date(Date.UTC(2032, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
    for (let i = 0; i < BOOKINGS; i++) {
      const res = await api(`${orchestrator.url}/bookings`, { headers: orchestrator.operator, body: { ...fixture, external_id: `FAULT-${i}`, date: day(i) } });
      expect(res.status).toBe(202);
    }
    await eventually(
      async () => {
        const { body } = await api(`${orchestrator.url}/bookings?limit=1000`, { headers: orchestrator.operator });
        const failed = body.bookings.filter((b: { status: string }) => b.status === 'failed');
        if (failed.length > 0) throw new Error(`failed: ${JSON.stringify(failed[0])}`);
        return body.bookings.every((b: { status: string }) => b.status === 'synced');
      },
      240_000,
      'every booking synced',
    );

    const entries = (await api(`${calendar.url}/calendar`, { headers: orchestrator.operator })).body.entries as { booking_ref: string }[];
    expect(entries).toHaveLength(BOOKINGS);
    expect(new Set(entries.map((e) => e.booking_ref)).size).toBe(BOOKINGS);
    const crewDb = new SQLite(join(crewDir, 'dockhand.sqlite'), { readonly: true });
    const events = crewDb.prepare('SELECT count(*) n, count(DISTINCT booking_ref) d FROM crew_events').get() as { n: number; d: number };
    crewDb.close();
    expect(events).toEqual({ n: BOOKINGS, d: BOOKINGS });
    const faults = { calendar: calendarProxy.counts, crew: crewProxy.counts };
    console.log(`fault test: ${BOOKINGS} bookings synced; injected ${JSON.stringify(faults)}`);
    expect(calendarProxy.counts.failed + crewProxy.counts.failed).toBeGreaterThan(0);
    expect(calendarProxy.counts.dropped + crewProxy.counts.dropped).toBeGreaterThan(0);

    await orchestrator.close();
    await calendarProxy.close();
    await crewProxy.close();
    await smtp.close();
  }, 300_000);
});
