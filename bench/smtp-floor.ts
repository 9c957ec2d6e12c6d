/**
 * SMTP floor: nodemailer's pooled SMTP client into the sink in its own process, messages/s. Twice:
 * through Dockhand's own transport (src/mail/transport.ts, exactly as the engine sends), and through
 * the same pool settings with TCP_NODELAY on each socket (nodemailer leaves Nagle on; against another
 * process every message then waits for a delayed ACK). The floor is the faster of the two: what this
 * machine lets nodemailer deliver.
 */
import { connect, type Socket } from 'node:net';
import nodemailer from 'nodemailer';
import { createTransport } from '../src/mail/transport.js';
import type { OutboxTable } from '../src/db/schema.js';
import { startSinkProcess } from './lib/smtp-sink.js';
import { envNumber, fmt, line } from './lib/stats.js';
import { results } from './lib/results.js';

const MESSAGES = envNumber('BENCH_SMTP_MESSAGES', 2000);
const IN_FLIGHT = 64;
const MAX_SECONDS = 8;

const body = (i: number) =>
  `Hello crew member ${i},\n\nYou are asked to work this charter as crew. Please confirm or decline:\nhttp://127.0.0.1:8080/m/${'x'.repeat(43)}\n\n` +
  'When: Saturday, January 5, 2030, 9:00 AM - 12:00 PM PST\nDuration: 3 hours\nWhere: Sheraton Marina\nYour role: Crew\n'.repeat(4);

function message(i: number): OutboxTable {
  return {
    id: `ml_bench_${i}`,
    dedupe_key: `bench-${i}`,
    message_id: `<ml_bench_${i}_${Date.now()}@dockhand.local>`,
    kind: 'crew_invite',
    ref_type: null,
    ref_id: null,
    to_address: `crew${i % 50}@crew.example`,
    to_name: `Crew ${i % 50}`,
    subject: `Please confirm: Boatsetter Charter ${i}`,
    text_body: body(i),
    html_body: `<html><body><pre>${body(i)}</pre></body></html>`,
    status: 'pending',
    attempts: 0,
    last_error: null,
    next_attempt_at: '',
    lease_until: null,
    created_at: '',
    sent_at: null,
  } as OutboxTable;
}

/** Sends up to `total` messages, IN_FLIGHT at a time, for at most MAX_SECONDS; messages/s as the sink counted them. */
async function drive(send: (m: OutboxTable) => Promise<void>, sinkCount: () => Promise<number>, total: number) {
  const before = await sinkCount();
  let next = 0;
  let failed = 0;
  const start = performance.now();
  const deadline = start + MAX_SECONDS * 1000;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < total && performance.now() < deadline) {
        const i = next++;
        await send(message(i)).catch(() => failed++);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const delivered = (await sinkCount()) - before;
  return { delivered, failed, seconds, rate: delivered / seconds };
}

export async function smtpFloor(): Promise<void> {
  console.log(`SMTP floor: nodemailer pooled (3 connections, as src/mail/transport.ts), sink in its own process, up to ${MESSAGES} messages, ${IN_FLIGHT} in flight, at most ${MAX_SECONDS} s`);
  const sink = await startSinkProcess();
  try {
    const engine = createTransport(sink.url, 'Dockhand <bench@dockhand.local>');
    const asIs = await drive((m) => engine.send(m), sink.count, MESSAGES);
    engine.close();
    line('transport.ts as is', `${fmt(asIs.rate, 0)} messages/s (${asIs.delivered} in ${fmt(asIs.seconds, 2)} s, ${asIs.failed} failed)`);

    const { port, hostname } = new URL(sink.url);
    const noDelay = nodemailer.createTransport({
      host: hostname,
      port: Number(port),
      pool: true,
      maxConnections: 3,
      connectionTimeout: 5_000,
      greetingTimeout: 5_000,
      socketTimeout: 15_000,
      getSocket(_options: unknown, callback: (err: Error | null, socket?: { connection: Socket }) => void) {
        const socket = connect(Number(port), hostname, () => {
          socket.setNoDelay(true);
          callback(null, { connection: socket });
        });
        socket.once('error', (err) => callback(err));
      },
    } as unknown as nodemailer.TransportOptions);
    const withNoDelay = await drive(
      async (m) => {
        await noDelay.sendMail({ from: 'Dockhand <bench@dockhand.local>', to: { name: m.to_name!, address: m.to_address }, subject: m.subject, text: m.text_body, html: m.html_body, messageId: m.message_id });
      },
      sink.count,
      MESSAGES,
    );
    noDelay.close();
    line('same pool, TCP_NODELAY', `${fmt(withNoDelay.rate, 0)} messages/s (${withNoDelay.delivered} in ${fmt(withNoDelay.seconds, 2)} s, ${withNoDelay.failed} failed)`);
    const floor = Math.max(asIs.rate, withNoDelay.rate);
    results.smtpFloorMessages = floor;
    line('SMTP floor', `${fmt(floor, 0)} messages/s = ${fmt(floor / 4, 1)} bookings/s at 4 messages per booking`);
  } finally {
    await sink.close();
  }
}
