import { cssHash } from './page-style.js';
import { scriptHash } from './page-script.js';

const join = (...parts: (string | undefined)[]) => parts.filter(Boolean).join(' ');

/**
 * The guest page's policy. Sent as a header and repeated in a <meta> tag, because the file is also
 * served from S3 and CloudFront, where our headers do not apply. Only the page's own style and script
 * (by hash), its own images, and the upload target: nothing from any other host.
 */
export function guestPagePolicy(uploadOrigin: string | undefined): string {
  return [
    "default-src 'none'",
    `style-src ${cssHash}`,
    `script-src ${scriptHash}`,
    "img-src 'self' data:",
    `connect-src ${join("'self'", uploadOrigin)}`,
    "form-action 'self'",
    "base-uri 'none'",
  ].join('; ');
}

/** Pages with nothing to run or send: the 404 page and the answers of the no-JavaScript form. */
export const PLAIN_POLICY = ["default-src 'none'", `style-src ${cssHash}`, "img-src 'self' data:", "base-uri 'none'", "form-action 'none'"].join('; ');
