import type { Command } from 'commander';
import { createDockhand, serviceNames, type ServiceName } from '../app.js';
import { fail, loadConfigOrExit, printGenerated } from './open.js';

/** Ends the process cleanly on SIGINT/SIGTERM: in-flight steps finish or are released by their lease. */
function onShutdown(close: () => Promise<void>): void {
  let closing = false;
  const stop = (signal: string) => {
    if (closing) return;
    closing = true;
    console.error(`dockhand: ${signal} received, shutting down`);
    const deadline = setTimeout(() => process.exit(1), 10_000);
    close().then(
      () => {
        clearTimeout(deadline);
        process.exit(0);
      },
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

export function registerServeCommands(program: Command): void {
  program
    .command('serve')
    .description('run the services over HTTP (all of them by default)')
    .option('--only <service>', `run one service alone: ${serviceNames.join(', ')}`)
    .action(async (options: { only?: string }) => {
      if (options.only && !serviceNames.includes(options.only as ServiceName)) {
        fail(new Error(`--only must be one of ${serviceNames.join(', ')}, not "${options.only}"`));
      }
      const config = loadConfigOrExit();
      try {
        const dockhand = await createDockhand({ config, only: options.only as ServiceName | undefined });
        const url = await dockhand.listen();
        printGenerated(dockhand.generated, config.dataDir);
        const mail = config.smtpUrl ? `SMTP ${new URL(config.smtpUrl).host}` : `local outbox at ${url}/dev/mail`;
        console.error(`dockhand ${options.only ?? 'all services'} listening on ${url} (data: ${config.dataDir}, ${dockhand.database.dialect}; mail: ${mail})`);
        onShutdown(() => dockhand.close());
      } catch (error) {
        fail(error);
      }
    });

  program
    .command('worker')
    .description('run the job runner (booking sagas, mail, photos, offer deadlines) without HTTP')
    .option('--concurrency <n>', 'bookings synced at once by this worker', '8')
    .action(async (options: { concurrency: string }) => {
      const concurrency = Number(options.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) fail(new Error('--concurrency must be a whole number from 1 to 256'));
      const config = loadConfigOrExit();
      try {
        const dockhand = await createDockhand({ config, only: 'orchestrator', background: false, engine: { concurrency } });
        printGenerated(dockhand.generated, config.dataDir);
        dockhand.startBackground();
        console.error(`dockhand worker ${dockhand.runner.owner} running (${dockhand.database.dialect}, concurrency ${concurrency})`);
        onShutdown(() => dockhand.close());
      } catch (error) {
        fail(error);
      }
    });
}
