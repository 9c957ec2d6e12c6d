import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { join } from 'node:path';
import { CalendarService } from '../calendar/service.js';
import { secretFile } from '../config/private.js';
import type { AppContext } from '../context.js';
import { CrewService } from '../crew/service.js';
import { AppError } from '../http/errors.js';
import { html } from '../lib/html.js';
import type { Orchestrator } from '../orchestrator/index.js';
import { registerAssets } from './assets.js';
import { registerBookingPages } from './bookings.js';
import { registerBookingActions } from './booking-actions.js';
import { registerCalendar } from './calendar.js';
import { registerCrewPages } from './crew.js';
import type { Deps } from './data.js';
import { registerImport } from './import.js';
import { barePage, page } from './layout.js';
import { registerMail } from './mail.js';
import { RevokedSessions, SESSION_COOKIE, SessionKeys, readCookie } from './session.js';
import { registerSignin } from './signin.js';

/**
 * The operator's dashboard, server-rendered under /dashboard (the bare API paths such as GET /bookings
 * stay JSON). It holds no data of its own: every page reads and writes through the same services the
 * API and the CLI use.
 */
export function dashboardRoutes(ctx: AppContext, orchestrator: Orchestrator): FastifyPluginAsync {
  const deps: Deps = { ctx, bookings: orchestrator.service, calendar: new CalendarService(ctx.db), crew: new CrewService(ctx) };
  const keys = new SessionKeys(
    ctx.credentials.dashboardTokenHash,
    secretFile(ctx.config.dataDir, 'session-secret'),
    new RevokedSessions(join(ctx.config.dataDir, 'revoked-sessions.json')),
  );
  return async (app) => {
    app.get('/', (_request, reply) => reply.redirect('/dashboard/', 303));
    registerAssets(app);
    await app.register(
      async (dash) => {
        dash.setErrorHandler((error, request, reply) => errorPage(request, reply, error));
        dash.setNotFoundHandler((request, reply) => notFoundPage(request, reply));
        dash.addHook('onRequest', sameOrigin);
        registerSignin(dash, ctx, keys);
        await dash.register(async (secured) => {
          // The session is checked before the body is read; the form token, which may be in it, after.
          secured.addHook('onRequest', (request, reply) => requireSession(keys, request, reply));
          secured.addHook('preHandler', (request, reply) => requireCsrf(keys, request, reply));
          secured.get('/', (_request, reply) => reply.redirect('/dashboard/calendar', 303));
          registerCalendar(secured, deps);
          registerBookingPages(secured, deps);
          registerBookingActions(secured, deps);
          registerImport(secured, deps);
          registerCrewPages(secured, deps);
          registerMail(secured, deps);
        });
      },
      { prefix: '/dashboard' },
    );
  };
}

const wantsJson = (request: FastifyRequest) => (request.headers['content-type'] ?? '').includes('application/json');

/** A cross-site form post is refused before anything reads it; browsers send Origin on every POST. */
async function sameOrigin(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (request.method === 'GET' || request.method === 'HEAD') return;
  const origin = request.headers.origin;
  if (origin === undefined) return;
  let host: string | undefined;
  try {
    host = new URL(origin).host;
  } catch {
    host = undefined;
  }
  if (host !== request.host) await refuse(request, reply, 'This form came from another site, so it was refused.');
}

async function requireSession(keys: SessionKeys, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const session = keys.verify(readCookie(request, SESSION_COOKIE));
  if (!session) {
    if (wantsJson(request)) {
      await reply.status(401).send({ error: 'signed_out', message: 'Your session has ended. Sign in again and retry.' });
      return;
    }
    const next = request.method === 'GET' ? request.url : '/dashboard/';
    await reply.redirect(`/dashboard/signin?next=${encodeURIComponent(next)}`, 303);
    return;
  }
  request.dashboard = { sid: session.sid, csrf: keys.csrfFor(session), session };
}

async function requireCsrf(keys: SessionKeys, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const session = request.dashboard?.session;
  if (!session || request.method === 'GET' || request.method === 'HEAD') return;
  const body = request.body as Record<string, unknown> | undefined;
  const presented = request.headers['x-csrf-token'] ?? body?._csrf;
  if (!keys.checkCsrf(session, presented)) {
    await refuse(request, reply, 'This form is missing its security token or it has expired. Go back, reload the page and try again.');
  }
}

async function refuse(request: FastifyRequest, reply: FastifyReply, message: string): Promise<void> {
  if (wantsJson(request)) {
    await reply.status(403).send({ error: 'forbidden', message });
    return;
  }
  await barePage(reply, 403, 'Refused', html`<h1>Refused</h1><p>${message}</p><p><a href="/dashboard/">Back to the dashboard</a></p>`);
}

function notFoundPage(request: FastifyRequest, reply: FastifyReply) {
  const message = `There is no dashboard page at ${request.url.split('?')[0]}.`;
  return request.dashboard
    ? page(request, reply, { title: 'Not found', section: 'none', status: 404, body: html`<h1>Not found</h1><p>${message}</p>` })
    : barePage(reply, 404, 'Not found', html`<h1>Not found</h1><p>${message} <a href="/dashboard/">Go to the dashboard</a>.</p>`);
}

function errorPage(request: FastifyRequest, reply: FastifyReply, error: unknown) {
  const known = error instanceof AppError;
  const status = known ? error.statusCode : ((error as { statusCode?: number }).statusCode ?? 500);
  if (!known && status >= 500) request.log.error({ err: error }, 'dashboard error');
  const message = known || status < 500 ? (error as Error).message : 'Something went wrong on our side; it has been logged. Try again.';
  if (wantsJson(request)) return reply.status(status).send({ error: known ? error.code : 'error', message });
  const body = html`<h1>${status === 404 ? 'Not found' : 'Something went wrong'}</h1><p>${message}</p>`;
  return request.dashboard ? page(request, reply, { title: 'Error', section: 'none', status, body }) : barePage(reply, status, 'Error', body);
}

