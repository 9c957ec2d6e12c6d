import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sleep } from './stats.js';

export interface SinkEntry {
  at: number;
  messageId: string;
  slug: string;
}

export interface SinkProcess {
  url: string;
  /** Messages accepted since the sink started. */
  count(): Promise<number>;
  /** The entries recorded since the last take(), and the running count. */
  take(): Promise<{ count: number; entries: SinkEntry[] }>;
  waitFor(n: number, timeoutMs: number): Promise<number>;
  close(): Promise<void>;
}

/** Forks bench/lib/smtp-sink-child.ts: the SMTP sink runs in its own process, never in the sender's. */
export async function startSinkProcess(): Promise<SinkProcess> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./smtp-sink-child.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ask = <T>(type: string) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (m: { type: string }) => {
        if (m.type !== type) return;
        child.off('message', onMessage);
        resolve(m as T);
      };
      child.on('message', onMessage);
      child.send({ type }, (err) => err && reject(err));
    });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { type: string; port: number }) => resolve(m.port));
    child.once('exit', (code) => reject(new Error(`SMTP sink exited with ${code}`)));
  });
  const count = async () => (await ask<{ count: number }>('stats')).count;
  return {
    url: `smtp://127.0.0.1:${port}`,
    count,
    async take() {
      const r = await ask<{ count: number; entries: [number, string, string][] }>('take');
      return { count: r.count, entries: r.entries.map(([at, messageId, slug]) => ({ at, messageId, slug })) };
    },
    async waitFor(n, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      let c = await count();
      while (c < n && Date.now() < deadline) {
        await sleep(20);
        c = await count();
      }
      return c;
    },
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.send({ type: 'close' });
      await Promise.race([exited, sleep(2000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
