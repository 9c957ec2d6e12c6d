import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { matchesHash } from '../config/credentials.js';
import type { AppContext } from '../context.js';
import { SlidingWindowLimiter } from '../crew/rate-limit.js';
import { html } from '../lib/html.js';
import { barePage } from './layout.js';
import { SESSION_COOKIE, SessionKeys, clearSessionCookie, readCookie, safeNext, setSessionCookie } from './session.js';

function signinForm(reply: FastifyReply, status: number, next: string, error?: string) {
  const body = html`<h1>Sign in</h1>
${error ? html`<div class="notice error" role="alert" id="signin-error">${error}</div>` : ''}
<form class="card" method="post" action="/dashboard/signin">
<input type="hidden" name="next" value="${next}">
<label for="token">Dashboard token</label>
<p class="hint" id="token-hint">Printed once when Dockhand first started, or by "dockhand keys rotate".</p>
<input id="token" name="token" type="password" autocomplete="current-password" required size="44"
 aria-describedby="token-hint${error ? ' signin-error' : ''}"${error ? html` aria-invalid="true"` : ''}>
<p><button type="submit">Sign in</button></p>
</form>`;
  return barePage(reply, status, 'Sign in', body);
}

/**
 * Sign-in is a POST, so the token never lands in a URL, a log line or the browser's history. Wrong
 * guesses are slowed per address; the cookie only proves the token was shown within the last 12 hours.
 */
export function registerSignin(app: FastifyInstance, ctx: AppContext, keys: SessionKeys): void {
  const limiter = new SlidingWindowLimiter(10, 60_000);

  app.get('/signin', (request: FastifyRequest<{ Querystring: { next?: string } }>, reply) => {
    const next = safeNext(request.query.next);
    if (keys.verify(readCookie(request, SESSION_COOKIE))) return reply.redirect(next, 303);
    return signinForm(reply, 200, next);
  });

  app.post('/signin', (request: FastifyRequest<{ Body: { token?: unknown; next?: unknown } | undefined }>, reply) => {
    const next = safeNext(request.body?.next);
    if (!limiter.allow(request.ip)) {
      reply.header('retry-after', String(limiter.retryAfterSeconds(request.ip)));
      return signinForm(reply, 429, next, 'Too many attempts from here. Wait a minute, then try again.');
    }
    const token = typeof request.body?.token === 'string' ? request.body.token.trim() : '';
    if (!token || !matchesHash(token, ctx.credentials.dashboardTokenHash)) {
      return signinForm(reply, 401, next, 'That token is not right. Check it for typos, or rotate it with "dockhand keys rotate".');
    }
    setSessionCookie(request, reply, keys.issue().cookie);
    return reply.redirect(next, 303);
  });

  // Sign-out is a POST with the form token, so a link on another site cannot sign anyone out.
  app.post('/signout', (request: FastifyRequest<{ Body: { _csrf?: unknown } | undefined }>, reply) => {
    const session = keys.verify(readCookie(request, SESSION_COOKIE));
    if (session && !keys.checkCsrf(session, request.body?._csrf)) {
      return barePage(reply, 403, 'Refused', html`<h1>Refused</h1><p>This form is missing its security token. Go back, reload the page and try again.</p>`);
    }
    if (session) keys.revoke(session);
    clearSessionCookie(request, reply);
    return reply.redirect('/dashboard/signin', 303);
  });
}
