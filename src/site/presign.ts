import { z } from 'zod';
import type { AppContext } from '../context.js';
import { AppError, parseInput } from '../http/errors.js';
import { S3Storage } from '../storage/s3.js';
import { isPhotoType, MAX_PHOTO_BYTES, megabytes, PRESIGN_EXPIRY_SECONDS } from './limits.js';
import { newUploadKey } from './photo-store.js';
import { signPolicy } from './policy.js';
import { requireOpenPage } from './upload-window.js';

export const presignSchema = z.strictObject({
  slug: z.string().min(1).max(120),
  filename: z.string().trim().min(1, 'must not be empty').max(255),
  content_type: z.string().trim().toLowerCase(),
  size: z.number().int('must be a whole number of bytes').min(1, 'must be more than 0 bytes'),
});

export interface PresignResult {
  url: string;
  fields: Record<string, string>;
  key: string;
  expires_at: string;
}

/** Checks that would refuse the file whatever the page: its type and its size. */
export function assertAcceptableFile(filename: string, contentType: string, size: number | undefined): void {
  if (!isPhotoType(contentType)) {
    throw new AppError(415, 'unsupported_type', `"${filename}" is not a JPEG, PNG, WebP or HEIC photo, so it cannot be uploaded.`);
  }
  if (size !== undefined && size > MAX_PHOTO_BYTES) {
    throw new AppError(413, 'too_large', `"${filename}" is ${megabytes(size)}; photos can be at most ${megabytes(MAX_PHOTO_BYTES)}.`);
  }
}

/**
 * A one-photo upload permission, confined to the page's own prefix. With S3 the bucket enforces it;
 * on the local disk Dockhand's own upload endpoint checks the same policy, signed with a secret
 * kept in the data dir.
 */
export async function presignUpload(ctx: AppContext, secret: () => Buffer, body: unknown): Promise<PresignResult> {
  const input = parseInput(presignSchema, body);
  assertAcceptableFile(input.filename, input.content_type, input.size);
  await requireOpenPage(ctx.db, input.slug);
  const key = newUploadKey(input.slug, input.content_type);
  const expiresAt = new Date(Date.now() + PRESIGN_EXPIRY_SECONDS * 1000);
  const expires_at = expiresAt.toISOString();
  if (ctx.storage instanceof S3Storage) {
    const post = await ctx.storage.presignPost({ key, contentType: input.content_type, maxBytes: MAX_PHOTO_BYTES, expiresSeconds: PRESIGN_EXPIRY_SECONDS });
    return { ...post, key, expires_at };
  }
  const signed = signPolicy(secret(), {
    key,
    slug: input.slug,
    contentType: input.content_type,
    maxBytes: MAX_PHOTO_BYTES,
    expires: Math.floor(expiresAt.getTime() / 1000),
  });
  return {
    url: `${ctx.config.publicBaseUrl}/g/upload`,
    fields: { key, 'Content-Type': input.content_type, policy: signed.policy, signature: signed.signature },
    key,
    expires_at,
  };
}
