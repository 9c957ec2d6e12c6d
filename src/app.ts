import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import type { Config } from './config/env.js';
import { resolveCredentials, type Generated } from './config/credentials.js';
import { openDatabase, type DatabaseHandle } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { createHttpApp } from './http/app.js';
import type { AppContext } from './context.js';
import { createCdn, createStorage } from './storage/index.js';
import { MailDispatcher } from './mail/dispatcher.js';
import { createTransport } from './mail/transport.js';
import { mailRoutes } from './mail/routes.js';
import { calendarRoutes } from './calendar/routes.js';
import { crewRoutes } from './crew/routes.js';
import { siteRoutes } from './site/routes.js';
import { orchestratorRoutes } from './orchestrator/routes.js';
import { createOrchestrator, type Orchestrator } from './orchestrator/index.js';
import type { EngineOptions } from './orchestrator/engine.js';

export const serviceNames = ['calendar', 'crew', 'site', 'orchestrator'] as const;
export type ServiceName = (typeof serviceNames)[number];

export interface DockhandOptions {
  config: Config;
  /** Run one service alone (split deployments); all of them when unset. */
  only?: ServiceName | undefined;
  /** Run background work (saga engine, mail dispatcher); the HTTP-less worker and tests may turn it off. */
  background?: boolean;
  logger?: Logger;
  /** Saga tuning (timeouts, backoff); the defaults suit production, tests shorten them. */
  engine?: Partial<EngineOptions>;
}

export interface Dockhand {
  ctx: AppContext;
  app: FastifyInstance;
  generated: Generated;
  orchestrator: Orchestrator | undefined;
  dispatcher: MailDispatcher | undefined;
  database: DatabaseHandle;
  /** Starts listening; resolves to the base URL actually bound (port 0 picks a free one). */
  listen(): Promise<string>;
  /** Starts the saga engine and the mail dispatcher without HTTP (worker, CLI). */
  startBackground(): void;
  close(): Promise<void>;
}

export function createLogger(config: Config): Logger {
  return pino({ level: config.logLevel, base: { service: 'dockhand' } });
}

/** The composition root: builds the context once and mounts the services this process runs. */
export async function createDockhand(options: DockhandOptions): Promise<Dockhand> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config);
  const runs = (name: ServiceName) => !options.only || options.only === name;
  const { credentials, generated } = resolveCredentials(config);
  const database = openDatabase(config);
  await migrateToLatest(database.db);

  const usesMail = runs('crew') || runs('orchestrator');
  const transport = createTransport(config.smtpUrl, config.mailFrom);
  const dispatcher = usesMail ? new MailDispatcher(database.db, transport, logger.child({ part: 'mail' })) : undefined;
  const { cdn, pageCache } = createCdn(config, runs('orchestrator'));
  const ctx: AppContext = {
    config,
    db: database.db,
    dialect: database.dialect,
    logger,
    credentials,
    mailKick: () => dispatcher?.kick(),
    storage: createStorage(config),
    cdn,
    pageCache,
  };

  const app = await createHttpApp(logger, config.trustProxy);
  if (runs('calendar')) await app.register(calendarRoutes(ctx));
  if (runs('crew')) await app.register(crewRoutes(ctx));
  if (runs('site') || runs('orchestrator')) await app.register(siteRoutes(ctx));
  const orchestrator = runs('orchestrator') ? createOrchestrator(ctx, options.engine) : undefined;
  if (orchestrator) await app.register(orchestratorRoutes(ctx, orchestrator));
  if (usesMail && transport.kind === 'outbox') await app.register(mailRoutes(ctx));
  app.get('/healthz', async () => ({ status: 'ok' }));

  const background = options.background ?? true;
  const startBackground = () => {
    dispatcher?.start();
    orchestrator?.start();
  };
  return {
    ctx,
    app,
    generated,
    orchestrator,
    dispatcher,
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
      await orchestrator?.stop();
      await dispatcher?.stop();
      await database.close();
    },
  };
}
