import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { rm } from 'node:fs/promises';
import type { AppContext } from '../context.js';
import { SlidingWindowLimiter } from '../crew/rate-limit.js';
import { AppError } from '../http/errors.js';
import { headerRefusal } from './image-guard.js';
import { MAX_PHOTO_BYTES } from './limits.js';
import { discardSink, IncomingFile } from './incoming.js';
import { boundaryOf, MultipartError, readMultipart } from './multipart.js';
import type { PhotoTable } from '../db/schema.js';
import { claimUploadKey, completeClaim, contentTypeOfKey, photoJson, registerUpload, releaseClaim, slugOfUploadKey, waitForOutcome } from './photo-store.js';
import { verifyPolicy, type UploadPolicy } from './policy.js';
import { presignUpload } from './presign.js';
import { requireOpenPage } from './upload-window.js';
import { plainFormUpload } from './form-upload.js';

export interface UploadDeps {
  ctx: AppContext;
  secret: () => Buffer;
  incoming: () => string;
  kick: () => void;
  /** Re-renders a page after its gallery changed. */
  refresh: (slug: string) => Promise<void>;
  limiter: SlidingWindowLimiter;
}

/** Counts the request against its address; a 429 with Retry-After when over. */
export function rateLimit(limiter: SlidingWindowLimiter, request: FastifyRequest, reply: FastifyReply, unreadBody = false): void {
  if (limiter.allow(request.ip)) return;
  // Closing, rather than reading a refused upload's body to its end to keep the connection.
  if (unreadBody) reply.header('connection', 'close');
  reply.header('retry-after', String(limiter.retryAfterSeconds(request.ip)));
  throw new AppError(429, 'too_many_requests', 'Too many uploads from your address in a short time. Wait a minute, then try again.');
}

export const multipartBody = (request: FastifyRequest): AsyncIterable<Buffer> => request.raw;

/**
 * Guest uploads: presign (S3 or local), Dockhand's own policy-checking endpoint for local storage, the
 * registration a page's script makes after an S3 upload, and the plain form for browsers without script.
 */
export function uploadRoutes(deps: UploadDeps) {
  const { ctx } = deps;
  return async (app: FastifyInstance) => {
    // The body stays a stream: the handlers read it part by part, so no upload is ever held in memory.
    app.addContentTypeParser('multipart/form-data', (_request, _payload, done) => done(null));

    app.post('/g/presign', async (request, reply) => {
      rateLimit(deps.limiter, request, reply);
      return presignUpload(ctx, deps.secret, request.body);
    });

    app.post('/g/upload', async (request, reply) => {
      // Before a byte of the body is read: a refused address costs us no more than its headers.
      rateLimit(deps.limiter, request, reply, true);
      const boundary = boundaryOf(request.headers['content-type']);
      if (!boundary) throw new AppError(400, 'not_multipart', 'Send the upload as multipart/form-data: the presigned fields first, the file last.');
      const declared = Number(request.headers['content-length']);
      if (declared > MAX_PHOTO_BYTES + 64 * 1024) {
        reply.header('connection', 'close');
        throw new AppError(413, 'too_large', `The upload is larger than the ${MAX_PHOTO_BYTES / (1024 * 1024)} MB a photo may be.`);
      }
      const fields: Record<string, string> = {};
      let refusal: AppError | undefined;
      let file: IncomingFile | undefined;
      let policy: UploadPolicy | undefined;
      let claim: PhotoTable | undefined;
      try {
        await readMultipart(
          multipartBody(request),
          boundary,
          {
            field: (name, value) => void (fields[name] = value),
            file: async (info) => {
              if (file || refusal) return discardSink;
              refusal = checkFields(deps.secret(), fields);
              if (refusal) return discardSink;
              policy = JSON.parse(Buffer.from(fields.policy!, 'base64url').toString('utf8')) as UploadPolicy;
              refusal = await pageRefusal(ctx, policy.slug);
              if (refusal) return discardSink;
              // One permission, one photo, decided before the body is read: of many uses at once, one gets the key.
              claim = await claimUploadKey(ctx.db, { slug: policy.slug, key: policy.key, filename: info.filename ?? null, contentType: policy.contentType, sizeBytes: 0 });
              if (!claim) {
                refusal = new AppError(409, 'already_uploaded', 'This upload permission was already used. Ask /g/presign for a new one for each photo.');
                return discardSink;
              }
              file = new IncomingFile(deps.incoming(), policy.maxBytes, info.filename ?? null, policy.contentType);
              return file;
            },
          },
          { maxParts: 20 },
        );
      } catch (error) {
        if (file) await file.discard();
        if (claim) await releaseClaim(ctx.db, claim.id);
        if (error instanceof MultipartError) throw new AppError(400, 'malformed_upload', `The upload could not be read: ${error.message}.`);
        throw error;
      }
      if (refusal) throw refusal;
      if (!file || !policy || !claim) throw new AppError(400, 'no_file', 'The upload has no file part. Send the presigned fields, then the file.');
      if (file.tooLarge || file.size === 0) {
        await file.discard();
        await releaseClaim(ctx.db, claim.id);
        if (file.tooLarge) throw new AppError(413, 'too_large', `The photo is larger than the ${policy.maxBytes / (1024 * 1024)} MB allowed.`);
        throw new AppError(400, 'empty_file', 'The file is empty. Choose a photo and try again.');
      }
      const huge = await headerRefusal(file.path, file.size, file.filename ?? 'This file');
      if (huge) {
        await file.discard();
        await releaseClaim(ctx.db, claim.id);
        throw new AppError(422, 'image_refused', huge);
      }
      try {
        await ctx.storage.putFile(policy.key, file.path, policy.contentType);
      } catch (error) {
        await releaseClaim(ctx.db, claim.id);
        throw error;
      } finally {
        await rm(file.path, { force: true });
      }
      const row = await completeClaim(ctx.db, claim.id, { filename: file.filename, sizeBytes: file.size });
      deps.kick();
      return reply.code(201).send({ key: policy.key, photo: photoJson(ctx.config.publicBaseUrl, row) });
    });

    app.post('/g/:slug/photos', async (request: FastifyRequest<{ Params: { slug: string } }>, reply) => {
      rateLimit(deps.limiter, request, reply);
      const { slug } = request.params;
      const key = (request.body as { key?: unknown } | undefined)?.key;
      if (typeof key !== 'string' || slugOfUploadKey(key) !== slug) {
        throw new AppError(422, 'invalid_key', 'Send {"key": "…"} with the key /g/presign returned for this page.');
      }
      const refused = await pageRefusal(ctx, slug);
      if (refused) {
        // A late upload to S3 for a page that no longer takes photos: nothing will process it, so it goes now.
        const owned = await ctx.db.selectFrom('photos').select('id').where('upload_key', '=', key).executeTakeFirst();
        if (!owned) await ctx.storage.delete(key);
        throw refused;
      }
      const row = await registerUpload(ctx.db, { slug, key, filename: null, contentType: contentTypeOfKey(key), sizeBytes: 0 });
      deps.kick();
      const [settled] = await waitForOutcome(ctx.db, [row.id]);
      return reply.send({ photo: photoJson(ctx.config.publicBaseUrl, settled!) });
    });

    app.post('/g/:slug/upload', plainFormUpload(deps));
  };
}

/** The page must still take photos when the body arrives, not only when the permission was given. */
async function pageRefusal(ctx: AppContext, slug: string): Promise<AppError | undefined> {
  try {
    await requireOpenPage(ctx.db, slug);
    return undefined;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
}

/** The local endpoint's share of S3's job: the signed policy, and fields that match it exactly. */
function checkFields(secret: Buffer, fields: Record<string, string>): AppError | undefined {
  const check = verifyPolicy(secret, fields.policy, fields.signature);
  if (!check.ok) return new AppError(403, 'policy_refused', check.reason);
  if (fields.key !== check.policy.key) {
    return new AppError(403, 'policy_refused', 'The key does not match the upload permission. Use the fields /g/presign returned, unchanged.');
  }
  if (fields['Content-Type'] !== check.policy.contentType || !check.policy.contentType.startsWith('image/')) {
    return new AppError(403, 'policy_refused', 'The Content-Type does not match the upload permission. Use the fields /g/presign returned, unchanged.');
  }
  return undefined;
}
