import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_DASHBOARD_TOKEN, TEST_SERVICE_KEY } from './helpers/app.js';
import { freePort, startServerProcess, type ServerProcess } from './helpers/process.js';
import { startSmtpSink } from './helpers/smtp.js';

const BOOKINGS = Number(process.env.KILL_TEST_BOOKINGS ?? 200);
const KILLS = Number(process.env.KILL_TEST_KILLS ?? 10);
const fixture = JSON.parse(readFileSync(new URL('./fixtures/booking-may-30.json', import.meta.url), 'utf8'));
const roster = JSON.parse(readFileSync(new URL('./fixtures/crew.json', import.meta.url), 'utf8')) as unknown[];
const headers = { authorization: `Bearer ${TEST_DASHBOARD_TOKEN}`, 'content-type': 'application/json' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Keeps asking until the server answers: while it is down, connections are refused. */
async function persist(url: string, init: RequestInit): Promise<Response> {
  for (;;) {
    try {
      const res = await fetch(url, { ...init, signal: AbortSignal.timeout(5000) });
      if (res.status < 500) return res;
    } catch {
      /* down or dying: try again */
    }
    await sleep(50);
  }
}

// Process-level behaviour, run once: the PostgreSQL pass of the suite (TEST_DATABASE_URL) skips it.
describe.skipIf(process.env.TEST_DATABASE_URL)('crash safety', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dockhand-kill-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it(`syncs ${BOOKINGS} bookings exactly once while the server is SIGKILLed ${KILLS} times`, async () => {
    const smtp = await startSmtpSink();
    const port = await freePort();
    const env = { PORT: String(port), DOCKHAND_DATA_DIR: dataDir, DASHBOARD_TOKEN: TEST_DASHBOARD_TOKEN, SERVICE_KEY: TEST_SERVICE_KEY, SMTP_URL: smtp.url, LOG_LEVEL: 'error' };
    let server: ServerProcess = await startServerProcess([], env);
    const base = server.url;
    for (const m of roster) await persist(`${base}/crew`, { method: 'POST', headers, body: JSON.stringify(m) });

    let submitted = 0;
    const day = (i: number) => new Date(Date.UTC(2031, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
    const submitting = (async () => {
      const queue = Array.from({ length: BOOKINGS }, (_, i) => i);
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
            const body = JSON.stringify({ ...fixture, external_id: `KILL-${i}`, date: day(i) });
            const res = await persist(`${base}/bookings`, { method: 'POST', headers: { ...headers, 'idempotency-key': `kill-${i}` }, body });
            expect([200, 202]).toContain(res.status);
            submitted++;
          }
        }),
      );
    })();

    let kills = 0;
    while (kills < KILLS) {
      await sleep(150 + Math.random() * 600);
      await server.kill();
      kills++;
      server = await startServerProcess([], env);
    }
    await submitting;

    const deadline = Date.now() + 120_000;
    let synced = 0;
    while (Date.now() < deadline) {
      const res = await persist(`${base}/bookings?status=synced&limit=1000`, { headers });
      synced = ((await res.json()) as { bookings: unknown[] }).bookings.length;
      if (synced === BOOKINGS) break;
      await sleep(250);
    }
    expect(submitted).toBe(BOOKINGS);
    expect(synced).toBe(BOOKINGS);

    // Every email the outbox holds reached the SMTP server before we look at the database. Counted by
    // distinct Message-ID: a resend after a kill repeats one, and raw counts would stop too early.
    const expectedMail = BOOKINGS * 4;
    const distinct = () => new Set(smtp.messages.map((m) => m.messageId)).size;
    // And every row is marked sent: a message sent just before a kill is sent again after the restart
    // (same Message-ID) and only then marked.
    const reader = new SQLite(join(dataDir, 'dockhand.sqlite'), { readonly: true });
    const unsent = () => (reader.prepare("SELECT count(*) n FROM outbox WHERE status <> 'sent'").get() as { n: number }).n;
    for (const until = Date.now() + 60_000; (distinct() < expectedMail || unsent() > 0) && Date.now() < until; ) await sleep(100);
    reader.close();
    expect(distinct()).toBe(expectedMail);
    await server.stop();

    const db = new SQLite(join(dataDir, 'dockhand.sqlite'), { readonly: true });
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    expect(count('SELECT count(*) n FROM bookings')).toBe(BOOKINGS);
    expect(count('SELECT count(*) n FROM calendar_entries')).toBe(BOOKINGS);
    expect(count('SELECT count(DISTINCT booking_ref) n FROM calendar_entries')).toBe(BOOKINGS);
    expect(count('SELECT count(*) n FROM crew_events')).toBe(BOOKINGS);
    expect(count('SELECT count(DISTINCT booking_ref) n FROM crew_events')).toBe(BOOKINGS);
    expect(count('SELECT count(*) n FROM site_pages')).toBe(BOOKINGS);
    expect(count("SELECT count(*) n FROM outbox WHERE status <> 'sent'")).toBe(0);
    const outbox = db.prepare('SELECT message_id, to_address FROM outbox').all() as { message_id: string; to_address: string }[];
    db.close();
    expect(outbox).toHaveLength(expectedMail);

    const received = new Map<string, number>();
    for (const m of smtp.messages) received.set(m.messageId!, (received.get(m.messageId!) ?? 0) + 1);
    for (const row of outbox) expect(received.get(row.message_id), `mail ${row.message_id} to ${row.to_address}`).toBeGreaterThanOrEqual(1);
    const unexpected = [...received.keys()].filter((id) => !outbox.some((r) => r.message_id === id));
    expect(unexpected).toEqual([]);
    const resends = smtp.messages.length - received.size;
    console.log(`kill test: ${BOOKINGS} bookings, ${kills} SIGKILLs, ${smtp.messages.length} emails received, ${received.size} distinct, ${resends} resends (each repeating its Message-ID)`);
    await smtp.close();
  }, 300_000);
});
