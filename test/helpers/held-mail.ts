import type { AppContext } from '../../src/context.js';

/**
 * Makes mail that is waiting out its settle time (crew offers and withdrawals) due now and wakes the
 * dispatcher: what a test does instead of waiting five minutes.
 */
export async function releaseHeldMail(ctx: AppContext): Promise<number> {
  const now = new Date().toISOString();
  const released = await ctx.db.updateTable('outbox').set({ next_attempt_at: now }).where('status', '=', 'pending').where('next_attempt_at', '>', now).executeTakeFirst();
  ctx.mailKick();
  return Number(released.numUpdatedRows);
}
