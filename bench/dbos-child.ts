/**
 * The peer, in a process of its own: DBOS Transact running a 4-step saga like Dockhand's (guest page,
 * calendar, crew event, notifications: each step one small write to the app's tables), N workflows
 * started at once on the given PostgreSQL database. Prints one JSON line: workflows/s.
 *
 *   node --import tsx bench/dbos-child.ts <database url> <workflows>
 */
import { DBOS } from '@dbos-inc/dbos-sdk';
import pg from 'pg';

const [url, countArg] = process.argv.slice(2);
const total = Number(countArg);
const app = new pg.Pool({ connectionString: url, max: 10 });
await app.query('CREATE TABLE IF NOT EXISTS saga_steps (booking_id TEXT NOT NULL, step TEXT NOT NULL, result TEXT NOT NULL, PRIMARY KEY (booking_id, step))');

const payload = (id: string, step: string) => JSON.stringify({ id, step, boat: 'JADA', location: 'Sheraton Marina', notes: 'x'.repeat(700) });
const write = (id: string, step: string) => async () => {
  await app.query('INSERT INTO saga_steps (booking_id, step, result) VALUES ($1, $2, $3) ON CONFLICT (booking_id, step) DO UPDATE SET result = excluded.result', [id, step, payload(id, step)]);
  return step;
};

const saga = DBOS.registerWorkflow(
  async (id: string) => {
    for (const step of ['guest_page', 'calendar', 'crew_event', 'notifications']) await DBOS.runStep(write(id, step), { name: step });
    return id;
  },
  { name: 'bookingSaga' },
);

DBOS.setConfig({ name: 'dockhand-bench', systemDatabaseUrl: url, logLevel: 'error' });
await DBOS.launch();
// Warm-up: one workflow, so connection set-up is not counted.
await (await DBOS.startWorkflow(saga)('warmup')).getResult();
const start = performance.now();
const handles = await Promise.all(Array.from({ length: total }, (_, i) => DBOS.startWorkflow(saga)(`bk_${i}`)));
await Promise.all(handles.map((h) => h.getResult()));
const seconds = (performance.now() - start) / 1000;
await DBOS.shutdown();
await app.end();
console.log(JSON.stringify({ workflows: total, seconds, rate: total / seconds }));
