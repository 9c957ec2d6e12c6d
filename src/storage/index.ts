import { join } from 'node:path';
import type { Config } from '../config/env.js';
import { BuiltinPageCache, type Cdn } from './cdn.js';
import { LocalStorage } from './local.js';
import type { ObjectStorage } from './storage.js';

/** Where pages and photos are written: STORAGE_URL decides; the local disk by default. */
export function createStorage(config: Config): ObjectStorage {
  return new LocalStorage(join(config.dataDir, 'site'));
}

/**
 * What sits in front of the stored pages. The built-in cache only where this process both publishes
 * and serves (a site-only process would never hear of another process's publishes).
 */
export function createCdn(config: Config, servesAndPublishes: boolean): { cdn: Cdn; pageCache: BuiltinPageCache | undefined } {
  void config;
  if (!servesAndPublishes) return { cdn: { kind: 'builtin', invalidate: async () => {} }, pageCache: undefined };
  const pageCache = new BuiltinPageCache();
  return { cdn: pageCache, pageCache };
}
