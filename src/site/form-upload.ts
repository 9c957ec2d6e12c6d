import type { FastifyReply, FastifyRequest } from 'fastify';
import { rm } from 'node:fs/promises';
import { AppError } from '../http/errors.js';
import { html } from '../lib/html.js';
import { isPhotoType, MAX_FILES_PER_POST, MAX_PHOTO_BYTES, megabytes } from './limits.js';
import { discardSink, IncomingFile } from './incoming.js';
import { boundaryOf, MultipartError, readMultipart } from './multipart.js';
import { newUploadKey, registerUpload, waitForOutcome } from './photo-store.js';
import { messagePage, PLAIN_POLICY } from './render.js';
import { isValidSlug } from './slug.js';
import { requireOpenPage } from './upload-window.js';
import type { UploadDeps } from './upload-routes.js';

const pageHeaders = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': PLAIN_POLICY,
  'x-robots-tag': 'noindex, nofollow',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

/**
 * The upload form as a plain POST, for browsers running no script: the same checks as the presigned
 * path, then the photos are processed before we answer, so the redirect lands on a page that shows them.
 * Every answer is an HTML page the guest can read, never JSON.
 */
export function plainFormUpload(deps: UploadDeps) {
  const { ctx } = deps;
  return async (request: FastifyRequest<{ Params: { slug: string } }>, reply: FastifyReply) => {
    const { slug } = request.params;
    const back = isValidSlug(slug) ? `/g/${slug}/` : undefined;
    const answer = (status: number, title: string, lines: string[]) =>
      reply
        .code(status)
        .headers(pageHeaders)
        .send(messagePage(title, 'Photos', html`${lines.map((l) => html`<p>${l}</p>`)}`, back));

    if (!deps.limiter.allow(request.ip)) {
      reply.header('retry-after', String(deps.limiter.retryAfterSeconds(request.ip)));
      return answer(429, 'Please wait a moment', ['Too many uploads from your address in a short time. Wait a minute, then try again.']);
    }
    try {
      await requireOpenPage(ctx.db, slug);
    } catch (error) {
      if (error instanceof AppError) return answer(error.statusCode, 'Photos cannot be added', [error.message]);
      throw error;
    }
    const boundary = boundaryOf(request.headers['content-type']);
    if (!boundary) return answer(400, 'Nothing was uploaded', ['Choose one or more photos, then press "Upload photos".']);

    const files: IncomingFile[] = [];
    const problems: string[] = [];
    try {
      await readMultipart(request.raw, boundary, {
        field: () => undefined,
        file: (info) => {
          if (info.name !== 'photo' || !info.filename) return discardSink; // an empty file input sends a nameless part
          const type = (info.contentType ?? '').toLowerCase();
          if (!isPhotoType(type)) {
            problems.push(`"${info.filename}" is not a JPEG, PNG, WebP or HEIC photo, so it was not added.`);
            return discardSink;
          }
          if (files.length >= MAX_FILES_PER_POST) {
            problems.push(`"${info.filename}" was not added: send at most ${MAX_FILES_PER_POST} photos at a time.`);
            return discardSink;
          }
          const file = new IncomingFile(deps.incoming(), MAX_PHOTO_BYTES, info.filename, type);
          files.push(file);
          return file;
        },
      });
    } catch (error) {
      await Promise.all(files.map((f) => f.discard()));
      if (error instanceof MultipartError) return answer(400, 'The upload did not arrive', [`${error.message}. Please try again.`]);
      throw error;
    }

    const ids: string[] = [];
    for (const file of files) {
      if (file.tooLarge) problems.push(`"${file.filename}" is larger than ${megabytes(MAX_PHOTO_BYTES)}, so it was not added.`);
      if (file.tooLarge || file.size === 0) {
        await file.discard();
        continue;
      }
      const key = newUploadKey(slug, file.contentType);
      try {
        await ctx.storage.putFile(key, file.path, file.contentType);
      } finally {
        await rm(file.path, { force: true });
      }
      const row = await registerUpload(ctx.db, { slug, key, filename: file.filename, contentType: file.contentType, sizeBytes: file.size });
      ids.push(row.id);
    }
    deps.kick();
    const outcomes = await waitForOutcome(ctx.db, ids);
    for (const row of outcomes) if (row.status === 'rejected') problems.push(row.last_error ?? `"${row.filename}" was not added.`);
    const added = outcomes.filter((r) => r.status === 'ready').length;
    const pending = outcomes.filter((r) => r.status === 'uploaded' || r.status === 'processing').length;

    // The processor re-renders the page after its round; the redirect must not land before that.
    if (added) await deps.refresh(slug);
    if (problems.length === 0) return reply.header('cache-control', 'no-store').redirect(`/g/${slug}/#photos`, 303);
    const summary = [
      added ? `${added} photo${added === 1 ? ' was' : 's were'} added to the gallery.` : '',
      pending ? `${pending} photo${pending === 1 ? ' is' : 's are'} still being prepared and will appear shortly.` : '',
    ].filter(Boolean);
    const status = added || pending ? 200 : problems.some((p) => p.includes('larger than')) ? 413 : 422;
    return answer(status, added || pending ? 'Some photos were not added' : 'Your photos were not added', [...problems, ...summary]);
  };
}
