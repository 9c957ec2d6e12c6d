import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { answerLink, viewLink, type Answer } from './magic.js';
import { linkPage, notFoundPage, pageHeaders, refusedPage, tooManyPage } from './magic-page.js';
import { SlidingWindowLimiter } from './rate-limit.js';

type TokenRequest = FastifyRequest<{ Params: { token: string } }>;

/** Magic links: the link is the only credential. GET only reads; answers are POSTs a person makes. */
export function magicRoutes(ctx: AppContext, limiter = new SlidingWindowLimiter()): FastifyPluginAsync {
  const send = (reply: FastifyReply, status: number, page: string) => reply.status(status).headers(pageHeaders).send(page);

  /** Every lookup counts against the client's address, found or not. */
  const limited = (request: FastifyRequest, reply: FastifyReply): boolean => {
    if (limiter.allow(request.ip)) return false;
    const wait = limiter.retryAfterSeconds(request.ip);
    reply.header('retry-after', String(wait));
    void send(reply, 429, tooManyPage(wait));
    return true;
  };

  const answer = (value: Answer) => async (request: TokenRequest, reply: FastifyReply) => {
    if (limited(request, reply)) return reply;
    const { token } = request.params;
    const outcome = await answerLink(ctx.db, token, value);
    if (outcome === 'not_found') return send(reply, 404, notFoundPage());
    if (outcome === 'cancelled' || outcome === 'removed') return send(reply, 409, refusedPage(outcome, token));
    // 303 turns the POST into a GET, so a reload shows the page rather than posting again.
    return reply.headers({ 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' }).redirect(`/m/${encodeURIComponent(token)}`, 303);
  };

  return async (app) => {
    // Forms post urlencoded; an empty body or any other type is read as nothing rather than refused.
    app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 4096 }, (_request, _body, done) => done(null, undefined));

    app.get('/m/:token', async (request: TokenRequest, reply) => {
      if (limited(request, reply)) return reply;
      const view = await viewLink(ctx.db, request.params.token);
      if (!view) return send(reply, 404, notFoundPage());
      return send(reply, 200, linkPage(request.params.token, view));
    });
    app.post('/m/:token/confirm', answer('confirmed'));
    app.post('/m/:token/decline', answer('declined'));
  };
}
