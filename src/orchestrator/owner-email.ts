import type { AppContext } from '../context.js';
import type { Queryable } from '../db/database.js';
import { enqueueMail } from '../mail/outbox.js';
import { emailButton, emailLayout } from '../mail/layout.js';
import { html } from '../lib/html.js';
import type { BookingRow } from './store.js';

/** Tells the owner a booking is held in conflict, why, and how to release it; once per booking version. */
/** Written in the caller's transaction; the caller kicks the mail runner once it commits. */
export async function emailOwnerAboutConflict(ctx: AppContext, q: Queryable, booking: BookingRow, reason: string): Promise<void> {
  const b = booking.data;
  const statusUrl = `${ctx.config.publicBaseUrl}/bookings/${booking.id}`;
  const subject = `Booking needs you: ${b.boat ?? 'charter'} ${b.date} ${b.start_time} (${booking.source} ${booking.external_id})`;
  const text = [
    `Booking ${booking.id} (${booking.source} ${booking.external_id}) for ${b.guest.name} on ${b.date} at ${b.start_time} (${b.timezone}) is on hold.`,
    '',
    `Why: ${reason}.`,
    '',
    'No crew have been notified and no guest page was published for it.',
    'It syncs by itself once the other booking moves or is cancelled. To sync it anyway:',
    `  dockhand retry ${booking.id} --force    or    POST ${statusUrl}/retry {"force": true}`,
    'To drop it: DELETE ' + statusUrl,
  ].join('\n');
  const body = html`<h1 style="font-size:20px;margin:0 0 12px">A booking is on hold</h1>
<p>Booking <strong>${booking.id}</strong> (${booking.source} ${booking.external_id}) for ${b.guest.name} on ${b.date} at ${b.start_time} (${b.timezone}) was not synced.</p>
<p><strong>Why:</strong> ${reason}.</p>
<p>No crew have been notified and no guest page was published for it. It syncs by itself once the other booking moves or is cancelled.
To sync it anyway, run <code>dockhand retry ${booking.id} --force</code> or POST <code>{"force": true}</code> to its retry endpoint.</p>
${emailButton(statusUrl, 'Open the booking')}`;
  await enqueueMail(q, {
    dedupeKey: `owner-conflict:${booking.id}:v${booking.version}`,
    kind: 'owner_conflict',
    refType: 'booking',
    refId: booking.id,
    to: { address: ctx.config.ownerEmail },
    subject,
    text,
    html: emailLayout(subject, body),
  });
}
