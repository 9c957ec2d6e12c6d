import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { OutboxTable } from '../db/schema.js';
import type { ThreadAsk, ThreadReply, ThreadRequest } from './smtp-worker.js';
import type { MailTransport, TransportCheck } from './transport.js';

/**
 * The worker's entry: the built .js beside this file, or, when running from source under tsx (tests,
 * the bench), the .ts source behind tsx's loader, which a worker does not inherit from its parent.
 */
function workerEntry(): URL {
  const self = new URL(import.meta.url);
  if (!self.pathname.endsWith('.ts')) return new URL('./smtp-worker.js', self);
  const require = createRequire(self);
  const manifest = require.resolve('tsx/package.json');
  const exported = (JSON.parse(readFileSync(manifest, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports['./esm/api']!;
  const api = pathToFileURL(join(dirname(manifest), exported.import.default)).href;
  const source = new URL('./smtp-worker.ts', self).href;
  const code = `import { register } from ${JSON.stringify(api)}; register(); await import(${JSON.stringify(source)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

/**
 * SMTP delivery off the main event loop: the same pooled nodemailer transport, in a worker thread.
 * A worker that dies fails what it had in hand (those jobs retry, with the same Message-ID) and the
 * next send starts a new one.
 */
export function threadTransport(smtpUrl: string, from: string): MailTransport {
  let worker: Worker | undefined;
  let nextId = 0;
  const pending = new Map<number, { resolve: (reply: ThreadReply) => void; reject: (error: Error) => void }>();
  const failAll = (error: Error) => {
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  };
  const ensure = (): Worker => {
    if (worker) return worker;
    const w = new Worker(workerEntry(), { workerData: { smtpUrl, from } });
    w.on('message', (reply: ThreadReply) => {
      const waiting = pending.get(reply.id);
      pending.delete(reply.id);
      waiting?.resolve(reply);
      if (pending.size === 0) w.unref();
    });
    w.on('error', (error) => failAll(new Error(`mail thread failed: ${error.message}`)));
    w.on('exit', () => {
      if (worker === w) worker = undefined;
      failAll(new Error('mail thread stopped'));
    });
    worker = w;
    return w;
  };
  // Started now, not at the first message: that one should not wait for a thread to boot.
  ensure().unref();
  const ask = (request: ThreadAsk): Promise<ThreadReply> =>
    new Promise((resolve, reject) => {
      const id = ++nextId;
      pending.set(id, { resolve, reject });
      const w = ensure();
      w.ref();
      w.postMessage({ ...request, id } satisfies ThreadRequest);
    });
  return {
    kind: 'smtp',
    async send(message: OutboxTable) {
      const reply = await ask({ op: 'send', message });
      if (reply.error) throw new Error(reply.error);
    },
    async verify(): Promise<TransportCheck> {
      const reply = await ask({ op: 'verify' });
      return reply.check ?? { ok: false, detail: reply.error ?? 'no answer from the mail thread' };
    },
    close() {
      void worker?.terminate();
      worker = undefined;
    },
  };
}
