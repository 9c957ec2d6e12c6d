import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { once } from 'node:events';
import { ZipArchive } from 'archiver';
import type { AppContext } from '../context.js';
import { audit } from '../db/audit.js';
import { nowIso } from '../db/ids.js';
import { requireCredential } from '../http/auth.js';
import { AppError } from '../http/errors.js';
import { photoJson, readyPhotos, VARIANT_FILE, variantKeys } from './photo-store.js';
import { isValidSlug } from './slug.js';
import { uploadsCloseAt } from './upload-window.js';
import type { GuestPageContent } from './types.js';

type SlugRequest = FastifyRequest<{ Params: { slug: string } }>;

const variantTypes: Record<string, string> = { 't.webp': 'image/webp', 'w.webp': 'image/webp', 'o.jpg': 'image/jpeg' };

/** The gallery: JSON for scripts, the photo files themselves, one zip of them all, and the operator's hide. */
export function galleryRoutes(ctx: AppContext, refresh: (slug: string) => Promise<void>) {
  async function pageOf(slug: string) {
    const row = isValidSlug(slug) ? await ctx.db.selectFrom('site_pages').select(['slug', 'status', 'content']).where('slug', '=', slug).executeTakeFirst() : undefined;
    if (!row) throw new AppError(404, 'page_not_found', `There is no charter page "${slug}". Check the link.`);
    return row;
  }

  return async (app: FastifyInstance) => {
    app.get('/g/:slug/photos', async (request: SlugRequest, reply) => {
      const page = await pageOf(request.params.slug);
      const closesAt = uploadsCloseAt(JSON.parse(page.content) as GuestPageContent);
      const base = ctx.config.publicBaseUrl;
      const photos = await readyPhotos(ctx.db, page.slug);
      reply.header('cache-control', 'no-cache');
      return {
        slug: page.slug,
        uploads_open: page.status !== 'cancelled' && new Date().toISOString() <= closesAt,
        closes_at: closesAt,
        download_url: photos.length ? `${base}/g/${page.slug}/photos.zip` : null,
        photos: photos.map((p) => photoJson(base, p)),
      };
    });

    // With CloudFront these come from the bucket directly; through Dockhand they are read from storage.
    app.get('/g/:slug/p/:file', async (request: FastifyRequest<{ Params: { slug: string; file: string } }>, reply: FastifyReply) => {
      const { slug, file } = request.params;
      const match = VARIANT_FILE.exec(file);
      const object = isValidSlug(slug) && match ? await ctx.storage.get(`g/${slug}/p/${file}`) : undefined;
      if (!object || !match) throw new AppError(404, 'not_found', 'No such photo. It may have been removed.');
      return reply
        .headers({ 'content-type': variantTypes[match[2]!]!, 'cache-control': 'public, max-age=31536000, immutable', 'x-content-type-options': 'nosniff' })
        .send(object.body);
    });

    app.get('/g/:slug/photos.zip', async (request: SlugRequest, reply) => {
      const page = await pageOf(request.params.slug);
      const photos = await readyPhotos(ctx.db, page.slug);
      if (photos.length === 0) throw new AppError(404, 'no_photos', 'There are no photos on this page yet.');
      // Stored, not deflated: JPEGs do not shrink, and storing keeps the server's CPU for others.
      const archive = new ZipArchive({ store: true });
      reply.headers({
        'content-type': 'application/zip',
        'content-disposition': `attachment; filename="${page.slug}-photos.zip"`,
        'cache-control': 'no-store',
      });
      void (async () => {
        try {
          for (const [i, photo] of photos.entries()) {
            const object = await ctx.storage.get(variantKeys(page.slug, photo.id).full);
            if (!object) continue;
            archive.append(object.body, { name: `photo-${String(i + 1).padStart(3, '0')}.jpg`, date: new Date(photo.created_at) });
            // One photo in memory at a time: the next is read once this one is in the stream.
            await once(archive, 'entry');
          }
          await archive.finalize();
        } catch (error) {
          request.log.error({ err: error }, 'zip of photos failed');
          archive.abort();
        }
      })();
      return reply.send(archive);
    });

    app.delete<{ Params: { slug: string; id: string } }>(
      '/g/:slug/photos/:id',
      { onRequest: requireCredential({ operator: ctx.credentials.dashboardTokenHash, service: ctx.credentials.serviceKeyHash }, 'operator') },
      async (request) => {
        const { slug, id } = request.params;
        const photo = await ctx.db.selectFrom('photos').selectAll().where('slug', '=', slug).where('id', '=', id).executeTakeFirst();
        if (!photo) throw new AppError(404, 'not_found', `No photo "${id}" on page "${slug}". List them with GET /g/${slug}/photos.`);
        if (photo.status !== 'hidden') {
          await ctx.db.transaction().execute(async (trx) => {
            await trx.updateTable('photos').set({ status: 'hidden', updated_at: nowIso() }).where('id', '=', id).execute();
            await audit(trx, { actor: 'operator', entity: 'photo', entityId: id, action: 'hidden', data: { slug, previous: photo.status } });
          });
          // The page first, so nothing links to the files by the time they go.
          await refresh(slug);
          const keys = Object.values(variantKeys(slug, id));
          for (const key of keys) await ctx.storage.delete(key);
          await ctx.cdn.invalidate(keys.map((k) => `/${k}`));
        }
        return { id, status: 'hidden' };
      },
    );
  };
}
