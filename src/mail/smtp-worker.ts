import { parentPort, workerData } from 'node:worker_threads';
import type { OutboxTable } from '../db/schema.js';
import { createTransport } from './transport.js';

/**
 * The SMTP client's own thread: building MIME and speaking SMTP for many messages is CPU the saga's
 * event loop should not pay. It holds the pooled connections; the main thread posts rows and hears back.
 */
export type ThreadAsk = { op: 'send'; message: OutboxTable } | { op: 'verify' };
export type ThreadRequest = ThreadAsk & { id: number };
export type ThreadReply = { id: number; error?: string; check?: { ok: boolean; detail: string } };

const { smtpUrl, from } = workerData as { smtpUrl: string; from: string };
const transport = createTransport(smtpUrl, from);
const port = parentPort!;

port.on('message', (request: ThreadRequest) => {
  const reply = (body: Omit<ThreadReply, 'id'>) => port.postMessage({ id: request.id, ...body } satisfies ThreadReply);
  const failed = (error: unknown) => reply({ error: error instanceof Error ? error.message : String(error) });
  if (request.op === 'send') transport.send(request.message).then(() => reply({}), failed);
  else transport.verify().then((check) => reply({ check }), failed);
});
