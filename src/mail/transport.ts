import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import nodemailer from 'nodemailer';
import { ConfigError } from '../config/env.js';
import type { OutboxTable } from '../db/schema.js';

export interface MailTransport {
  /** 'smtp' and 'ses' send for real; 'outbox' keeps the message for /dev/mail. */
  readonly kind: 'smtp' | 'ses' | 'outbox';
  send(message: OutboxTable): Promise<void>;
  close(): void;
}

export function createTransport(smtpUrl: string | undefined, from: string): MailTransport {
  if (!smtpUrl) {
    return { kind: 'outbox', send: async () => {}, close: () => {} };
  }
  if (smtpUrl.startsWith('ses:')) return sesTransport(smtpUrl.slice('ses:'.length), from);
  // Pooled: one SMTP connection carries many messages, which is what makes a burst of crew emails cheap.
  const transporter = nodemailer.createTransport({
    url: smtpUrl,
    pool: true,
    maxConnections: 3,
    connectionTimeout: 5_000,
    greetingTimeout: 5_000,
    socketTimeout: 15_000,
  } as unknown as nodemailer.TransportOptions);
  return fromTransporter('smtp', transporter, from);
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
    close: () => transporter.close(),
  };
}
