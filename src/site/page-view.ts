import type { AppContext } from '../context.js';
import { S3Storage } from '../storage/s3.js';
import { readyPhotos, variantKeys } from './photo-store.js';
import { renderGuestPage, type GuestPageView } from './render.js';
import type { GuestPageContent } from './types.js';
import { uploadsCloseAt } from './upload-window.js';

/** Where browsers send photos when that is not this server: the page's policy must name it. */
export const uploadOriginOf = async (ctx: AppContext): Promise<string | undefined> =>
  ctx.storage instanceof S3Storage ? ctx.storage.uploadOrigin() : undefined;

export interface RenderedPage {
  body: Buffer;
  /** Changes whenever anything the page shows changes: compared after writing, to catch a race. */
  fingerprint: string;
}

/** The page as it should be now: the row's content plus the gallery's ready photos. */
export async function renderCurrent(ctx: AppContext, slug: string): Promise<RenderedPage> {
  const row = await ctx.db.selectFrom('site_pages').select(['content', 'version', 'updated_at']).where('slug', '=', slug).executeTakeFirstOrThrow();
  const content = JSON.parse(row.content) as GuestPageContent;
  const photos = await readyPhotos(ctx.db, slug);
  const view: GuestPageView = {
    slug,
    url: `${ctx.config.publicBaseUrl}/g/${slug}/`,
    version: row.version,
    updatedAt: row.updated_at,
    closesAt: uploadsCloseAt(content),
    uploadOrigin: await uploadOriginOf(ctx),
    photos: photos.map((p) => {
      const keys = variantKeys(slug, p.id);
      return { thumb: `/${keys.thumb}`, web: `/${keys.web}`, width: p.width ?? 0, height: p.height ?? 0 };
    }),
  };
  // Of what was rendered, not read again: a change landing between the render and a second read
  // would otherwise vouch for bytes it is not in, and an older page could have the last word.
  return { body: Buffer.from(renderGuestPage(content, view)), fingerprint: fingerprint(row.version, photos) };
}

const fingerprint = (version: number, photos: { id: string }[]) => `${version}:${photos.map((p) => p.id).join(',')}`;

export async function fingerprintOf(ctx: AppContext, slug: string): Promise<string> {
  const row = await ctx.db.selectFrom('site_pages').select('version').where('slug', '=', slug).executeTakeFirstOrThrow();
  return fingerprint(row.version, await readyPhotos(ctx.db, slug));
}
