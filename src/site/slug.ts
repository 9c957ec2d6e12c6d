import { randomBytes } from 'node:crypto';

/** What the routes accept before touching storage: nothing that could name another key. */
export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,119}$/;
export const isValidSlug = (slug: string): boolean => SLUG_PATTERN.test(slug);

const months = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const base32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** "Boatsetter", "Get My Boat!" → "boatsetter", "get-my-boat"; never empty, never long. */
export function slugify(value: string, maxLength = 40): string {
  const slug = value
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, maxLength)
    .replace(/^-+|-+$/g, '');
  return slug || 'charter';
}

/** "2024-05-30" + "boatsetter" → "may-30-boatsetter", the form the origin's links had. */
export function slugBase(date: string, source: string): string {
  const [, month, day] = date.split('-');
  const monthName = months[Number(month) - 1] ?? 'day';
  return `${monthName}-${Number(day)}-${slugify(source)}`;
}

/**
 * 8 base32 characters from 40 random bits: the readable base alone is guessable (date + marketplace),
 * so the suffix is what keeps pages from being enumerated.
 */
export function randomSuffix(): string {
  const bytes = randomBytes(5);
  let bits = 0n;
  for (const b of bytes) bits = (bits << 8n) | BigInt(b);
  let out = '';
  for (let i = 0; i < 8; i++) out += base32[Number((bits >> BigInt(35 - i * 5)) & 31n)];
  return out;
}

export const objectKey = (slug: string): string => `g/${slug}.html`;
/** The request path the built-in cache and a CDN know the object by. */
export const objectPath = (slug: string): string => `/g/${slug}.html`;
/** Every form a viewer (or the rewrite rule) can request the page by. */
export const viewerPaths = (slug: string): string[] => [objectPath(slug), `/g/${slug}`, `/g/${slug}/`];
