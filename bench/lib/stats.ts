/** Small helpers shared by the bench scenarios: percentiles, formatting, sleeping. */

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Nearest-rank percentile of an ascending array; 0 for an empty one. */
export const percentile = (sorted: number[], p: number): number =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;

export const fmt = (n: number | undefined, digits = 1): string => (n === undefined || !Number.isFinite(n) ? 'n/a' : n.toFixed(digits));

export const envNumber = (name: string, fallback: number): number => {
  const raw = process.env[name];
  const n = raw === undefined || raw === '' ? NaN : Number(raw);
  return Number.isFinite(n) && n > 0 ? n : fallback;
};

export function line(label: string, text: string): void {
  console.log(`  ${label.padEnd(26)} ${text}`);
}
