import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface Child {
  child: ChildProcess;
  url: string;
  output(): string;
  stop(): Promise<void>;
}

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Spawns `node --import tsx <script> …args` and resolves once its output matches `ready` (group 1 is the URL). */
export function startNodeProcess(script: string, args: string[], env: Record<string, string>, ready: RegExp, timeoutMs = 60_000): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise<Child>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not start in ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.length > 200_000) out = out.slice(-100_000);
      const match = ready.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({
          child,
          url: match[1] ?? '',
          output: () => out,
          async stop() {
            if (child.exitCode !== null) return;
            child.kill('SIGTERM');
            const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
            await exited;
            clearTimeout(killer);
          },
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code} before it was ready:\n${out}`));
    });
  });
}
