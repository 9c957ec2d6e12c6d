import type { BookingView } from './types.js';

/**
 * How a person is told where a booking's emails stand. Mail kept in the local outbox was never sent,
 * and mail given up on is failing: neither is ever called "delivered".
 */
export function mailWords(n: BookingView['steps']['notifications']): string {
  const delivered = n.sent - n.kept_locally;
  const parts = [`${delivered} of ${n.total} emails delivered`];
  if (n.kept_locally > 0) parts.push(`${n.kept_locally} kept in the local outbox, not sent (no SMTP_URL)`);
  if (n.failed > 0) parts.push(`${n.failed} failing`);
  return parts.join('; ');
}
