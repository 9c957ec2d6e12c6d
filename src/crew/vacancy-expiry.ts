import { z } from 'zod';
import type { AppContext } from '../context.js';
import { defineTask, type Task } from '../jobs/types.js';
import { markUnfilled } from './vacancies.js';
import { OFFER_WINDOW_HOURS, scheduleExpiry, VACANCY_EXPIRY } from './vacancy-store.js';

const payload = z.object({ vacancy_id: z.string() });

/**
 * Tells the owner about a place nobody took within the offer window. The vacancy is closed by a
 * conditional update in the same transaction as the job's completion, so the owner is emailed once
 * even if two processes ran it. `now` is the clock: tests move it instead of waiting 12 hours.
 */
export function vacancyExpiryTask(ctx: AppContext, now: () => Date = () => new Date()): Task<z.infer<typeof payload>> {
  return defineTask({
    kind: VACANCY_EXPIRY,
    payload,
    concurrency: 4,
    maxAttempts: 8,
    run: async (job, tasks) => {
      const vacancy = await ctx.db.selectFrom('crew_vacancies').selectAll().where('id', '=', job.payload.vacancy_id).executeTakeFirst();
      if (!vacancy || vacancy.status !== 'open') return;
      let closed = false;
      await ctx.db.transaction().execute(async (tx) => {
        // Not yet due by this clock (the window was extended, or clocks differ): wait for it again.
        if (vacancy.expires_at > now().toISOString()) return scheduleExpiry(tx, vacancy);
        closed = await markUnfilled(ctx, tx, vacancy, `nobody accepted within ${OFFER_WINDOW_HOURS} hours`, 'system');
        await tasks.complete(tx, [job]);
      });
      if (closed) tasks.kick('mail.send');
    },
  });
}
