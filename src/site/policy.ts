import { createHmac, timingSafeEqual } from 'node:crypto';
import { secretFile } from '../config/private.js';

/**
 * The local stand-in for S3's POST policy: what Dockhand's own upload endpoint will accept, signed
 * with a secret only this data dir holds, so a browser can carry it but not change it.
 */
export interface UploadPolicy {
  /** The one key the upload may be stored under. */
  key: string;
  slug: string;
  contentType: string;
  maxBytes: number;
  /** Unix seconds. */
  expires: number;
}

export type PolicyCheck = { ok: true; policy: UploadPolicy } | { ok: false; reason: string };

/** The signing secret: random, made once, kept beside the database and readable by its owner only. */
export const loadUploadSecret = (dataDir: string): Buffer => secretFile(dataDir, 'upload-secret');

const sign = (secret: Buffer, encoded: string) => createHmac('sha256', secret).update(`dockhand-upload-v1.${encoded}`).digest('base64url');

export function signPolicy(secret: Buffer, policy: UploadPolicy): { policy: string; signature: string } {
  const encoded = Buffer.from(JSON.stringify(policy)).toString('base64url');
  return { policy: encoded, signature: sign(secret, encoded) };
}

/** Checks the signature first, then expiry: a forged policy learns nothing about its contents. */
export function verifyPolicy(secret: Buffer, encoded: string | undefined, signature: string | undefined, now = Date.now()): PolicyCheck {
  if (!encoded || !signature) return { ok: false, reason: 'The upload form is missing its policy or signature. Reload the page and try again.' };
  const expected = Buffer.from(sign(secret, encoded));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, reason: 'The upload policy signature does not match. Reload the page and try again.' };
  }
  const policy = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as UploadPolicy;
  if (policy.expires * 1000 < now) return { ok: false, reason: 'The upload permission has expired. Reload the page and try again.' };
  return { ok: true, policy };
}
