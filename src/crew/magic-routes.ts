import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { answerLink, MAX_ANSWERS_PER_DAY, nextAnswerAt, recentAnswers, viewLink, type Answer } from './magic.js';
import { answerLimitPage, linkPage, notFoundPage, pageHeaders, refusedPage, tooManyPage } from './magic-page.js';
import { deadlineText } from './offer-emails.js';
import { offerPage, offerRefusal } from './offer-page.js';
import { acceptOffer, passOffer, viewOffer } from './offers.js';
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
    const outcome = await answerLink(ctx, token, value);
    if (outcome === 'not_found') return send(reply, 404, notFoundPage());
    if (outcome === 'too_many_changes') return answerLimited(reply, token);
    if (outcome === 'cancelled' || outcome === 'removed' || outcome === 'replaced') return send(reply, 409, refusedPage(outcome, token));
    return backToPage(reply, token);
  };

  const answerLimited = async (reply: FastifyReply, token: string) => {
    const view = await viewLink(ctx.db, token);
    if (!view) return send(reply, 404, notFoundPage());
    const until = nextAnswerAt(await recentAnswers(ctx.db, view.event.id, view.me.crew_id));
    reply.header('retry-after', String(Math.max(1, Math.ceil((until.getTime() - Date.now()) / 1000))));
    return send(reply, 429, answerLimitPage(token, view.me.status, deadlineText(until.toISOString(), view.event.timezone), MAX_ANSWERS_PER_DAY));
  };

  // 303 turns the POST into a GET, so a reload shows the page rather than posting again.
  const backToPage = (reply: FastifyReply, token: string) =>
    reply.headers({ 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' }).redirect(`/m/${encodeURIComponent(token)}`, 303);

  /** An offered place: accepting can be refused (filled, closed…); "no thanks" always lands back on the page. */
  const offer = (take: boolean) => async (request: TokenRequest, reply: FastifyReply) => {
    if (limited(request, reply)) return reply;
    const { token } = request.params;
    const outcome = take ? await acceptOffer(ctx, token) : await passOffer(ctx, token);
    if (outcome === 'not_found') return send(reply, 404, notFoundPage());
    const refused = take ? offerRefusal(outcome, token) : undefined;
    if (refused) return send(reply, refused.status, refused.page);
    return backToPage(reply, token);
  };

  return async (app) => {
    // Forms post urlencoded; an empty body or any other type is read as nothing rather than refused.
    app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 4096 }, (_request, _body, done) => done(null, undefined));

    app.get('/m/:token', async (request: TokenRequest, reply) => {
      if (limited(request, reply)) return reply;
      const { token } = request.params;
      const view = await viewLink(ctx.db, token);
      if (view) return send(reply, 200, linkPage(token, view));
      // Not a place on a crew: perhaps the offer of one. Once accepted, the same link finds the place above.
      const offered = await viewOffer(ctx.db, token);
      if (offered) return send(reply, 200, offerPage(token, offered));
      return send(reply, 404, notFoundPage());
    });
    app.post('/m/:token/confirm', answer('confirmed'));
    app.post('/m/:token/decline', answer('declined'));
    app.post('/m/:token/accept', offer(true));
    app.post('/m/:token/pass', offer(false));
  };
}
