import { CalendarService } from '../calendar/service.js';
import { ConfigError } from '../config/env.js';
import type { AppContext } from '../context.js';
import { CrewService } from '../crew/service.js';
import { SiteService } from '../site/service.js';
import { httpCalendar, inProcessCalendar } from './adapters/calendar.js';
import { httpCrew, inProcessCrew } from './adapters/crew.js';
import { SagaEngine, defaultEngineOptions, type EngineOptions } from './engine.js';
import type { Ports } from './saga.js';
import { OrchestratorService } from './service.js';

export interface Orchestrator {
  service: OrchestratorService;
  engine: SagaEngine;
  start(): void;
  stop(): Promise<void>;
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

/** `announce` tells other processes (workers on PostgreSQL) that a booking has work due. */
export function createOrchestrator(ctx: AppContext, options: Partial<EngineOptions> = {}, announce: () => void = () => {}): Orchestrator {
  const engineOptions = { ...defaultEngineOptions, ...options };
  const ports = createPorts(ctx, engineOptions.stepTimeoutMs);
  const engine = new SagaEngine(ctx, ports, engineOptions);
  const service = new OrchestratorService(ctx, ports, () => {
    engine.kick();
    announce();
  });
  return { service, engine, start: () => engine.start(), stop: () => engine.stop() };
}
