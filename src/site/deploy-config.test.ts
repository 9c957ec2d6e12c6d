import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../test/helpers/app.js';
import { registerSiteCommands } from './cli.js';
import { cloudFrontFunction, nginxServerBlock, nginxStandaloneConfig } from './deploy-config.js';

const NGINX = '/usr/sbin/nginx';
const slug = 'may-30-boatsetter-abcd2345';

async function runCommand(args: string[]): Promise<string> {
  const program = new Command().exitOverride();
  registerSiteCommands(program);
  let printed = '';
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => ((printed += chunk), true)) as typeof process.stdout.write;
  try {
    await program.parseAsync(['node', 'dockhand', ...args]);
  } finally {
    process.stdout.write = write;
  }
  return printed;
}

describe('dockhand deploy-config cloudfront-function', () => {
  it('prints a function that rewrites both page forms and leaves everything else alone', async () => {
    const code = await runCommand(['deploy-config', 'cloudfront-function']);
    expect(code).toBe(cloudFrontFunction());
    const handler = new Function(`${code}; return handler;`)() as (e: { request: { uri: string; method: string } }) => { uri: string };
    const rewrite = (uri: string, method = 'GET') => handler({ request: { uri, method } }).uri;
    expect(rewrite(`/g/${slug}/`)).toBe(`/g/${slug}.html`);
    expect(rewrite(`/g/${slug}`)).toBe(`/g/${slug}.html`);
    expect(rewrite(`/g/${slug}/`, 'HEAD')).toBe(`/g/${slug}.html`);
    for (const uri of [`/g/${slug}.html`, `/g/${slug}/photos`, `/g/${slug}/p/ph_1-t.webp`, '/g/presign', '/g/upload', '/g/Upper-Case/', '/g/-x/', '/g//', '/', '/bookings']) {
      expect(rewrite(uri), uri).toBe(uri);
    }
    expect(rewrite(`/g/${slug}/`, 'POST')).toBe(`/g/${slug}/`);
  });
});

describe.skipIf(!existsSync(NGINX))('dockhand deploy-config nginx, run by a real nginx', () => {
  let dir: string;
  let upstream: Server;
  let nginx: ChildProcess | undefined;
  let base: string;
  const proxied: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dockhand-nginx-'));
    // Run as root, nginx's workers drop to "nobody", who must be able to read the pages.
    chmodSync(dir, 0o755);
    const root = join(dir, 'site');
    mkdirSync(join(root, 'g', slug, 'p'), { recursive: true });
    mkdirSync(join(root, 'g', slug, 'uploads'), { recursive: true });
    writeFileSync(join(root, 'g', `${slug}.html`), '<!doctype html><title>page</title>');
    writeFileSync(join(root, 'g', slug, 'p', 'ph_abc123def456-t.webp'), 'webp');
    writeFileSync(join(root, 'g', slug, 'uploads', 'raw.jpg'), 'raw');
    upstream = createServer((req, res) => {
      proxied.push(`${req.method} ${req.url}`);
      req.resume();
      res.end('from dockhand');
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));

    const block = await runCommand(['deploy-config', 'nginx', '--root', root, '--upstream', `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, '--listen', `127.0.0.1:${port}`, '--server-name', 'localhost']);
    expect(block).toBe(nginxServerBlock({ root, upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, listen: `127.0.0.1:${port}`, serverName: 'localhost' }));
    writeFileSync(join(dir, 'nginx.conf'), nginxStandaloneConfig(block, dir));
    nginx = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'inherit'] });
    base = `http://127.0.0.1:${port}`;
    await eventually(async () => (await fetch(`${base}/g/${slug}/`)).ok, 10_000, 'nginx to answer');
  });
  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      nginx.kill('SIGTERM');
      await new Promise((r) => nginx!.once('exit', r));
    }
    await new Promise((r) => upstream?.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves /g/<slug>/ and /g/<slug> from g/<slug>.html with the page headers', async () => {
    for (const path of [`/g/${slug}/`, `/g/${slug}`]) {
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('<!doctype html><title>page</title>');
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('x-robots-tag')).toBe('noindex, nofollow');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('etag')).toBeTruthy();
    }
    expect((await fetch(`${base}/g/may-30-boatsetter-nothere0/`)).status).toBe(404);
  });

  it('serves photo copies as immutable, hides raw uploads and .html, and sends the API to Dockhand', async () => {
    const photo = await fetch(`${base}/g/${slug}/p/ph_abc123def456-t.webp`);
    expect(photo.status).toBe(200);
    expect(photo.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${base}/g/${slug}/uploads/raw.jpg`)).status).toBe(404);
    expect((await fetch(`${base}/g/${slug}.html`)).status).toBe(404);
    proxied.length = 0;
    expect(await (await fetch(`${base}/g/presign`, { method: 'POST', body: '{}' })).text()).toBe('from dockhand');
    expect(await (await fetch(`${base}/g/${slug}/photos`)).text()).toBe('from dockhand');
    await fetch(`${base}/g/upload`, { method: 'POST', body: 'x' });
    await fetch(`${base}/bookings`);
    expect(proxied).toEqual(['POST /g/presign', `GET /g/${slug}/photos`, 'POST /g/upload', 'GET /bookings']);
  });
});
