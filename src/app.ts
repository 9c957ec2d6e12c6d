import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { calendarRoutes } from './calendar/routes.js';
import { resolveCredentials, type Generated } from './config/credentials.js';
import type { Config } from './config/env.js';
import { ensurePrivateDir } from './config/private.js';
import type { AppContext } from './context.js';
import { crewRoutes } from './crew/routes.js';
import { vacancyExpiryTask } from './crew/vacancy-expiry.js';
import { dashboardRoutes } from './dashboard/routes.js';
import { openDatabase, type DatabaseHandle } from './db/database.js';
import { ensureSchema, migrateToLatest } from './db/migrate.js';
import { createWorkSignal } from './db/signal.js';
import { createHttpApp } from './http/app.js';
import { healthRoutes } from './http/health.js';
import { createJobs } from './jobs/queue.js';
import { JobRunner } from './jobs/runner.js';
import { MAIL, mailTask } from './mail/send-task.js';
import { mailRoutes } from './mail/routes.js';
import { threadTransport } from './mail/smtp-thread.js';
import { createTransport, type MailTransport } from './mail/transport.js';
import { createOrchestrator, type EngineOptions, type Orchestrator } from './orchestrator/index.js';
import { orchestratorRoutes } from './orchestrator/routes.js';
import { announceOrphanSweep, ORPHAN_SWEEP, orphanSweepTask } from './site/orphan-sweep.js';
import { PhotoProcessor } from './site/processor.js';
import { siteRoutes } from './site/routes.js';
import { SiteService } from './site/service.js';
import { createCdn, createStorage } from './storage/index.js';

export const serviceNames = ['calendar', 'crew', 'site', 'orchestrator'] as const;
export type ServiceName = (typeof serviceNames)[number];

export interface DockhandOptions {
  config: Config;
  /** Run one service alone (split deployments); all of them when unset. */
  only?: ServiceName | undefined;
  /** Run background work (the job runner: sagas, mail, photos, offer deadlines); the HTTP-less worker and tests may turn it off. */
  background?: boolean;
  logger?: Logger;
  /** Apply pending migrations (dockhand migrate, tests); otherwise only SQLite is migrated at start. */
  migrate?: boolean;
  /** Saga tuning (timeouts, backoff); the defaults suit production, tests shorten them. */
  engine?: Partial<EngineOptions>;
}

export interface Dockhand {
  ctx: AppContext;
  app: FastifyInstance;
  generated: Generated;
  orchestrator: Orchestrator | undefined;
  /** Runs this process's kinds of job once background work starts. */
  runner: JobRunner;
  /** How this process sends mail; undefined when it runs no service that mails. */
  transport: MailTransport | undefined;
  database: DatabaseHandle;
  /** Starts listening; resolves to the base URL actually bound (port 0 picks a free one). */
  listen(): Promise<string>;
  /** Starts the job runner without HTTP (worker, CLI). */
  startBackground(): void;
  close(): Promise<void>;
}

// Logs are kept, shipped and read by more people than the data: they carry ids, never a guest's name
// or a crew member's address. Callers log ids; this catches any that slip a person's details in anyway
// ("reason" is free text built for the owner, and names the guest of the other booking in a conflict).
export const LOG_REDACT = ['reason', 'to', 'to_address', 'toName', 'to_name', 'email', 'guest', 'guest_name', 'name', 'phone', '*.to', '*.to_address', '*.email', '*.guest', '*.guest_name', '*.phone'];

// Mail servers echo the recipient in their errors ("550 No mailbox for <ana@…>"): addresses inside
// logged text are masked as well.
const EMAIL = /[^\s<>()[\]@",;:]+@[^\s<>()[\]@",;:]+\.[A-Za-z]{2,}/g;
function maskAddresses(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(EMAIL, '[address]');
  if (depth > 3 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    const { name, message, stack } = value;
    return { type: name, message: maskAddresses(message), stack: maskAddresses(stack), ...(maskAddresses({ ...value }, depth + 1) as object) };
  }
  if (Array.isArray(value)) return value.map((v) => maskAddresses(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskAddresses(v, depth + 1)]));
}

export function createLogger(config: Config, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level: config.logLevel,
      base: { service: 'dockhand' },
      redact: { paths: LOG_REDACT, censor: '[redacted]' },
      hooks: { logMethod(args, method) { method.apply(this, args.map((a) => maskAddresses(a)) as Parameters<typeof method>); } },
    },
    destination,
  );
}

/** The composition root: builds the context once and mounts the services this process runs. */
export async function createDockhand(options: DockhandOptions): Promise<Dockhand> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config);
  const runs = (name: ServiceName) => !options.only || options.only === name;
  // Key hashes, secrets, the SQLite file and kept mail live here: the owner's alone.
  ensurePrivateDir(config.dataDir);
  const { credentials, generated } = resolveCredentials(config);
  const database = openDatabase(config);
  // SQLite belongs to this one process and is brought up to date here; a shared PostgreSQL is
  // migrated on purpose with "dockhand migrate" before any instance starts.
  if (options.migrate) await migrateToLatest(database.db);
  else await ensureSchema(database.db, database.dialect === 'sqlite');

  const usesMail = runs('crew') || runs('orchestrator');
  // Plain SMTP sends from a thread of its own; SES and the local outbox are cheap enough here.
  const transport = !usesMail ? undefined : config.smtpUrl?.startsWith('smtp') ? threadTransport(config.smtpUrl, config.mailFrom) : createTransport(config.smtpUrl, config.mailFrom);
  // With PostgreSQL several instances publish and serve; an in-memory cache in each would go stale.
  const { cdn, pageCache } = createCdn(config, runs('orchestrator') && database.dialect === 'sqlite');
  const signal = createWorkSignal(database, config.databaseUrl, logger);
  const runner = new JobRunner(database.db, database.dialect, logger.child({ part: 'jobs' }), options.engine);
  const jobs = createJobs((kind) => {
    runner.kick(kind);
    signal.notify(kind);
  });
  const ctx: AppContext = {
    config,
    db: database.db,
    dialect: database.dialect,
    logger,
    credentials,
    jobs,
    mailKick: () => jobs.kick(MAIL),
    storage: createStorage(config),
    cdn,
    pageCache,
  };

  const app = await createHttpApp(logger, config);
  if (runs('calendar')) await app.register(calendarRoutes(ctx));
  if (runs('crew')) await app.register(crewRoutes(ctx));
  if (runs('site') || runs('orchestrator')) await app.register(siteRoutes(ctx));
  const orchestrator = runs('orchestrator') ? createOrchestrator(ctx, options.engine, () => runner.owner) : undefined;
  if (orchestrator) await app.register(orchestratorRoutes(ctx, orchestrator));
  if (orchestrator) await app.register(dashboardRoutes(ctx, orchestrator));
  if (transport?.kind === 'outbox') await app.register(mailRoutes(ctx));
  await app.register(healthRoutes(ctx, transport));

  // The kinds of work this process takes on, by the services it runs.
  if (orchestrator) runner.register(orchestrator.task);
  if (transport) runner.register(mailTask(database.db, transport, logger.child({ part: 'mail' })));
  if (runs('site') || runs('orchestrator')) {
    const site = new SiteService(ctx);
    runner.register(new PhotoProcessor(ctx, { onChanged: (slug) => site.refresh(slug) }).task());
    runner.register(orphanSweepTask(ctx));
  }
  // Offers for a declined place lapse after 12 hours; the owner is told even if nobody looks.
  if (runs('crew') || runs('orchestrator')) runner.register(vacancyExpiryTask(ctx));

  const background = options.background ?? true;
  const startBackground = () => {
    if (runner.kinds.includes(ORPHAN_SWEEP)) void announceOrphanSweep(database.db).catch((error) => logger.warn({ err: (error as Error).message }, 'could not schedule the upload sweep'));
    runner.start();
    signal.subscribe((kind) => runner.kick(kind));
  };
  return {
    ctx,
    app,
    generated,
    orchestrator,
    runner,
    transport,
    database,
    async listen() {
      await app.listen({ port: config.port, host: config.host });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      const base = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
      if (!config.publicBaseUrlSet) config.publicBaseUrl = base;
      if (background) startBackground();
      return base;
    },
    startBackground,
    async close() {
      await app.close();
      await runner.stop();
      transport?.close();
      await signal.close();
      await database.close();
    },
  };
}
