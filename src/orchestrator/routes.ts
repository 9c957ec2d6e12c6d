import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../context.js';
import type { Orchestrator } from './index.js';

export function orchestratorRoutes(_ctx: AppContext, _o: Orchestrator): FastifyPluginAsync {
  return async () => {};
}
