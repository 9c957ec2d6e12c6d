import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import type { StoredObject } from '../storage/storage.js';
import { cacheEpoch, etagOf, matchesIfNoneMatch } from './cache.js';
import { CONTENT_SECURITY_POLICY, notFoundPage } from './render.js';
import { isValidSlug, objectKey, objectPath } from './slug.js';

// The same on every answer, page or 404: the page is private to whoever holds the link.
const securityHeaders = {
  'content-type': 'text/html; charset=utf-8',
  'x-robots-tag': 'noindex, nofollow',
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};

const notFoundBody = Buffer.from(notFoundPage);

/**
 * The public guest pages: `/g/<slug>/` and `/g/<slug>` serve the object `g/<slug>.html`, as the
 * origin's rewrite rule did. No database on this path: the built-in cache holds the bytes and the
 * ETag, and a miss is one storage read.
 */
export function siteRoutes(ctx: AppContext): FastifyPluginAsync {
  async function load(slug: string): Promise<StoredObject | undefined> {
    const cache = ctx.pageCache;
    if (!cache) return ctx.storage.get(objectKey(slug));
    const path = objectPath(slug);
    const hit = cache.get(path);
    if (hit) return hit;
    const epoch = cacheEpoch(cache);
    const object = await ctx.storage.get(objectKey(slug));
    // A publish during the read may have replaced what we just read: serve it once, but don't keep it.
    if (object && cacheEpoch(cache) === epoch) cache.set(path, object);
    return object;
  }

  async function servePage(request: FastifyRequest<{ Params: { slug: string } }>, reply: FastifyReply) {
    const { slug } = request.params;
    const object = isValidSlug(slug) ? await load(slug) : undefined;
    if (!object) {
      return reply.code(404).headers(securityHeaders).header('cache-control', 'no-store').send(notFoundBody);
    }
    const etag = etagOf(object);
    // Browsers revalidate every time; the answer is a cheap 304 until a publish changes the bytes.
    reply.headers(securityHeaders).header('cache-control', 'no-cache').header('etag', etag);
    if (matchesIfNoneMatch(request.headers['if-none-match'], etag)) return reply.code(304).send();
    return reply.send(object.body);
  }

  return async (app) => {
    app.get('/g/:slug', servePage);
    app.get('/g/:slug/', servePage);
  };
}
