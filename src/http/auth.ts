import type { FastifyReply, FastifyRequest } from 'fastify';
import { matchesHash } from '../config/credentials.js';
import { AppError } from './errors.js';

export type CredentialKind = 'operator' | 'service';

const headerFor: Record<CredentialKind, string> = {
  operator: 'x-dashboard-token',
  service: 'x-service-key',
};

function presented(request: FastifyRequest, kind: CredentialKind): string | undefined {
  const custom = request.headers[headerFor[kind]];
  if (typeof custom === 'string' && custom.length > 0) return custom;
  // Authorization survives CDNs and proxies that strip custom headers (the origin's lost X-Service-Key).
  const auth = request.headers.authorization;
  if (auth && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, '').trim();
  return undefined;
}

export interface AuthHashes {
  operator: string;
  service: string;
}

/** A preHandler that lets a request through if it carries any one of the accepted credentials. */
export function requireCredential(hashes: AuthHashes, ...kinds: CredentialKind[]) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    for (const kind of kinds) {
      const value = presented(request, kind);
      if (value !== undefined && matchesHash(value, hashes[kind])) {
        request.credential = kind;
        return;
      }
    }
    const how = kinds
      .map((k) => `"${k === 'operator' ? 'X-Dashboard-Token' : 'X-Service-Key'}: <${k === 'operator' ? 'dashboard token' : 'service key'}>"`)
      .join(' or ');
    throw new AppError(401, 'unauthorized', `Missing or wrong credential. Send ${how}, or "Authorization: Bearer <it>".`);
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    credential?: CredentialKind;
  }
}
