import type { FastifyPluginAsync } from 'fastify';
import { sql } from 'kysely';
import type { AppContext } from '../context.js';
import { schemaState } from '../db/migrate.js';
import type { MailTransport } from '../mail/transport.js';

/**
 * /healthz: the process is up (for restarts). /readyz: this instance can do its work (for load
 * balancers): the database answers, its schema is current, the mail server answers (a cached SMTP
 * verify) and storage is configured.
 */
export function healthRoutes(ctx: AppContext, mail: MailTransport | undefined): FastifyPluginAsync {
  return async (app) => {
    app.get('/healthz', async () => ({ status: 'ok' }));
    app.get('/readyz', async (_request, reply) => {
      const checks: Record<string, { ok: boolean; detail: string }> = {};
      try {
        await sql`select 1`.execute(ctx.db);
        checks.database = { ok: true, detail: ctx.dialect };
        const state = await schemaState(ctx.db);
        const current = state.pending.length === 0 && state.unknown.length === 0;
        checks.migrations = { ok: current, detail: current ? 'current' : `pending: ${state.pending.join(', ') || '-'}; unknown: ${state.unknown.join(', ') || '-'}` };
      } catch (error) {
        checks.database = { ok: false, detail: (error as Error).message };
      }
      checks.mail = mail ? await mail.verify() : { ok: true, detail: 'not used by this service' };
      checks.storage = { ok: true, detail: ctx.storage.kind };
      const ready = Object.values(checks).every((c) => c.ok);
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
    });
  };
}
