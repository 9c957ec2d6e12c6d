import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../context.js';

// Placeholder while the site service is written in parallel; replaced by the real routes.
export function siteRoutes(_ctx: AppContext): FastifyPluginAsync {
  return async () => {};
}
