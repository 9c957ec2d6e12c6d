import type { AppContext } from '../../src/context.js';
import { MAIL } from '../../src/mail/send-task.js';

/**
 * Makes mail that is waiting out its settle time (crew offers and withdrawals) due now and wakes the
 * senders: what a test does instead of waiting five minutes.
 */
export async function releaseHeldMail(ctx: AppContext): Promise<number> {
  const now = new Date().toISOString();
  const released = await ctx.db.updateTable('jobs').set({ run_at: now }).where('kind', '=', MAIL).where('run_at', '>', now).where('locked_by', 'is', null).executeTakeFirst();
  ctx.mailKick();
  return Number(released.numUpdatedRows);
}
