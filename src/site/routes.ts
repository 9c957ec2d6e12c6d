import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { SlidingWindowLimiter } from '../crew/rate-limit.js';
import type { StoredObject } from '../storage/storage.js';
import { cacheEpoch, matchesIfNoneMatch, pageResponseOf } from './cache.js';
import { installPageFastPath } from './fast-path.js';
import { galleryRoutes } from './gallery-routes.js';
import { incomingDir } from './incoming.js';
import { loadUploadSecret } from './policy.js';
import { PHOTO } from './photo-store.js';
import { notFoundPage, PLAIN_POLICY } from './render.js';
import { SiteService } from './service.js';
import { isValidSlug, objectKey, objectPath } from './slug.js';
import { uploadRoutes } from './upload-routes.js';

// The same on every answer, page or 404: the page is private to whoever holds the link.
const securityHeaders = {
  'content-type': 'text/html; charset=utf-8',
  'x-robots-tag': 'noindex, nofollow',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};

const notFoundBody = Buffer.from(notFoundPage);

export interface SiteRouteOptions {
  /** Per-address limit on presigns, registrations and form posts. */
  uploadLimiter?: SlidingWindowLimiter;
}

/**
 * The public guest site. `/g/<slug>/` and `/g/<slug>` serve the object `g/<slug>.html`, as the
 * origin's rewrite rule did: no database on that path, the built-in cache holds the bytes and the
 * ETag, and a miss is one storage read. Uploads and the gallery live here too; the photo processor is a job (processor.ts).
 */
export function siteRoutes(ctx: AppContext, options: SiteRouteOptions = {}): FastifyPluginAsync {
  const site = new SiteService(ctx);
  const refresh = (slug: string) => site.refresh(slug);
  let secret: Buffer | undefined;
  let incoming: string | undefined;

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
      return reply.code(404).headers(securityHeaders).header('content-security-policy', PLAIN_POLICY).header('cache-control', 'no-store').send(notFoundBody);
    }
    // Browsers revalidate every time; the answer is a cheap 304 until a publish changes the bytes.
    // Headers and validators are worked out once per published version; the bytes go out in one
    // write, past Fastify's reply pipeline (nothing in it applies to a page: no serializer, no hooks).
    const page = pageResponseOf(object, securityHeaders, PLAIN_POLICY);
    reply.hijack();
    if (matchesIfNoneMatch(request.headers['if-none-match'], page.etag)) reply.raw.writeHead(304, page.notModified).end();
    else reply.raw.writeHead(200, page.ok).end(page.body);
  }

  return async (app) => {
    app.get('/g/:slug', servePage);
    app.get('/g/:slug/', servePage);
    const cache = ctx.pageCache;
    if (cache) {
      // Cached pages are answered ahead of Fastify (fast-path.ts): the same bytes and headers servePage sends.
      app.addHook('onReady', async () => {
        installPageFastPath(app.server, (slug) => {
          const object = cache.get(objectPath(slug));
          return object && pageResponseOf(object, securityHeaders, PLAIN_POLICY);
        });
      });
    }
    await app.register(
      uploadRoutes({
        ctx,
        secret: () => (secret ??= loadUploadSecret(ctx.config.dataDir)),
        incoming: () => (incoming ??= incomingDir(ctx.config.dataDir)),
        kick: () => ctx.jobs.kick(PHOTO),
        refresh,
        limiter: options.uploadLimiter ?? new SlidingWindowLimiter(120, 60_000),
      }),
    );
    await app.register(galleryRoutes(ctx, refresh));
  };
}
