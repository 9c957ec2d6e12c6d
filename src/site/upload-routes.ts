import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { rm } from 'node:fs/promises';
import type { AppContext } from '../context.js';
import { SlidingWindowLimiter } from '../crew/rate-limit.js';
import { AppError } from '../http/errors.js';
import { MAX_PHOTO_BYTES } from './limits.js';
import { discardSink, IncomingFile } from './incoming.js';
import { boundaryOf, MultipartError, readMultipart } from './multipart.js';
import { photoJson, registerUpload, slugOfUploadKey, contentTypeOfKey, waitForOutcome } from './photo-store.js';
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
export function rateLimit(limiter: SlidingWindowLimiter, request: FastifyRequest, reply: FastifyReply): void {
  if (limiter.allow(request.ip)) return;
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
              // One permission, one photo: a second body for a key already taken would never be processed.
              if (await ctx.db.selectFrom('photos').select('id').where('upload_key', '=', policy.key).executeTakeFirst()) {
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
        if (error instanceof MultipartError) throw new AppError(400, 'malformed_upload', `The upload could not be read: ${error.message}.`);
        throw error;
      }
      if (refusal) throw refusal;
      if (!file || !policy) throw new AppError(400, 'no_file', 'The upload has no file part. Send the presigned fields, then the file.');
      if (file.tooLarge) throw new AppError(413, 'too_large', `The photo is larger than the ${policy.maxBytes / (1024 * 1024)} MB allowed.`);
      if (file.size === 0) {
        await file.discard();
        throw new AppError(400, 'empty_file', 'The file is empty. Choose a photo and try again.');
      }
      try {
        await ctx.storage.putFile(policy.key, file.path, policy.contentType);
      } finally {
        await rm(file.path, { force: true });
      }
      const row = await registerUpload(ctx.db, { slug: policy.slug, key: policy.key, filename: file.filename, contentType: policy.contentType, sizeBytes: file.size });
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
      await requireOpenPage(ctx.db, slug);
      const row = await registerUpload(ctx.db, { slug, key, filename: null, contentType: contentTypeOfKey(key), sizeBytes: 0 });
      deps.kick();
      const [settled] = await waitForOutcome(ctx.db, [row.id]);
      return reply.send({ photo: photoJson(ctx.config.publicBaseUrl, settled!) });
    });

    app.post('/g/:slug/upload', plainFormUpload(deps));
  };
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
