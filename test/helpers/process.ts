import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { repoRoot } from './cli.js';

/** A free loopback port, for a child server that must keep its address across restarts. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  /** SIGKILL: no shutdown hooks, no flushing, as a crash or an OOM kill would. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts `dockhand serve …` from source and resolves once it listens. */
export function startServerProcess(args: string[], env: Record<string, string>, timeoutMs = 30_000): Promise<ServerProcess> {
  return startDockhandProcess(['serve', ...args], env, /listening on (http:\/\/\S+)/, timeoutMs);
}

/** Starts `dockhand worker …` from source and resolves once it runs. */
export function startWorkerProcess(args: string[], env: Record<string, string>, timeoutMs = 30_000): Promise<ServerProcess> {
  return startDockhandProcess(['worker', ...args], env, /worker (\S+) running/, timeoutMs);
}

async function startDockhandProcess(args: string[], env: Record<string, string>, ready: RegExp, timeoutMs: number): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', BOOKING_DAYS_BACK: '3650', BOOKING_DAYS_AHEAD: '3650', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dockhand ${args[0]} did not start in ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const onData = (d: Buffer) => {
      out += d.toString();
      const match = out.match(ready);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${out}`));
    });
  });
  return {
    child,
    url,
    output: () => out,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
