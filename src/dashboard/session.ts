import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'dockhand_session';
export const SESSION_HOURS = 12;

export interface Session {
  sid: string;
  /** Issued and expiry, milliseconds since the epoch. */
  iat: number;
  exp: number;
}

const SESSION_MS = SESSION_HOURS * 3600_000;

/**
 * Signed-out sessions, until they would have expired anyway. Kept in memory and, when given a path,
 * in a 0600 file in the data folder so a restart does not bring a signed-out cookie back to life.
 */
export class RevokedSessions {
  private readonly revoked = new Map<string, number>();

  constructor(private readonly path?: string) {
    if (path && existsSync(path)) {
      try {
        for (const [sid, exp] of Object.entries(JSON.parse(readFileSync(path, 'utf8')) as Record<string, number>)) this.revoked.set(sid, exp);
      } catch {
        // An unreadable list fails closed below: every session it might have named is refused.
        this.unreadable = true;
      }
    }
  }

  private unreadable = false;

  has(sid: string): boolean {
    return this.unreadable || this.revoked.has(sid);
  }

  add(sid: string, exp: number, now = Date.now()): void {
    for (const [id, until] of this.revoked) if (until <= now) this.revoked.delete(id);
    this.revoked.set(sid, exp);
    if (!this.path) return;
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, JSON.stringify(Object.fromEntries(this.revoked)), { mode: 0o600 });
    renameSync(tmp, this.path);
  }
}

/**
 * Signed sessions: the cookie carries its id, issue time and expiry under a MAC. The MAC key mixes a
 * random secret of its own (never derived from keys.json, so a copy of that file forges nothing) with
 * the dashboard token's hash, so rotating the token still signs everyone out. The server refuses any
 * session older than 12 hours whatever the cookie says, and one that was signed out.
 */
export class SessionKeys {
  private readonly key: Buffer;

  constructor(
    dashboardTokenHash: string,
    secret: Buffer,
    private readonly revoked = new RevokedSessions(),
  ) {
    this.key = createHmac('sha256', secret).update(`dockhand-dashboard-session-v2:${dashboardTokenHash}`).digest();
  }

  private mac(purpose: string, value: string): string {
    return createHmac('sha256', this.key).update(`${purpose}:${value}`).digest('base64url');
  }

  issue(now = Date.now()): { cookie: string; session: Session } {
    const session = { sid: randomBytes(16).toString('base64url'), iat: now, exp: now + SESSION_MS };
    const payload = Buffer.from(JSON.stringify(session)).toString('base64url');
    return { cookie: `${payload}.${this.mac('session', payload)}`, session };
  }

  verify(cookie: string | undefined, now = Date.now()): Session | undefined {
    if (!cookie) return undefined;
    const [payload, mac, extra] = cookie.split('.');
    if (!payload || !mac || extra !== undefined || !equal(mac, this.mac('session', payload))) return undefined;
    try {
      const session = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<Session>;
      if (typeof session.sid !== 'string' || typeof session.iat !== 'number' || typeof session.exp !== 'number') return undefined;
      // The server's own cap, not the cookie's word: never more than 12 hours from sign-in.
      if (now - session.iat >= SESSION_MS) return undefined;
      if (this.revoked.has(session.sid)) return undefined;
      return { sid: session.sid, iat: session.iat, exp: session.exp };
    } catch {
      return undefined;
    }
  }

  /** Sign-out: the cookie stops working here even if the browser (or a thief) keeps it. */
  revoke(session: Session): void {
    this.revoked.add(session.sid, session.exp);
  }

  /** The form token is bound to the session, so one stolen from another session is worthless here. */
  csrfFor(session: Session): string {
    return this.mac('csrf', session.sid);
  }

  checkCsrf(session: Session, presented: unknown): boolean {
    return typeof presented === 'string' && equal(presented, this.csrfFor(session));
  }
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

function cookieAttributes(request: FastifyRequest, maxAgeSeconds: number): string {
  const secure = request.protocol === 'https' ? '; Secure' : '';
  return `; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}

export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, value: string): void {
  reply.header('set-cookie', `${SESSION_COOKIE}=${value}${cookieAttributes(request, SESSION_HOURS * 3600)}`);
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('set-cookie', `${SESSION_COOKIE}=${cookieAttributes(request, 0)}`);
}

/** Only a path inside the dashboard: "next" must never send a signed-in operator to another site. */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/dashboard') || next.startsWith('//') || /[\\\r\n]/.test(next)) return '/dashboard/';
  return next;
}
