#!/usr/bin/env node
import { Command } from 'commander';
import { rotateCredentials } from '../config/credentials.js';
import { exportTo, importFrom } from '../db/transfer.js';
import { registerCrewCommands } from '../crew/cli.js';
import { registerSiteCommands } from '../site/cli.js';
import { registerBookingCommands } from './bookings.js';
import { loadConfigOrExit, openDockhand } from './open.js';
import { registerServeCommands } from './serve.js';

const program = new Command()
  .name('dockhand')
  .description('One charter booking in; calendar, crew event, guest page and emails out, exactly once.')
  .showHelpAfterError();

registerServeCommands(program);
registerBookingCommands(program);
registerSiteCommands(program);
registerCrewCommands(program, async () => {
  const dockhand = await openDockhand({ only: 'crew', logLevel: 'warn' });
  return { ctx: dockhand.ctx, close: () => dockhand.close() };
});

program
  .command('keys')
  .description('credentials')
  .command('rotate')
  .description('new dashboard token and service key, printed once; restart running services to apply')
  .action(() => {
    const config = loadConfigOrExit();
    const { dashboardToken, serviceKey } = rotateCredentials(config.dataDir);
    console.log(`Dashboard token: ${dashboardToken}\nService key:     ${serviceKey}`);
    console.error(`Only their hashes were written to ${config.dataDir}/keys.json; copy them now. Variables set in the environment still take precedence.`);
  });

program
  .command('migrate')
  .description('apply database migrations and exit')
  .action(async () => {
    const dockhand = await openDockhand({ logLevel: 'warn', migrate: true });
    await dockhand.close();
    console.log('database is at the latest migration');
  });

program
  .command('export <file>')
  .description('write the whole installation (bookings, calendar, events, crew, links, outbox, audit) to a file')
  .action(async (file: string) => {
    const dockhand = await openDockhand({ logLevel: 'warn' });
    try {
      const counts = await exportTo(dockhand.ctx.db, file);
      console.log(`exported to ${file}: ${Object.entries(counts).map(([t, n]) => `${t} ${n}`).join(', ')}`);
    } finally {
      await dockhand.close();
    }
  });

program
  .command('import <file>')
  .description('load an export into this (new, empty) installation, e.g. from SQLite into PostgreSQL')
  .action(async (file: string) => {
    const dockhand = await openDockhand({ logLevel: 'warn', migrate: true });
    try {
      const counts = await importFrom(dockhand.ctx.db, file);
      console.log(`imported ${file}: ${Object.entries(counts).map(([t, n]) => `${t} ${n}`).join(', ')}`);
    } catch (error) {
      console.error(`dockhand: import failed, nothing was written: ${(error as Error).message}`);
      process.exitCode = 1;
    } finally {
      await dockhand.close();
    }
  });

await program.parseAsync(process.argv);
