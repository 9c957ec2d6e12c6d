import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'dockhand_session';
export const SESSION_HOURS = 12;

export interface Session {
  sid: string;
  /** Expiry, milliseconds since the epoch. */
  exp: number;
}

/**
 * Stateless sessions: nothing is stored, so the cookie carries its own expiry and a MAC. The key is
 * derived from the dashboard token's hash, so rotating the token signs everyone out at once.
 */
export class SessionKeys {
  private readonly key: Buffer;

  constructor(dashboardTokenHash: string) {
    this.key = createHmac('sha256', 'dockhand-dashboard-session-v1').update(dashboardTokenHash).digest();
  }

  private mac(purpose: string, value: string): string {
    return createHmac('sha256', this.key).update(`${purpose}:${value}`).digest('base64url');
  }

  issue(now = Date.now()): { cookie: string; session: Session } {
    const session = { sid: randomBytes(16).toString('base64url'), exp: now + SESSION_HOURS * 3600_000 };
    const payload = Buffer.from(JSON.stringify(session)).toString('base64url');
    return { cookie: `${payload}.${this.mac('session', payload)}`, session };
  }

  verify(cookie: string | undefined, now = Date.now()): Session | undefined {
    if (!cookie) return undefined;
    const [payload, mac, extra] = cookie.split('.');
    if (!payload || !mac || extra !== undefined || !equal(mac, this.mac('session', payload))) return undefined;
    try {
      const session = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<Session>;
      if (typeof session.sid !== 'string' || typeof session.exp !== 'number' || session.exp <= now) return undefined;
      return { sid: session.sid, exp: session.exp };
    } catch {
      return undefined;
    }
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
