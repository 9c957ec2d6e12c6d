import { join } from 'node:path';
import type { Config } from '../config/env.js';
import { BuiltinPageCache, type Cdn } from './cdn.js';
import { CloudFrontCdn } from './cloudfront.js';
import { LocalStorage } from './local.js';
import { parseS3Url, S3Storage } from './s3.js';
import type { ObjectStorage } from './storage.js';

/** Where pages and photos are written: STORAGE_URL decides; the local disk by default. */
export function createStorage(config: Config): ObjectStorage {
  if (config.storageUrl) return new S3Storage(parseS3Url(config.storageUrl), config.s3Endpoint);
  return new LocalStorage(join(config.dataDir, 'site'));
}

/**
 * What sits in front of the stored pages. CloudFront when CDN says so; otherwise the built-in cache,
 * but only where this process both publishes and serves (a site-only process would never hear of
 * another process's publishes).
 */
export function createCdn(config: Config, servesAndPublishes: boolean): { cdn: Cdn; pageCache: BuiltinPageCache | undefined } {
  const distribution = config.cdn?.match(/^cloudfront:([A-Z0-9]+)$/)?.[1];
  if (distribution) return { cdn: new CloudFrontCdn(distribution), pageCache: undefined };
  if (!servesAndPublishes) return { cdn: { kind: 'builtin', invalidate: async () => {} }, pageCache: undefined };
  const pageCache = new BuiltinPageCache();
  return { cdn: pageCache, pageCache };
}
