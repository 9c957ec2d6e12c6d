/**
 * A sliding-window limit per key (the client address) kept in memory: enough to make guessing magic
 * links slow from one address. Per process; a split deployment with many crew processes multiplies it.
 */
export class SlidingWindowLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    readonly limit = 60,
    readonly windowMs = 60_000,
    private readonly maxKeys = 50_000,
  ) {}

  /** Counts one hit; false when the key is over its limit for the current window. */
  allow(key: string, now = Date.now()): boolean {
    const since = now - this.windowMs;
    const recent = (this.hits.get(key) ?? []).filter((t) => t > since);
    const allowed = recent.length < this.limit;
    if (allowed) recent.push(now);
    this.hits.delete(key); // re-inserted last, so the map's order is least-recently-seen first
    this.hits.set(key, recent);
    if (this.hits.size > this.maxKeys) this.evict(since);
    return allowed;
  }

  /** Seconds until the oldest hit in the window leaves it. */
  retryAfterSeconds(key: string, now = Date.now()): number {
    const oldest = this.hits.get(key)?.[0];
    return oldest === undefined ? 0 : Math.max(1, Math.ceil((oldest + this.windowMs - now) / 1000));
  }

  private evict(since: number): void {
    for (const [key, times] of this.hits) {
      if (this.hits.size <= this.maxKeys / 2) break;
      if ((times.at(-1) ?? 0) <= since || this.hits.size > this.maxKeys) this.hits.delete(key);
    }
  }
}
