import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Dockhand } from '../app.js';
import { AppError } from '../http/errors.js';
import type { BookingView } from '../orchestrator/types.js';
import { mailWords } from '../orchestrator/mail-words.js';
import { stepNames } from '../orchestrator/types.js';
import { fail, openDockhand } from './open.js';

const terminal = new Set(['synced', 'failed', 'cancelled', 'conflict']);

function describeStep(view: BookingView, name: (typeof stepNames)[number]): string {
  const s = view.steps;
  switch (name) {
    case 'guest_page':
      return s.guest_page.url ?? '';
    case 'calendar':
      return s.calendar.entry_id ? `entry ${s.calendar.entry_id}` : '';
    case 'crew_event':
      return s.crew_event.event_id ? `event ${s.crew_event.event_id}` : '';
    case 'notifications':
      return mailWords(s.notifications);
  }
}

/** Prints one line per step as it completes, then waits for the emails; exit code 0 only when synced. */
async function follow(dockhand: Dockhand, id: string, timeoutMs = 120_000): Promise<void> {
  const service = dockhand.orchestrator!.service;
  const started = Date.now();
  const printed = new Map<string, string>();
  let view = await service.get(id);
  for (;;) {
    for (const name of stepNames) {
      const step = view.steps[name];
      const line = `${step.status === 'done' ? '✓' : step.status === 'failed' ? '✗' : step.status === 'sending' ? '…' : ' '} ${name.padEnd(14)}${describeStep(view, name)}${step.error && step.status !== 'done' ? `  (${step.error})` : ''}`;
      if (step.status !== 'pending' && step.status !== 'running' && printed.get(name) !== line) {
        printed.set(name, line);
        console.log(line);
      }
    }
    const mailDone = view.steps.notifications.sent >= view.steps.notifications.total;
    if (terminal.has(view.status) && (view.status !== 'synced' || mailDone)) break;
    if (Date.now() - started > timeoutMs) {
      console.log(`still ${view.status} after ${timeoutMs / 1000} s; follow it with "dockhand status ${id}"`);
      process.exitCode = 1;
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
    view = await service.get(id);
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (view.status === 'synced' || view.status === 'cancelled') {
    console.log(`${view.status} in ${seconds} s: ${id}`);
  } else {
    console.log(`${view.status}: ${view.last_error ?? 'see "dockhand status ' + id + '"'}`);
    process.exitCode = 1;
  }
}

async function withDockhand(work: (d: Dockhand) => Promise<void>, background = false): Promise<void> {
  const dockhand = await openDockhand({ only: 'orchestrator', logLevel: 'warn' });
  try {
    if (background) dockhand.startBackground();
    await work(dockhand);
  } catch (error) {
    if (error instanceof AppError) {
      console.error(`dockhand: ${error.message}`);
      for (const d of error.details) console.error(`  ${d.path}: ${d.message}`);
      process.exitCode = 1;
    } else {
      fail(error);
    }
  } finally {
    await dockhand.close();
  }
}

export function registerBookingCommands(program: Command): void {
  program
    .command('book <file>')
    .description('submit a booking (JSON file) and follow its sync to the end')
    .option('--idempotency-key <key>', 'submit under this key, as an HTTP client would')
    .option('--in-days <n>', "move the charter to n days from today (same time and zone): a sample file's date stays inside the booking window")
    .action((file: string, options: { idempotencyKey?: string; inDays?: string }) =>
      withDockhand(async (dockhand) => {
        let body: unknown;
        try {
          body = JSON.parse(readFileSync(file, 'utf8'));
        } catch (error) {
          throw new AppError(400, 'bad_file', `could not read ${file} as JSON: ${(error as Error).message}`);
        }
        if (options.inDays !== undefined) {
          const days = Number(options.inDays);
          if (!Number.isInteger(days) || days < 0 || days > 3650) throw new AppError(400, 'bad_option', '--in-days must be a whole number of days from 0 to 3650');
          body = { ...(body as object), date: new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10) };
        }
        const { id, created } = await dockhand.orchestrator!.service.submit(body, options.idempotencyKey, 'cli');
        console.log(`booking ${id} ${created ? 'accepted' : 'already known: following it'}`);
        await follow(dockhand, id);
      }, true),
    );

  program
    .command('status [bookingId]')
    .description('sync status of one booking, or a table of recent ones')
    .option('--json', 'print JSON')
    .action((bookingId: string | undefined, options: { json?: boolean }) =>
      withDockhand(async (dockhand) => {
        const service = dockhand.orchestrator!.service;
        // Mail that cannot go out is said first: every "sending" below depends on it.
        const mail = await dockhand.transport?.verify();
        if (mail && !options.json && (!mail.ok || dockhand.transport?.kind === 'outbox')) console.log(`mail: ${mail.ok ? '' : 'FAILING: '}${mail.detail}`);
        if (bookingId) {
          const view = await service.get(bookingId);
          if (options.json) return void console.log(JSON.stringify(view, null, 2));
          console.log(`${view.id}  ${view.source} ${view.external_id}  ${view.booking.date} ${view.booking.start_time}  ${view.status} (version ${view.version})`);
          for (const name of stepNames) console.log(`  ${name.padEnd(14)}${view.steps[name].status.padEnd(9)}${describeStep(view, name)}${view.steps[name].error ? `  last error: ${view.steps[name].error}` : ''}`);
          if (view.last_error) console.log(`  last error: ${view.last_error}`);
          return;
        }
        const rows = await service.list({ limit: 50 });
        if (options.json) return void console.log(JSON.stringify(rows, null, 2));
        if (rows.length === 0) return void console.log('no bookings yet: submit one with "dockhand book FILE.json"');
        for (const r of rows) console.log(`${r.id}  ${r.date} ${r.start_time}  ${r.status.padEnd(9)}  ${r.source} ${r.external_id}  ${r.guest_name}`);
      }),
    );

  program
    .command('retry <bookingId>')
    .description('re-run the failed steps of a booking and follow it')
    .option('--force', 'sync a booking held in conflict anyway (the owner decided)')
    .action((bookingId: string, options: { force?: boolean }) =>
      withDockhand(async (dockhand) => {
        await dockhand.orchestrator!.service.retry(bookingId, 'cli', options.force ?? false);
        await follow(dockhand, bookingId);
      }, true),
    );
}
