import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashToken, isExpired, isWellFormedToken, magicLink, newToken, tokenExpiry } from './links.js';
import { SlidingWindowLimiter } from './rate-limit.js';

describe('magic-link tokens', () => {
  it('are 32 random bytes in base64url, different every time', () => {
    const tokens = new Set(Array.from({ length: 1000 }, newToken));
    expect(tokens.size).toBe(1000);
    for (const token of tokens) {
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(token, 'base64url')).toHaveLength(32);
      expect(isWellFormedToken(token)).toBe(true);
    }
  });

  it('are stored as the SHA-256 hex of the token, never the token', () => {
    const token = newToken();
    const hash = hashToken(token);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(hash).not.toContain(token);
    expect(hashToken(token)).toBe(hash);
    expect(hashToken(newToken())).not.toBe(hash);
  });

  it('rejects malformed tokens before any lookup', () => {
    for (const bad of ['', 'abc', 'x'.repeat(44), `${'a'.repeat(42)}=`, `${'a'.repeat(42)}/`, `${'a'.repeat(42)}.`]) {
      expect(isWellFormedToken(bad)).toBe(false);
    }
  });

  it('expire a week after the charter ends', () => {
    const now = new Date('2024-05-01T00:00:00Z');
    expect(tokenExpiry('2024-05-30T16:00:00Z', 3, now)).toBe('2024-06-06T19:00:00.000Z');
    expect(tokenExpiry('2024-05-30T16:00:00Z', 1.5, now)).toBe('2024-06-06T17:30:00.000Z');
  });

  it('issued for a charter already past, still live a week from issue', () => {
    const now = new Date('2026-01-10T12:00:00Z');
    expect(tokenExpiry('2024-05-30T16:00:00Z', 3, now)).toBe('2026-01-17T12:00:00.000Z');
  });

  it('know when they have expired', () => {
    const now = new Date('2024-06-06T19:00:00Z');
    expect(isExpired('2024-06-06T18:59:59.999Z', now)).toBe(true);
    expect(isExpired('2024-06-06T19:00:00.000Z', now)).toBe(true);
    expect(isExpired('2024-06-06T19:00:00.001Z', now)).toBe(false);
  });

  it('become links under the public base URL', () => {
    expect(magicLink('https://dock.example', 'abc')).toBe('https://dock.example/m/abc');
  });
});

describe('SlidingWindowLimiter', () => {
  it('allows the limit within the window, then refuses until old hits slide out', () => {
    const limiter = new SlidingWindowLimiter(3, 1000);
    expect([0, 10, 20].map((t) => limiter.allow('ip', t))).toEqual([true, true, true]);
    expect(limiter.allow('ip', 30)).toBe(false);
    expect(limiter.allow('other', 30)).toBe(true);
    expect(limiter.retryAfterSeconds('ip', 30)).toBe(1);
    expect(limiter.allow('ip', 1001)).toBe(true);
    expect(limiter.allow('ip', 1002)).toBe(false);
  });

  it('keeps its memory bounded', () => {
    const limiter = new SlidingWindowLimiter(1, 1000, 100);
    for (let i = 0; i < 1000; i++) limiter.allow(`ip-${i}`, i * 10);
    expect((limiter as unknown as { hits: Map<string, number[]> }).hits.size).toBeLessThanOrEqual(101);
  });
});
