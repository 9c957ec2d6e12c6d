import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../context.js';

// Placeholder while the calendar service is written in parallel; replaced by the real routes.
export function calendarRoutes(_ctx: AppContext): FastifyPluginAsync {
  return async () => {};
}
