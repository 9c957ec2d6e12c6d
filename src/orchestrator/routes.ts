import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { requireCredential } from '../http/auth.js';
import { AppError, parseInput } from '../http/errors.js';
import { idempotencyKeyOf } from '../http/idempotency.js';
import type { Orchestrator } from './index.js';

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date written YYYY-MM-DD');
const listQuery = z.object({
  status: z.enum(['pending', 'syncing', 'synced', 'failed', 'conflict', 'cancelled']).optional(),
  from: date.optional(),
  to: date.optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

function versionFrom(ifMatch: string | string[] | undefined): number | undefined {
  if (typeof ifMatch !== 'string' || ifMatch === '') return undefined;
  const version = Number(ifMatch.replace(/^W\//, '').replace(/"/g, ''));
  if (!Number.isInteger(version) || version < 1) {
    throw new AppError(400, 'bad_if_match', 'If-Match must carry the booking version you last read, like If-Match: "3".');
  }
  return version;
}

export function orchestratorRoutes(ctx: AppContext, orchestrator: Orchestrator): FastifyPluginAsync {
  const bookings = orchestrator.service;
  return async (app) => {
    app.addHook('onRequest', requireCredential({ operator: ctx.credentials.dashboardTokenHash, service: ctx.credentials.serviceKeyHash }, 'operator'));
    const actor = 'operator';

    // A re-sent booking whose facts differ is a 409 unless the caller asks for it to be taken as a change.
    const submitQuery = z.strictObject({ on_conflict: z.enum(['refuse', 'change']).optional() });
    app.post('/bookings', async (request, reply) => {
      const { on_conflict: onConflict } = parseInput(submitQuery, request.query, 'query');
      const { id, created, changed } = await bookings.submit(request.body, idempotencyKeyOf(request), actor, onConflict);
      return reply.status(created || changed ? 202 : 200).send({ id, status_url: bookings.statusUrl(id), ...(changed ? { changed: true } : {}) });
    });

    app.get('/bookings', async (request) => ({ bookings: await bookings.list(parseInput(listQuery, request.query, 'query')) }));

    app.get<{ Params: { id: string } }>('/bookings/:id', async (request, reply) => {
      const view = await bookings.get(request.params.id);
      return reply.header('etag', `"${view.version}"`).send(view);
    });

    app.patch<{ Params: { id: string } }>('/bookings/:id', async (request, reply) => {
      const view = await bookings.change(request.params.id, request.body, versionFrom(request.headers['if-match']), actor);
      return reply.status(202).header('etag', `"${view.version}"`).send(view);
    });

    app.delete<{ Params: { id: string } }>('/bookings/:id', async (request, reply) => {
      return reply.status(202).send(await bookings.cancel(request.params.id, actor));
    });

    const retryBody = z.strictObject({ force: z.boolean().optional() }).nullish();
    app.post<{ Params: { id: string } }>('/bookings/:id/retry', async (request, reply) => {
      const body = parseInput(retryBody, request.body);
      return reply.status(202).send(await bookings.retry(request.params.id, actor, body?.force ?? false));
    });
  };
}
