import { CalendarService } from '../calendar/service.js';
import { ConfigError } from '../config/env.js';
import type { AppContext } from '../context.js';
import { CrewService } from '../crew/service.js';
import type { RunnerOptions } from '../jobs/runner.js';
import type { Task } from '../jobs/types.js';
import { SiteService } from '../site/service.js';
import { httpCalendar, inProcessCalendar } from './adapters/calendar.js';
import { httpCrew, inProcessCrew } from './adapters/crew.js';
import type { Ports } from './saga.js';
import { OrchestratorService } from './service.js';
import { bookingSyncTask, defaultSyncOptions, type SyncOptions } from './sync.js';

/** Saga tuning and the runner's; the defaults suit production, tests shorten them. */
export type EngineOptions = SyncOptions & RunnerOptions;

export interface Orchestrator {
  service: OrchestratorService;
  /** The booking saga as a job kind, for the runner of whichever process syncs. */
  task: Task<{ booking_id: string }>;
}

/**
 * Wires the saga to the three systems: the built-in services in-process, or remote ones when
 * CALENDAR_URL / CREW_URL say so; a remote one needs the credential it checks, named if missing.
 */
export function createPorts(ctx: AppContext, timeoutMs: number): Ports {
  const { config } = ctx;
  let calendar = inProcessCalendar(new CalendarService(ctx.db));
  if (config.calendarUrl) {
    if (!config.dashboardToken) throw new ConfigError('DASHBOARD_TOKEN', 'is required to reach the calendar service at CALENDAR_URL');
    calendar = httpCalendar({ baseUrl: config.calendarUrl, credential: config.dashboardToken, timeoutMs });
  }
  let crew = inProcessCrew(new CrewService(ctx));
  if (config.crewUrl) {
    if (!config.serviceKey) throw new ConfigError('SERVICE_KEY', 'is required to reach the crew service at CREW_URL (the plain key, not its hash)');
    crew = httpCrew({ baseUrl: config.crewUrl, credential: config.serviceKey, timeoutMs });
  }
  return { calendar, crew, site: new SiteService(ctx) };
}

export function createOrchestrator(ctx: AppContext, options: Partial<SyncOptions> = {}, owner: () => string = () => `pid-${process.pid}`): Orchestrator {
  const syncOptions = { ...defaultSyncOptions, ...options };
  const ports = createPorts(ctx, syncOptions.stepTimeoutMs);
  return { service: new OrchestratorService(ctx, ports), task: bookingSyncTask(ctx, ports, syncOptions, owner) };
}
