import type { Server, Socket } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from './errors.js';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** The host name of a Host header, lower-cased and without the port ("[::1]:8080" → "[::1]"). */
export function hostnameOf(host: string | undefined): string | undefined {
  if (!host) return undefined;
  const match = /^(\[[^\]]+\]|[^:]+)(?::\d+)?$/.exec(host.trim().toLowerCase());
  return match?.[1];
}

export const isLoopbackHost = (hostname: string | undefined) =>
  hostname !== undefined && (LOOPBACK_HOSTS.has(hostname) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname));

export const isLoopbackAddress = (ip: string | undefined) =>
  ip !== undefined && (ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.'));

// Any of these means a hop between the client and us spoke for someone else.
const FORWARDING = /^(forwarded|via|x-forwarded-.*|x-real-ip|x-client-ip|x-cluster-client-ip|true-client-ip|cf-connecting-ip|fastly-client-ip|x-original-forwarded-for|client-ip)$/;

/**
 * True only for a request that provably came straight from this machine: a loopback socket, a
 * loopback Host, and no header that a proxy or forwarder adds. The socket address is read directly,
 * never request.ip, which a trusted proxy's X-Forwarded-For rewrites.
 */
export function isDirectLocal(request: FastifyRequest): boolean {
  if (!isLoopbackAddress(request.raw.socket.remoteAddress)) return false;
  if (!isLoopbackHost(hostnameOf(request.headers.host))) return false;
  return !Object.keys(request.headers).some((name) => FORWARDING.test(name));
}

/**
 * Refuses any Host that is not loopback, this server's bound address or PUBLIC_BASE_URL's host: a
 * page on another site whose DNS name was rebound to 127.0.0.1 arrives with its own name in Host.
 */
export function guardHost(app: FastifyInstance, allowed: () => string[]): void {
  app.addHook('onRequest', async (request) => {
    const hostname = hostnameOf(request.headers.host);
    if (isLoopbackHost(hostname) || (hostname !== undefined && allowed().includes(hostname))) return;
    throw new AppError(
      421,
      'host_not_allowed',
      `This server does not answer for the host "${String(request.headers.host ?? '')}". Use the address in PUBLIC_BASE_URL (${allowed().join(', ') || 'loopback only'}).`,
    );
  });
}

// Path ids are generated tokens ("bk_…", slugs, 43-character link tokens, "crew-1", "abc.jpg"): anything
// else is refused before a query is built from it.
const PATH_PARAM = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

// Link tokens, page slugs and photo files have stricter formats of their own, checked by their
// handlers before any lookup, which answer with the page a guest or crew member should see.
const CHECKED_BY_HANDLER = new Set(['token', 'slug', 'file']);

export function checkPathParams(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const params = (request.params ?? {}) as Record<string, unknown>;
    for (const [name, value] of Object.entries(params)) {
      if (CHECKED_BY_HANDLER.has(name)) continue;
      if (typeof value === 'string' && !PATH_PARAM.test(value)) {
        throw new AppError(404, 'not_found', `No ${name} "${value.slice(0, 80)}" exists: a ${name} holds only letters, digits, "-", "_" and "." (at most 128).`, [
          { path: name, message: 'is not in the format of an id' },
        ]);
      }
    }
  });
}

/** At most `cap` open connections from one address; the next is closed before it is read. */
export function capConnectionsPerAddress(server: Server, cap: number): void {
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const count = (open.get(address) ?? 0) + 1;
    if (count > cap) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
}
