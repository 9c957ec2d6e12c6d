/**
 * The peer: DBOS Transact (@dbos-inc/dbos-sdk, a dev dependency) running the same 4-step saga on the
 * same PostgreSQL, in a database of its own, N workflows started at once; workflows/s. Runs in a child
 * process (bench/dbos-child.ts): DBOS is a process-wide singleton.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freshDatabase } from './lib/postgres.js';
import { results } from './lib/results.js';
import { envNumber, fmt, line } from './lib/stats.js';

const WORKFLOWS = envNumber('BENCH_DBOS_WORKFLOWS', 1000);

function dbosVersion(): string {
  try {
    const pkg = readFileSync(new URL('../node_modules/@dbos-inc/dbos-sdk/package.json', import.meta.url), 'utf8');
    return (JSON.parse(pkg) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

export async function dbosPeer(): Promise<void> {
  const version = dbosVersion();
  console.log(`Peer: DBOS Transact ${version}, 4-step saga (each step one ~1 KB upsert), ${WORKFLOWS} workflows started at once, own database on the same PostgreSQL`);
  const database = await freshDatabase('bench_dbos');
  try {
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['--no-deprecation', '--import', 'tsx', fileURLToPath(new URL('./dbos-child.ts', import.meta.url)), database.url, String(WORKFLOWS)], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        if (code === 0) resolve(stdout);
        else reject(new Error(`DBOS child exited with ${code}: ${stderr.trim().split('\n').slice(-5).join(' | ')}`));
      });
    });
    const r = JSON.parse(out.trim().split('\n').pop()!) as { workflows: number; seconds: number; rate: number };
    results.dbosWorkflows = r.rate;
    line('DBOS Transact', `${fmt(r.rate, 1)} workflows/s (${r.workflows} in ${fmt(r.seconds, 2)} s)`);
  } catch (error) {
    results.dbosNote = `DBOS ${version} did not run: ${(error as Error).message}`;
    line('DBOS Transact', results.dbosNote);
  } finally {
    await database.drop().catch(() => {});
  }
}
