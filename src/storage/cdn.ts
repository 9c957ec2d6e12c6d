import type { StoredObject } from './storage.js';

/** What sits in front of published objects: the built-in page cache now, CloudFront later. */
export interface Cdn {
  readonly kind: 'builtin' | 'cloudfront';
  invalidate(paths: string[]): Promise<void>;
}

/**
 * The embedded default's CDN: published objects kept in memory by request path, so the guest page is
 * served without touching the disk; publishing invalidates the paths as CloudFront would.
 */
export class BuiltinPageCache implements Cdn {
  readonly kind = 'builtin' as const;
  private readonly entries = new Map<string, StoredObject>();

  constructor(private readonly maxEntries = 5000) {}

  get(path: string): StoredObject | undefined {
    return this.entries.get(path);
  }

  set(path: string, object: StoredObject): void {
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(path, object);
  }

  async invalidate(paths: string[]): Promise<void> {
    for (const path of paths) this.entries.delete(path);
  }
}
