import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { matchesIfNoneMatch, type PageResponse } from './cache.js';
import { isValidSlug } from './slug.js';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

const PAGE_URL = /^\/g\/([^/?#]+)\/?$/;

/**
 * Guest pages the built-in cache already holds are answered before Fastify sees the request: the
 * answer is bytes and headers worked out at publish time, and Fastify's per-request work (request and
 * reply objects, routing, hooks) would be most of the cost of serving them. Anything else, a cache
 * miss included, goes on to Fastify, whose /g/:slug route answers the same way and fills the cache.
 * Returns false (and changes nothing) when the server's request listener is not Fastify's alone.
 */
export function installPageFastPath(server: Server, lookup: (slug: string) => PageResponse | undefined): boolean {
  const listeners = server.listeners('request') as Listener[];
  if (listeners.length !== 1 || (server as { dockhandPageFastPath?: boolean }).dockhandPageFastPath) return false;
  const next = listeners[0]!;
  server.removeListener('request', next);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url;
    if ((req.method === 'GET' || req.method === 'HEAD') && url !== undefined && url.startsWith('/g/')) {
      const slug = PAGE_URL.exec(url)?.[1];
      const page = slug !== undefined && isValidSlug(slug) ? lookup(slug) : undefined;
      if (page) {
        if (matchesIfNoneMatch(req.headers['if-none-match'], page.etag)) res.writeHead(304, page.notModified).end();
        else res.writeHead(200, page.ok).end(page.body);
        return;
      }
    }
    next(req, res);
  });
  (server as { dockhandPageFastPath?: boolean }).dockhandPageFastPath = true;
  return true;
}
