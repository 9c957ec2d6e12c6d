import { createHash } from 'node:crypto';
import type { BuiltinPageCache } from '../storage/cdn.js';
import type { StoredObject } from '../storage/storage.js';

/**
 * Publishes seen by this process's page cache. A reader that fetched an object from storage only
 * caches it if no publish happened meanwhile; otherwise a read that started before a publish could put
 * the old page back into the cache after the publish invalidated it, and keep it there.
 */
const epochs = new WeakMap<BuiltinPageCache, number>();

export const cacheEpoch = (cache: BuiltinPageCache): number => epochs.get(cache) ?? 0;

export function bumpCacheEpoch(cache: BuiltinPageCache | undefined): void {
  if (cache) epochs.set(cache, cacheEpoch(cache) + 1);
}

// Keyed by the cached object itself, so the ETag is hashed once per published version and
// disappears with the object when the cache drops it.
const etags = new WeakMap<StoredObject, string>();

export function etagOf(object: StoredObject): string {
  let etag = etags.get(object);
  if (!etag) {
    etag = `"${createHash('sha256').update(object.body).digest('base64url').slice(0, 32)}"`;
    etags.set(object, etag);
  }
  return etag;
}

/** If-None-Match as browsers and proxies send it: a list, maybe weak, maybe "*". */
export function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((part) => {
    const tag = part.trim().replace(/^W\//, '');
    return tag === '*' || tag === etag;
  });
}

const policies = new WeakMap<StoredObject, string>();

/**
 * The Content-Security-Policy a stored page carries in its <meta> tag, sent as the header too: the two
 * can never disagree, whatever configuration rendered the page.
 */
export function policyOf(object: StoredObject, fallback: string): string {
  let policy = policies.get(object);
  if (policy === undefined) {
    const head = object.body.subarray(0, 4096).toString('utf8');
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(head)?.[1];
    policy = meta ? meta.replaceAll('&#39;', "'").replaceAll('&quot;', '"').replaceAll('&amp;', '&') : fallback;
    policies.set(object, policy);
  }
  return policy;
}

/** A published page's answers, worked out once per published version: serving one is a single write. */
export interface PageResponse {
  etag: string;
  body: Buffer;
  /** Headers of the 200 answer (security headers, CSP, ETag, Content-Length). */
  ok: Record<string, string>;
  /** Headers of the 304 answer: the same validators and policies, no body. */
  notModified: Record<string, string>;
}

const responses = new WeakMap<StoredObject, PageResponse>();

export function pageResponseOf(object: StoredObject, baseHeaders: Record<string, string>, fallbackPolicy: string): PageResponse {
  let response = responses.get(object);
  if (!response) {
    const etag = etagOf(object);
    const notModified = { ...baseHeaders, 'content-security-policy': policyOf(object, fallbackPolicy), 'cache-control': 'no-cache', etag };
    response = { etag, body: object.body, notModified, ok: { ...notModified, 'content-length': String(object.body.length) } };
    responses.set(object, response);
  }
  return response;
}
