/**
 * Dockhand as deployed, for the booking scenarios: every part in a process of its own (the SMTP sink,
 * the API, the workers), the bench process only submits over HTTP and watches. Completion is read from
 * the bookings table (status, updated_at), the guest-page URL from GET /bookings/:id, and "mail
 * accepted" from the sink's receive time of each booking's last email (matched by the guest-page URL
 * every one of its emails carries).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { freshSchema } from './postgres.js';
import { startNodeProcess, type Child } from './processes.js';
import { startSinkProcess, type SinkProcess } from './smtp-sink.js';
import { percentile, sleep } from './stats.js';

export const TOKEN = 'bench-dashboard-token-0123456789';
export const MAILS_PER_BOOKING = 4;
const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
const fixture = JSON.parse(readFileSync(new URL('../../test/fixtures/booking-may-30.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const roster = JSON.parse(readFileSync(new URL('../../test/fixtures/crew.json', import.meta.url), 'utf8')) as unknown[];
const childScript = fileURLToPath(new URL('./dockhand-child.ts', import.meta.url));
const workerScript = 'src/cli/main.ts';
const TERMINAL = ['synced', 'failed', 'conflict', 'cancelled'];

export interface DeploymentOptions {
  database: 'sqlite' | 'postgres';
  /** 0: the embedded default (one process does everything); n: one API process and n workers. */
  workers: number;
  /** Send mail to the sink (default) or keep it in the outbox (no SMTP_URL). */
  smtp?: boolean;
  /** Reuse a data directory (SQLite) kept from an earlier deployment. */
  dataDir?: string;
  /** Start without the engine even for SQLite (intake only: seeding). */
  intakeOnly?: boolean;
}

export interface Deployment {
  url: string;
  /** The API process (the whole of Dockhand when embedded). */
  pid: number;
  sink: SinkProcess | undefined;
  dataDir: string;
  /** Bookings whose external id starts with `prefix` and that reached an end state. */
  finished(prefix: string): Promise<number>;
  stop(options?: { keepData?: boolean }): Promise<void>;
}

export async function startDeployment(options: DeploymentOptions): Promise<Deployment> {
  const sink = options.smtp === false ? undefined : await startSinkProcess();
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'dockhand-bench-'));
  const schema = options.database === 'postgres' ? await freshSchema('bench_dh') : undefined;
  const env: Record<string, string> = {
    PORT: '0',
    DOCKHAND_DATA_DIR: dataDir,
    DASHBOARD_TOKEN: TOKEN,
    LOG_LEVEL: 'error',
    // Measured bookings each have a day of their own, within the ten years the window allows.
    BOOKING_DAYS_AHEAD: '3650',
    ...(sink ? { SMTP_URL: sink.url } : {}),
    ...(schema ? { DATABASE_URL: schema.url } : {}),
  };
  const children: Child[] = [];
  let sqlite: SQLite.Database | undefined;
  let pool: pg.Pool | undefined;
  const stopAll = async () => {
    await Promise.all(children.map((c) => c.stop()));
    sqlite?.close();
    await pool?.end();
    await sink?.close();
  };
  try {
    const embedded = options.workers === 0 && !options.intakeOnly;
    const api = await startNodeProcess(childScript, [embedded ? 'embedded' : 'api'], env, /listening on (http:\/\/\S+)/);
    children.push(api);
    const workers = await Promise.all(
      Array.from({ length: options.workers }, () => startNodeProcess(workerScript, ['worker', '--concurrency', '8'], env, /worker (\S+) running/)),
    );
    children.push(...workers);
    for (const member of roster) await fetch(`${api.url}/crew`, { method: 'POST', headers, body: JSON.stringify(member) });
    if (schema) {
      const base = new URL(schema.url);
      base.searchParams.delete('schema');
      pool = new pg.Pool({ connectionString: base.toString(), max: 2, options: `-c search_path=${schema.schema}` });
    }
    const openSqlite = () => (sqlite ??= new SQLite(join(dataDir, 'dockhand.sqlite'), { readonly: true, fileMustExist: true }));
    return {
      url: api.url,
      pid: api.child.pid!,
      sink,
      dataDir,
      async finished(prefix) {
        const statuses = TERMINAL.map((s) => `'${s}'`).join(',');
        if (pool) {
          const r = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM bookings WHERE external_id LIKE $1 AND status IN (${statuses})`, [`${prefix}%`]);
          return Number(r.rows[0]!.n);
        }
        const row = openSqlite().prepare(`SELECT count(*) AS n FROM bookings WHERE external_id LIKE ? AND status IN (${statuses})`).get(`${prefix}%`) as { n: number };
        return row.n;
      },
      async stop(stopOptions = {}) {
        await stopAll();
        await schema?.drop();
        if (!stopOptions.keepData) rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stopAll();
    await schema?.drop();
    throw error;
  }
}

/** Runs SQL on a stopped SQLite deployment's database (its data directory kept). */
export function execSqlite(dataDir: string, sql: string): void {
  const db = new SQLite(join(dataDir, 'dockhand.sqlite'));
  db.pragma('busy_timeout = 5000');
  db.exec(sql);
  db.close();
}

const day = (i: number) => new Date(Date.UTC(2027, 0, 1) + (i % 3000) * 86_400_000).toISOString().slice(0, 10);

/**
 * A booking on its own day, so no two of a run compete for the boat or the crew. The 10,000 seeded
 * ones ("SEED-") share days with them instead, each on a boat of its own and naming no crew (they
 * are stored, never synced), so they stand in no measured booking's way.
 */
export const bookingBody = (prefix: string, i: number, dayOffset: number) =>
  JSON.stringify({
    ...fixture,
    external_id: `${prefix}${i}`,
    date: day(dayOffset + i),
    ...(prefix === 'SEED-' ? { boat: `Seeded boat ${i}`, crew: null, captain: null } : {}),
  });

async function post(url: string, body: string): Promise<string | undefined> {
  const res = await fetch(`${url}/bookings`, { method: 'POST', headers, body });
  if (res.status !== 202 && res.status !== 200) {
    await res.arrayBuffer();
    return undefined;
  }
  return ((await res.json()) as { id: string }).id;
}

export interface Submitted {
  /** booking id → when it was sent (closed loop) or due to be sent (open loop), ms since the epoch */
  sentAt: Map<string, number>;
  rejected: number;
  startedAt: number;
  seconds: number;
}

/** Closed loop: `concurrency` clients, each POSTing its next booking when the previous one was accepted. */
export async function submitClosed(url: string, n: number, concurrency: number, prefix: string, dayOffset: number): Promise<Submitted> {
  const sentAt = new Map<string, number>();
  let next = 0;
  let rejected = 0;
  const startedAt = Date.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) {
        const i = next++;
        const t0 = Date.now();
        const id = await post(url, bookingBody(prefix, i, dayOffset)).catch(() => undefined);
        if (id) sentAt.set(id, t0);
        else rejected++;
      }
    }),
  );
  return { sentAt, rejected, startedAt, seconds: (Date.now() - startedAt) / 1000 };
}

/**
 * Open loop: booking i is due at start + i/rate, whatever happened to the ones before it (no
 * coordinated omission: latency counts from when it was due, not from when the client got round to it).
 */
export async function submitOpen(url: string, rate: number, seconds: number, prefix: string, dayOffset: number): Promise<Submitted & { lateMs: number }> {
  const n = Math.round(rate * seconds);
  const sentAt = new Map<string, number>();
  let rejected = 0;
  let lateMs = 0;
  const startedAt = Date.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const due = startedAt + (i * 1000) / rate;
    const wait = due - Date.now();
    if (wait > 1) await sleep(wait);
    lateMs = Math.max(lateMs, Date.now() - due);
    inFlight.push(
      post(url, bookingBody(prefix, i, dayOffset)).then(
        (id) => void (id ? sentAt.set(id, due) : rejected++),
        () => void rejected++,
      ),
    );
  }
  await Promise.all(inFlight);
  return { sentAt, rejected, startedAt, seconds: (Date.now() - startedAt) / 1000, lateMs };
}

export interface Outcome {
  total: number;
  synced: number;
  notSynced: number;
  /** bookings/s from the first submit to the last booking synced (status) */
  syncedPerSecond: number;
  /** bookings/s from the first submit to the last booking done (synced and its emails accepted) */
  donePerSecond: number;
  /** submit → synced and all its emails accepted by the sink, ms */
  p50: number;
  p99: number;
  max: number;
  mails: number;
  /** time from the last booking synced to the last email accepted, ms */
  mailLagMs: number;
  /** bookings whose emails could not be matched to them */
  unmatched: number;
  timedOut: boolean;
}

interface BookingView {
  status: string;
  updated_at: string;
  steps?: { guest_page?: { url?: string | null } };
}

/** Waits until every submitted booking ended and its emails arrived, then works out the figures. */
export async function awaitOutcome(deployment: Deployment, prefix: string, submitted: Submitted, timeoutMs: number): Promise<Outcome> {
  const n = submitted.sentAt.size;
  const deadline = Date.now() + timeoutMs;
  let timedOut = false;
  while ((await deployment.finished(prefix)) < n) {
    if (Date.now() > deadline) {
      timedOut = true;
      break;
    }
    await sleep(25);
  }
  const views = new Map<string, BookingView>();
  const ids = [...submitted.sentAt.keys()];
  for (let i = 0; i < ids.length; i += 20) {
    await Promise.all(
      ids.slice(i, i + 20).map(async (id) => {
        const res = await fetch(`${deployment.url}/bookings/${id}`, { headers });
        if (res.ok) views.set(id, (await res.json()) as BookingView);
        else await res.arrayBuffer();
      }),
    );
  }
  const synced = [...views.values()].filter((v) => v.status === 'synced').length;
  const sink = deployment.sink;
  let mails = 0;
  const lastMailBySlug = new Map<string, { at: number; count: number }>();
  if (sink) {
    // Every synced booking sends MAILS_PER_BOOKING emails; wait for them (bounded by the same deadline).
    if (!timedOut) await sink.waitFor(synced * MAILS_PER_BOOKING, Math.max(1000, deadline - Date.now()));
    const taken = await sink.take();
    for (const e of taken.entries) {
      if (!e.slug) continue;
      mails++;
      const seen = lastMailBySlug.get(e.slug);
      lastMailBySlug.set(e.slug, { at: Math.max(seen?.at ?? 0, e.at), count: (seen?.count ?? 0) + 1 });
    }
  }
  const latencies: number[] = [];
  let lastSynced = 0;
  let lastDone = 0;
  let lastMail = 0;
  let unmatched = 0;
  for (const [id, view] of views) {
    if (view.status !== 'synced') continue;
    const syncedAt = Date.parse(view.updated_at);
    let done = syncedAt;
    if (sink) {
      const slug = /\/g\/([a-z0-9-]+)\/?/.exec(view.steps?.guest_page?.url ?? '')?.[1];
      const mail = slug ? lastMailBySlug.get(slug) : undefined;
      if (!mail || mail.count < MAILS_PER_BOOKING) unmatched++;
      if (mail) {
        done = Math.max(done, mail.at);
        lastMail = Math.max(lastMail, mail.at);
      }
    }
    lastSynced = Math.max(lastSynced, syncedAt);
    lastDone = Math.max(lastDone, done);
    latencies.push(done - submitted.sentAt.get(id)!);
  }
  latencies.sort((a, b) => a - b);
  const start = submitted.startedAt;
  return {
    total: n,
    synced,
    notSynced: n - synced,
    syncedPerSecond: synced / Math.max(0.001, (lastSynced - start) / 1000),
    donePerSecond: synced / Math.max(0.001, (lastDone - start) / 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? 0,
    mails,
    mailLagMs: sink ? Math.max(0, lastMail - lastSynced) : 0,
    unmatched,
    timedOut,
  };
}
