export interface OutgoingMail {
  /** Unique per logical message ("crew-invite:ev_1:crew-1:v1"): enqueueing it twice keeps one row. */
  dedupeKey: string;
  kind: string;
  refType?: string;
  refId?: string;
  to: { address: string; name?: string };
  subject: string;
  text: string;
  html: string;
}

export type MailStatus = 'pending' | 'sending' | 'sent' | 'captured' | 'failed';

export interface MailRecord {
  id: string;
  messageId: string;
  kind: string;
  refType: string | null;
  refId: string | null;
  to: string;
  toName: string | null;
  subject: string;
  text: string;
  html: string;
  status: MailStatus;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
}

/** Delivered, either over SMTP or into the local development outbox. */
export const isDelivered = (status: string): boolean => status === 'sent' || status === 'captured';
