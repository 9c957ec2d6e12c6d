/**
 * Guest page: requests/s and p99 for one published page at 50 keep-alive connections, measured with
 * wrk (C, not the bottleneck), from Dockhand's built-in server (one process) and from nginx (one
 * worker) serving the same file; then the server's peak memory while ten 20 MB uploads stream at once.
 * Figures, never assertions.
 *
 * The page is published the way a booking publishes it: POST /bookings, the engine renders it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { nginxServerBlock, nginxStandaloneConfig } from '../src/site/deploy-config.js';
import { awaitOutcome, startDeployment, submitClosed, TOKEN } from './lib/dockhand.js';
import { results } from './lib/results.js';
import { envNumber, fmt, line, sleep } from './lib/stats.js';

const NGINX = '/usr/sbin/nginx';
const WRK = '/usr/bin/wrk';
const CONNECTIONS = envNumber('BENCH_PAGE_CONNECTIONS', 50);
const SECONDS = envNumber('BENCH_PAGE_SECONDS', 10);
const UPLOADS = 10;
const UPLOAD_BYTES = 20 * 1024 * 1024;

export interface WrkResult {
  rps: number;
  /** The server's CPU time (user + system) per request served, µs: steadier than req/s on a shared machine. */
  cpuUsPerRequest?: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
}

const toMs = (value: string, unit: string) => Number(value) * (unit === 'us' ? 0.001 : unit === 's' ? 1000 : 1);

/** CPU time a process (and its threads) used so far, ms; 0 if it cannot be read. */
export function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in USER_HZ (100 on Linux)
  } catch {
    return 0;
  }
}

/** wrk, one thread (the other core is the server's), `connections` keep-alive connections; `pids` are the server's processes. */
export function wrk(url: string, connections: number, seconds: number, pids: number[] = []): WrkResult | string {
  if (!existsSync(WRK)) return `skipped: ${WRK} is not installed (apt-get install -y wrk)`;
  spawnSync(WRK, ['-t1', `-c${connections}`, '-d1s', url], { encoding: 'utf8' }); // warm-up
  const cpu = () => pids.reduce((sum, pid) => sum + cpuMs(pid), 0);
  const cpuBefore = cpu();
  const run = spawnSync(WRK, ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', url], { encoding: 'utf8' });
  const cpuUsed = cpu() - cpuBefore;
  const out = run.stdout ?? '';
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out)?.[1];
  if (!rps) return `wrk failed: ${(run.stderr || out).trim().slice(0, 300)}`;
  const at = (p: string) => {
    const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s)`, 'm').exec(out);
    return m ? toMs(m[1]!, m[2]!) : NaN;
  };
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = non2xx + (socketErrors ? socketErrors.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
  return { rps: Number(rps), p50: at('50'), p99: at('99'), requests, errors, ...(pids.length && requests ? { cpuUsPerRequest: (cpuUsed * 1000) / requests } : {}) };
}

/** Ten uploads at once, each streamed in 64 KB chunks of one reused buffer: `upload BASE SLUG`. */
async function uploadClient(base: string, slug: string): Promise<{ ok: number; failed: number; seconds: number }> {
  const chunk = randomBytes(64 * 1024);
  const start = performance.now();
  const statuses = await Promise.all(
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
  return { ok: statuses.filter((s) => s === 201).length, failed: statuses.filter((s) => s !== 201).length, seconds: (performance.now() - start) / 1000 };
}

function uploadsInChildProcess(base: string, slug: string): Promise<{ ok: number; failed: number; seconds: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'upload', base, slug], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as { ok: number; failed: number; seconds: number }) : reject(new Error(`upload client exited with ${code}`))));
  });
}

const rssOf = (pid: number): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
};

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

async function startNginx(root: string, upstream: string): Promise<{ url: string; pids: number[]; stop(): Promise<void> } | string> {
  if (!existsSync(NGINX)) return `skipped: ${NGINX} is not installed (apt-get install -y nginx-light)`;
  const dir = mkdtempSync(join(tmpdir(), 'dockhand-bench-nginx-'));
  chmodSync(dir, 0o755);
  const port = await freePort();
  writeFileSync(join(dir, 'nginx.conf'), nginxStandaloneConfig(nginxServerBlock({ root, upstream, listen: `127.0.0.1:${port}`, serverName: 'localhost' }), dir, 1));
  const child = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) return `skipped: nginx exited with ${child.exitCode}`;
    if (await fetch(url).then(() => true, () => false)) break;
    await sleep(50);
  }
  let pids = [child.pid!];
  try {
    pids = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/).map(Number).filter(Boolean);
  } catch {
    // no /proc: no CPU figure
  }
  return {
    url,
    pids,
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
const wrkLine = (name: string, r: WrkResult | string) =>
  line(name, typeof r === 'string' ? r : `${fmt(r.rps, 0).padStart(6)} req/s   p50 ${fmt(r.p50, 2)} ms   p99 ${fmt(r.p99, 2)} ms   server CPU ${fmt(r.cpuUsPerRequest, 1)} µs/request   (${r.requests} requests, ${r.errors} errors)`);

export async function guestPage(options: { uploads?: boolean } = {}): Promise<void> {
  const deployment = await startDeployment({ database: 'sqlite', workers: 0, smtp: false });
  try {
    chmodSync(deployment.dataDir, 0o755); // nginx's worker (as "nobody" when run by root) reads the same page file
    const submitted = await submitClosed(deployment.url, 1, 1, 'PAGE-', 0);
    await awaitOutcome(deployment, 'PAGE-', submitted, 30_000);
    const id = [...submitted.sentAt.keys()][0]!;
    const view = (await (await fetch(`${deployment.url}/bookings/${id}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { steps: { guest_page: { url: string | null } } };
    const slug = /\/g\/([a-z0-9-]+)\//.exec(view.steps.guest_page.url ?? '')?.[1];
    if (!slug) throw new Error(`the booking published no guest page: ${JSON.stringify(view.steps.guest_page)}`);
    const pagePath = join(deployment.dataDir, 'site', 'g', `${slug}.html`);
    const pageBytes = existsSync(pagePath) ? statSync(pagePath).size : 0;
    console.log(`Guest page: one ${fmt(pageBytes / 1024)} KB page, wrk -t1 -c${CONNECTIONS} for ${SECONDS} s (after 1 s of warm-up), each server on its own`);

    const builtin = wrk(`${deployment.url}/g/${slug}/`, CONNECTIONS, SECONDS, [deployment.pid]);
    wrkLine('dockhand built-in (1 proc)', builtin);
    const nginx = await startNginx(join(deployment.dataDir, 'site'), deployment.url);
    const viaNginx = typeof nginx === 'string' ? nginx : wrk(`${nginx.url}/g/${slug}/`, CONNECTIONS, SECONDS, nginx.pids);
    if (typeof nginx !== 'string') await nginx.stop();
    wrkLine('nginx (1 worker)', viaNginx);
    if (typeof builtin !== 'string') {
      results.pageBuiltinRps = builtin.rps;
      results.pageBuiltinP99 = builtin.p99;
    }
    if (typeof viaNginx !== 'string') {
      results.pageNginxRps = viaNginx.rps;
      results.pageNginxP99 = viaNginx.p99;
    }
    if (typeof builtin !== 'string' && typeof viaNginx !== 'string') {
      line('ratio', `dockhand/nginx = ${fmt(builtin.rps / viaNginx.rps, 2)} (requests/s); p99 ${fmt(builtin.p99, 2)} ms vs ${fmt(viaNginx.p99, 2)} ms`);
      if (builtin.cpuUsPerRequest && viaNginx.cpuUsPerRequest) {
        line('CPU per request', `nginx/dockhand = ${fmt(viaNginx.cpuUsPerRequest / builtin.cpuUsPerRequest, 2)} (the req/s ratio each would reach with a core to itself)`);
      }
    }
    line('load average', `${loadavg().map((l) => l.toFixed(2)).join(' ')} (the machine is shared: figures are as noisy as it is)`);

    if (options.uploads ?? true) {
      const baseline = rssOf(deployment.pid);
      let peak = baseline;
      const sampler = setInterval(() => (peak = Math.max(peak, rssOf(deployment.pid))), 10);
      const uploads = await uploadsInChildProcess(deployment.url, slug);
      clearInterval(sampler);
      peak = Math.max(peak, rssOf(deployment.pid));
      line('uploads', `${UPLOADS} x ${mb(UPLOAD_BYTES)} at once: ${uploads.ok} stored, ${uploads.failed} failed, in ${fmt(uploads.seconds, 2)} s; server RSS ${mb(baseline)} before, peak ${mb(peak)} (+${mb(peak - baseline)})`);
    }
  } finally {
    await deployment.stop();
  }
}

const mode = process.argv[2];
if (mode === 'upload') {
  console.log(JSON.stringify(await uploadClient(process.argv[3]!, process.argv[4]!)));
} else if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await guestPage({ uploads: mode !== 'no-uploads' });
}
