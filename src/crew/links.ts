import { createHash, randomBytes } from 'node:crypto';

/** 32 random bytes from the CSPRNG, base64url: 43 characters, 256 bits. */
export const newToken = (): string => randomBytes(32).toString('base64url');

/** Only this digest is stored; a leaked table does not hand out working links (OWASP ASVS V6). */
export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** Filters junk before it reaches the database; anything else is looked up by its hash. */
export const isWellFormedToken = (token: string): boolean => /^[A-Za-z0-9_-]{43}$/.test(token);

export const LINK_GRACE_DAYS = 7;

/**
 * A link works until a week after the charter ends: long enough for late questions, not forever. A link
 * issued for a charter already past (entered after the fact) still gets a week from now, or it would be
 * dead on arrival.
 */
export function tokenExpiry(startsAt: string, durationHours: number, now = new Date()): string {
  const grace = LINK_GRACE_DAYS * 86_400_000;
  const afterCharter = Date.parse(startsAt) + Math.round(durationHours * 60) * 60_000 + grace;
  return new Date(Math.max(afterCharter, now.getTime() + grace)).toISOString();
}

export const isExpired = (expiresAt: string, now = new Date()): boolean => expiresAt <= now.toISOString();

export const magicLink = (publicBaseUrl: string, token: string): string => `${publicBaseUrl}/m/${token}`;
