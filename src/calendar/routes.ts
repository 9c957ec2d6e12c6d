import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { requireCredential } from '../http/auth.js';
import { idempotencyKeyOf } from '../http/idempotency.js';
import { CalendarService, type CalendarEntryInput, type CalendarEntryPatch, type CalendarRange } from './service.js';

/** The calendar is the operator's: the dashboard token, never the crew-service key. */
export function operatorOnly(ctx: AppContext) {
  return requireCredential({ operator: ctx.credentials.dashboardTokenHash, service: ctx.credentials.serviceKeyHash }, 'operator');
}

type IdParams = { Params: { id: string } };
// The Body and Querystring types below are what a well-behaved caller sends, not a promise: the
// service parses every input with zod before it touches anything.

const writeOptions = (request: FastifyRequest) => ({
  idempotencyKey: idempotencyKeyOf(request),
  actor: request.credential ?? 'operator',
});

export function calendarRoutes(ctx: AppContext): FastifyPluginAsync {
  const service = new CalendarService(ctx.db);
  return async (app) => {
    // onRequest, before the body is read: a stranger's request costs no parsing and always gets 401.
    app.addHook('onRequest', operatorOnly(ctx));

    app.post<{ Body: CalendarEntryInput }>('/calendar', async (request, reply) => {
      const { entry } = await service.create(request.body, writeOptions(request));
      // A replay answers exactly as the first call did: 201 and the same entry.
      return reply.status(201).send(entry);
    });

    app.get<{ Querystring: CalendarRange }>('/calendar', async (request) => ({
      entries: await service.list(request.query),
    }));

    app.get<IdParams>('/calendar/:id', async (request) => service.get(request.params.id));

    app.patch<IdParams & { Body: CalendarEntryPatch }>('/calendar/:id', async (request) =>
      service.update(request.params.id, request.body, writeOptions(request)),
    );

    app.delete<IdParams>('/calendar/:id', async (request) => service.cancel(request.params.id, writeOptions(request)));
  };
}
