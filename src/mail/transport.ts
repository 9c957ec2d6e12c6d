import nodemailer from 'nodemailer';
import type { OutboxTable } from '../db/schema.js';

export interface MailTransport {
  /** 'smtp' sends for real; 'outbox' keeps the message for /dev/mail. */
  readonly kind: 'smtp' | 'outbox';
  send(message: OutboxTable): Promise<void>;
  close(): void;
}

export function createTransport(smtpUrl: string | undefined, from: string): MailTransport {
  if (!smtpUrl) {
    return { kind: 'outbox', send: async () => {}, close: () => {} };
  }
  // Pooled: one SMTP connection carries many messages, which is what makes a burst of crew emails cheap.
  const transporter = nodemailer.createTransport({
    url: smtpUrl,
    pool: true,
    maxConnections: 3,
    connectionTimeout: 5_000,
    greetingTimeout: 5_000,
    socketTimeout: 15_000,
  } as unknown as nodemailer.TransportOptions);
  return {
    kind: 'smtp',
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
