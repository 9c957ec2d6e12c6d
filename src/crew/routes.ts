import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { requireCredential } from '../http/auth.js';
import { idempotencyKeyOf } from '../http/idempotency.js';
import { magicRoutes } from './magic-routes.js';
import { CrewService } from './service.js';
import type { CrewEventInput, CrewEventPatch, CrewMemberInput, CrewMemberPatch } from './types.js';

type IdRequest = FastifyRequest<{ Params: { id: string } }>;

const actorOf = (request: FastifyRequest): string => request.credential ?? 'unknown';

/** The crew service's HTTP API: the roster (operator or service key), events (service key) and magic links. */
export function crewRoutes(ctx: AppContext): FastifyPluginAsync {
  const service = new CrewService(ctx);
  const hashes = { operator: ctx.credentials.dashboardTokenHash, service: ctx.credentials.serviceKeyHash };

  const roster: FastifyPluginAsync = async (app) => {
    app.addHook('onRequest', requireCredential(hashes, 'operator', 'service'));
    app.get('/crew', async () => ({ crew: await service.listCrew() }));
    app.post('/crew', async (request, reply) => {
      const member = await service.addCrew(request.body as CrewMemberInput, actorOf(request));
      return reply.status(201).send(member);
    });
    app.get('/crew/:id', async (request: IdRequest) => service.getCrew(request.params.id));
    app.patch('/crew/:id', async (request: IdRequest) => service.updateCrew(request.params.id, request.body as CrewMemberPatch, actorOf(request)));
    app.delete('/crew/:id', async (request: IdRequest) => {
      await service.removeCrew(request.params.id, actorOf(request));
      return { id: request.params.id, removed: true };
    });
  };

  const events: FastifyPluginAsync = async (app) => {
    app.addHook('onRequest', requireCredential(hashes, 'service'));
    app.post('/events', async (request, reply) => {
      const result = await service.createEvent(request.body as CrewEventInput, {
        idempotencyKey: idempotencyKeyOf(request),
        actor: actorOf(request),
      });
      return reply.status(result.statusCode).send(result.body);
    });
    app.get('/events/:id', async (request: IdRequest) => service.getEvent(request.params.id));
    app.patch('/events/:id', async (request: IdRequest) =>
      service.updateEvent(request.params.id, request.body as CrewEventPatch, { idempotencyKey: idempotencyKeyOf(request), actor: actorOf(request) }),
    );
    app.delete('/events/:id', async (request: IdRequest) =>
      service.cancelEvent(request.params.id, { idempotencyKey: idempotencyKeyOf(request), actor: actorOf(request) }),
    );
    app.post('/events/:id/crew/:crewId/resend', async (request: FastifyRequest<{ Params: { id: string; crewId: string } }>, reply) => {
      await service.resendLink(request.params.id, request.params.crewId, actorOf(request));
      return reply.status(202).send({ event_id: request.params.id, crew_id: request.params.crewId, resent: true });
    });
  };

  return async (app) => {
    await app.register(roster);
    await app.register(events);
    await app.register(magicRoutes(ctx));
  };
}
