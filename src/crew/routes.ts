import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../context.js';

// Placeholder while the crew service is written in parallel; replaced by the real routes.
export function crewRoutes(_ctx: AppContext): FastifyPluginAsync {
  return async () => {};
}
