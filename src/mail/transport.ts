import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { connect, type Socket } from 'node:net';
import nodemailer from 'nodemailer';
import { ConfigError } from '../config/env.js';
import type { OutboxTable } from '../db/schema.js';

export interface MailTransport {
  /** 'smtp' and 'ses' send for real; 'outbox' keeps the message for /dev/mail. */
  readonly kind: 'smtp' | 'ses' | 'outbox';
  send(message: OutboxTable): Promise<void>;
  /** Whether mail can go out now: an SMTP handshake and login, remembered for a short while. */
  verify(): Promise<TransportCheck>;
  close(): void;
}

export interface TransportCheck {
  ok: boolean;
  detail: string;
}

/** Readiness probes come every few seconds; one SMTP handshake per half minute answers them all. */
const VERIFY_CACHE_MS = 30_000;

function cachedVerify(probe: () => Promise<TransportCheck>): () => Promise<TransportCheck> {
  let last: { at: number; result: Promise<TransportCheck> } | undefined;
  return () => {
    const now = Date.now();
    if (!last || now - last.at >= VERIFY_CACHE_MS) last = { at: now, result: probe() };
    return last.result;
  };
}

export function createTransport(smtpUrl: string | undefined, from: string): MailTransport {
  if (!smtpUrl) {
    // Kept for /dev/mail, never sent: ready, but it says so rather than claiming delivery.
    return { kind: 'outbox', send: async () => {}, verify: async () => ({ ok: true, detail: 'outbox: kept locally, not sent (no SMTP_URL)' }), close: () => {} };
  }
  if (smtpUrl.startsWith('ses:')) return sesTransport(smtpUrl.slice('ses:'.length), from);
  // Pooled: a few SMTP connections carry many messages each, which is what makes a burst of crew
  // emails cheap. The URL is taken apart here: given as `url`, nodemailer drops `pool` and opens a
  // connection per message (what 0.1.0 did, unknowingly: 150 ms a message instead of 2).
  const url = new URL(smtpUrl);
  const secure = url.protocol === 'smtps:';
  const transporter = nodemailer.createTransport({
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port || (secure ? 465 : 587)),
    secure,
    ...(url.username ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } } : {}),
    pool: true,
    maxConnections: 4,
    maxMessages: Infinity,
    connectionTimeout: 5_000,
    greetingTimeout: 5_000,
    socketTimeout: 15_000,
    ...(smtpUrl.startsWith('smtp:') ? { getSocket: noDelaySocket(smtpUrl) } : {}),
  } as unknown as nodemailer.TransportOptions);
  return fromTransporter('smtp', transporter, from);
}

/**
 * nodemailer leaves Nagle's algorithm on, so each pipelined command can wait for the server's delayed
 * ACK: measured here, twice the messages per second with it off. Plain smtp:// only (STARTTLS still
 * upgrades this socket); smtps:// keeps nodemailer's own TLS socket.
 */
function noDelaySocket(smtpUrl: string) {
  const { hostname, port } = new URL(smtpUrl);
  return (_options: unknown, callback: (error: Error | null, socket?: { connection: Socket }) => void) => {
    const socket = connect(Number(port || 587), hostname.replace(/^\[|\]$/g, ''), () => {
      socket.setNoDelay(true);
      callback(null, { connection: socket });
    });
    socket.once('error', (error) => callback(error));
  };
}

/**
 * Amazon SES (v2 API) through nodemailer, which builds the same MIME message SMTP would carry. Region
 * and credentials come from the AWS environment (AWS_REGION, AWS_ACCESS_KEY_ID…, or a role); an
 * S3-style endpoint override (AWS_ENDPOINT_URL_SESV2) points it elsewhere.
 */
function sesTransport(region: string, from: string): MailTransport {
  const resolved = region || process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION;
  if (!resolved) throw new ConfigError('AWS_REGION', 'is required to send through SES (SMTP_URL=ses:); or write SMTP_URL=ses:us-west-2');
  const sesClient = new SESv2Client({ region: resolved });
  const transporter = nodemailer.createTransport({ SES: { sesClient, SendEmailCommand } } as unknown as nodemailer.TransportOptions);
  return fromTransporter('ses', transporter, from);
}

function fromTransporter(kind: 'smtp' | 'ses', transporter: nodemailer.Transporter, from: string): MailTransport {
  return {
    kind,
    async send(message) {
      await transporter.sendMail({
        from,
        to: message.to_name ? { name: message.to_name, address: message.to_address } : message.to_address,
        subject: message.subject,
        text: message.text_body,
        html: message.html_body,
        messageId: message.message_id,
        headers: { 'X-Dockhand-Kind': message.kind },
      });
    },
    verify: cachedVerify(async () => {
      // SES has no session to open; its API answers when a message is sent.
      if (kind === 'ses') return { ok: true, detail: 'ses' };
      try {
        await transporter.verify();
        return { ok: true, detail: 'smtp: server reachable' };
      } catch (error) {
        return { ok: false, detail: `smtp: ${(error as Error).message}` };
      }
    }),
    close: () => transporter.close(),
  };
}
