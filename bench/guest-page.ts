/**
 * Guest page bench: requests/s and p99 latency for one published page at 50 concurrent keep-alive
 * connections, from Dockhand's built-in server and from nginx serving the same file (when installed),
 * and the server's peak memory while ten 20 MB uploads stream at once. Figures, never assertions.
 *
 * The load comes from a separate Node process (node:http, keep-alive), so the client never shares the
 * server's event loop or shows up in its memory.
 *
 *   node --import tsx bench/guest-page.ts            (or runGuestPageBench() from bench/run.ts)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseConfig } from '../src/config/env.js';
import { createDockhand } from '../src/app.js';
import { SiteService } from '../src/site/service.js';
import { nginxServerBlock, nginxStandaloneConfig } from '../src/site/deploy-config.js';
import { upcomingCharter } from '../test/helpers/site.js';

const NGINX = '/usr/sbin/nginx';
const CONNECTIONS = Number(process.env.BENCH_PAGE_CONNECTIONS ?? 50);
const SECONDS = Number(process.env.BENCH_PAGE_SECONDS ?? 5);
const UPLOADS = 10;
const UPLOAD_BYTES = 20 * 1024 * 1024;

interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;

/** The client side, run in its own process: `load URL CONNECTIONS SECONDS`. */
async function loadClient(url: string, connections: number, seconds: number): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const get = () =>
    new Promise<number>((resolve, reject) => {
      const req = request(url, { agent }, (res) => {
        res.on('data', () => undefined);
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
  // Warm-up: every connection opened, both servers' caches filled.
  await Promise.all(Array.from({ length: connections }, get));
  const latencies: number[] = [];
  let errors = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        const status = await get().catch(() => 0);
        if (status === 200) latencies.push(performance.now() - t0);
        else errors++;
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { requests: latencies.length, errors, seconds: elapsed, rps: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/** Ten uploads at once, each streamed in 64 KB chunks of one reused buffer: `upload BASE SLUG`. */
async function uploadClient(base: string, slug: string): Promise<{ ok: number; failed: number; seconds: number }> {
  const chunk = randomBytes(64 * 1024);
  const start = performance.now();
  const results = await Promise.all(
    Array.from({ length: UPLOADS }, async (_, i) => {
      const presign = await fetch(`${base}/g/presign`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ slug, filename: `big-${i}.jpg`, content_type: 'image/jpeg', size: UPLOAD_BYTES }),
      });
      const { url, fields } = (await presign.json()) as { url: string; fields: Record<string, string> };
      const boundary = `----bench${randomBytes(8).toString('hex')}`;
      const head = Buffer.from(
        Object.entries(fields)
          .map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
          .join('') + `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big-${i}.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
      );
      const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
      return new Promise<number>((resolve) => {
        const req = request(url, {
          method: 'POST',
          headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': head.length + UPLOAD_BYTES + tail.length },
        });
        req.on('response', (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', () => resolve(0));
        req.write(head);
        let sent = 0;
        const pump = () => {
          while (sent < UPLOAD_BYTES) {
            const piece = chunk.subarray(0, Math.min(chunk.length, UPLOAD_BYTES - sent));
            sent += piece.length;
            if (!req.write(piece)) return void req.once('drain', pump);
          }
          req.end(tail);
        };
        pump();
      });
    }),
  );
  return { ok: results.filter((s) => s === 201).length, failed: results.filter((s) => s !== 201).length, seconds: (performance.now() - start) / 1000 };
}

/** Runs this file again as a client process and returns what it printed as JSON. */
function client<T>(args: string[], onStart?: (child: ChildProcess) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    onStart?.(child);
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as T) : reject(new Error(`bench client exited with ${code}`))));
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

async function startNginx(root: string, upstream: string): Promise<{ url: string; stop(): Promise<void> } | string> {
  if (!existsSync(NGINX)) return `skipped: ${NGINX} is not installed (apt-get install -y nginx-light)`;
  const dir = mkdtempSync(join(tmpdir(), 'dockhand-bench-nginx-'));
  chmodSync(dir, 0o755);
  const port = await freePort();
  writeFileSync(join(dir, 'nginx.conf'), nginxStandaloneConfig(nginxServerBlock({ root, upstream, listen: `127.0.0.1:${port}`, serverName: 'localhost' }), dir));
  const child = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) return `skipped: nginx exited with ${child.exitCode}`;
    if (await fetch(url).then(() => true, () => false)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const mb = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(0)} MB`;

export async function runGuestPageBench(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dockhand-bench-site-'));
  chmodSync(dataDir, 0o755); // nginx's workers (as "nobody" when run by root) read the same page file
  const config = parseConfig({ PORT: '0', DOCKHAND_DATA_DIR: dataDir, DASHBOARD_TOKEN: 'bench-dashboard-token-0123456789', LOG_LEVEL: 'warn' });
  const dockhand = await createDockhand({ config, background: false, migrate: true });
  const base = await dockhand.listen();
  const site = new SiteService(dockhand.ctx);
  const { slug } = await site.publish(
    upcomingCharter({ booking_ref: 'bench-page' }),
    { actor: 'bench' },
  );
  const pageBytes = (await dockhand.ctx.storage.get(`g/${slug}.html`))!.body.length;

  const builtin = await client<LoadResult>(['load', `${base}/g/${slug}/`, String(CONNECTIONS), String(SECONDS)]);
  const nginx = await startNginx(join(dataDir, 'site'), base);
  const viaNginx = typeof nginx === 'string' ? nginx : await client<LoadResult>(['load', `${nginx.url}/g/${slug}/`, String(CONNECTIONS), String(SECONDS)]);
  if (typeof nginx !== 'string') await nginx.stop();

  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  const uploads = await client<{ ok: number; failed: number; seconds: number }>(['upload', base, slug]);
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);

  const line = (name: string, r: LoadResult) =>
    `  ${name.padEnd(18)} ${r.rps.toFixed(0).padStart(6)} req/s   p50 ${r.p50.toFixed(2)} ms   p99 ${r.p99.toFixed(2)} ms   (${r.requests} requests, ${r.errors} errors)`;
  console.log(`guest page bench: one ${(pageBytes / 1024).toFixed(1)} KB page, ${CONNECTIONS} keep-alive connections, ${SECONDS} s each, client in its own process`);
  // Both servers share the machine with the client; on a busy machine the figures say more about it.
  console.log(`  load average       ${loadavg().map((l) => l.toFixed(2)).join(' ')} on this machine when the run ended`);
  console.log(line('dockhand built-in', builtin));
  if (typeof viaNginx === 'string') console.log(`  nginx              ${viaNginx}`);
  else {
    console.log(line('nginx (1 worker)', viaNginx));
    console.log(`  ratio              dockhand/nginx = ${(builtin.rps / viaNginx.rps).toFixed(2)} (requests/s), p99 ${(builtin.p99 / viaNginx.p99).toFixed(2)}x`);
  }
  console.log(
    `  uploads            ${UPLOADS} x ${mb(UPLOAD_BYTES)} at once: ${uploads.ok} stored, ${uploads.failed} failed, in ${uploads.seconds.toFixed(2)} s; server RSS ${mb(baseline)} before, peak ${mb(peak)} (+${mb(peak - baseline)})`,
  );

  await dockhand.close();
  rmSync(dataDir, { recursive: true, force: true });
}

const mode = process.argv[2];
if (mode === 'load') {
  console.log(JSON.stringify(await loadClient(process.argv[3]!, Number(process.argv[4]), Number(process.argv[5]))));
} else if (mode === 'upload') {
  console.log(JSON.stringify(await uploadClient(process.argv[3]!, process.argv[4]!)));
} else if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runGuestPageBench();
}
