import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database.js';
import { TEST_DASHBOARD_TOKEN, TEST_SERVICE_KEY } from './helpers/app.js';
import { runCli } from './helpers/cli.js';
import { freshDatabaseUrl, LOCAL_POSTGRES } from './helpers/database.js';
import { startServerProcess, startWorkerProcess, type ServerProcess } from './helpers/process.js';
import { startSmtpSink } from './helpers/smtp.js';

const BOOKINGS = Number(process.env.SCALE_TEST_BOOKINGS ?? 500);
const fixture = JSON.parse(readFileSync(new URL('./fixtures/booking-may-30.json', import.meta.url), 'utf8'));
const roster = JSON.parse(readFileSync(new URL('./fixtures/crew.json', import.meta.url), 'utf8')) as unknown[];
const headers = { authorization: `Bearer ${TEST_DASHBOARD_TOKEN}`, 'content-type': 'application/json' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Many stateless API instances and workers on one PostgreSQL, one of them killed mid-run. */
// Process-level behaviour, run once: the PostgreSQL pass of the suite (TEST_DATABASE_URL) skips it.
describe.skipIf(process.env.TEST_DATABASE_URL)('scale-out on PostgreSQL', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dockhand-scale-'));
  const processes: ServerProcess[] = [];
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop().catch(() => {})));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`syncs ${BOOKINGS} bookings through 2 API instances and 3 workers, one worker SIGKILLed`, async () => {
    const database = await freshDatabaseUrl(LOCAL_POSTGRES);
    const smtp = await startSmtpSink();
    const env = { DATABASE_URL: database.url!, DOCKHAND_DATA_DIR: dataDir, DASHBOARD_TOKEN: TEST_DASHBOARD_TOKEN, SERVICE_KEY: TEST_SERVICE_KEY, SMTP_URL: smtp.url, PORT: '0', LOG_LEVEL: 'error' };

    const unmigrated = await runCli(['serve'], env, 30_000);
    expect(unmigrated.code).not.toBe(0);
    expect(unmigrated.stderr).toMatch(/dockhand migrate/);
    expect((await runCli(['migrate'], env)).code).toBe(0);

    const apis = await Promise.all([startServerProcess([], env), startServerProcess([], env)]);
    const workers = await Promise.all([1, 2, 3].map(() => startWorkerProcess(['--concurrency', '8'], env)));
    processes.push(...apis, ...workers);
    for (const m of roster) await fetch(`${apis[0]!.url}/crew`, { method: 'POST', headers, body: JSON.stringify(m) });

    const day = (i: number) => new Date(Date.UTC(2033, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
    let next = 0;
    const posting = Promise.all(
      Array.from({ length: 10 }, async () => {
        while (next < BOOKINGS) {
          const i = next++;
          const res = await fetch(`${apis[i % 2]!.url}/bookings`, { method: 'POST', headers, body: JSON.stringify({ ...fixture, external_id: `SCALE-${i}`, date: day(i) }) });
          expect(res.status).toBe(202);
        }
      }),
    );
    await sleep(1500);
    await workers[0]!.kill();
    await posting;

    const pg = openDatabase({ dataDir, databaseUrl: database.url });
    const count = async (table: 'calendar_entries' | 'crew_events' | 'site_pages' | 'bookings', where?: [string, string]) => {
      let q = pg.db.selectFrom(table).select((eb) => [eb.fn.countAll().as('n'), eb.fn.count(table === 'bookings' ? 'id' : 'booking_ref').distinct().as('d')]);
      if (where) q = q.where(where[0] as never, '=', where[1] as never);
      const row = await q.executeTakeFirstOrThrow();
      return { n: Number(row.n), d: Number(row.d) };
    };
    const deadline = Date.now() + 240_000;
    while ((await count('bookings', ['status', 'synced'])).n < BOOKINGS && Date.now() < deadline) await sleep(500);
    expect(await count('bookings', ['status', 'synced'])).toEqual({ n: BOOKINGS, d: BOOKINGS });
    expect(await count('calendar_entries')).toEqual({ n: BOOKINGS, d: BOOKINGS });
    expect(await count('crew_events')).toEqual({ n: BOOKINGS, d: BOOKINGS });
    expect(await count('site_pages')).toEqual({ n: BOOKINGS, d: BOOKINGS });

    await smtp.waitFor(BOOKINGS * 4, 120_000);
    const outbox = await pg.db.selectFrom('outbox').select(['message_id', 'status']).execute();
    expect(outbox).toHaveLength(BOOKINGS * 4);
    expect(outbox.filter((m) => m.status !== 'sent')).toEqual([]);
    const received = new Map<string, number>();
    for (const m of smtp.messages) received.set(m.messageId!, (received.get(m.messageId!) ?? 0) + 1);
    for (const row of outbox) expect(received.get(row.message_id), row.message_id).toBeGreaterThanOrEqual(1);
    expect(received.size).toBe(BOOKINGS * 4);
    const resends = smtp.messages.length - received.size;
    console.log(`scale test: ${BOOKINGS} bookings over 2 API instances and 3 workers (one SIGKILLed): all synced, one record each, ${smtp.messages.length} emails, ${resends} resends`);
    await pg.close();
    await smtp.close();
    await Promise.all(processes.map((p) => p.stop().catch(() => {})));
    processes.length = 0;
    await database.drop();
  }, 400_000);
});
