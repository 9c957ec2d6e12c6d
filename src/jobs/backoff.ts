/**
 * The one retry formula for every kind of job: exponential from 500 ms, capped at 5 minutes, with full
 * jitter so that retries from many jobs that failed together do not come back together.
 */
export const BACKOFF_BASE_MS = 500;
export const BACKOFF_MAX_MS = 300_000;

export function backoffMs(attempt: number, random: () => number = Math.random, base = BACKOFF_BASE_MS, max = BACKOFF_MAX_MS): number {
  const ceiling = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
