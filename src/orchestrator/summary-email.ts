import { emailButton, emailLayout } from '../mail/layout.js';
import { html } from '../lib/html.js';
import { formatDuration, formatLocal, localToInstant } from '../lib/time.js';
import type { CrewEventState, CrewMemberRef } from './adapters/ports.js';
import type { Booking } from './types.js';

export interface SummaryInput {
  captain: CrewMemberRef;
  booking: Booking;
  version: number;
  crew: CrewEventState['crew'];
  guestPageUrl: string | null;
}

const stateLabel: Record<string, string> = { pending: 'not yet confirmed', confirmed: 'confirmed', declined: 'declined', removed: 'removed' };

/** The captain's one-page view of the charter: who is aboard and where they stand. No revenue. */
export function captainSummary(input: SummaryInput) {
  const b = input.booking;
  const when = formatLocal(localToInstant(b.date, b.start_time, b.timezone), b.timezone, b.duration_hours);
  const updated = input.version > 1;
  const subject = `${updated ? 'Updated: ' : ''}Captain's summary: ${b.boat ?? 'charter'} on ${when.date}, ${when.time}`;
  const aboard = input.crew.filter((c) => c.status !== 'removed' && !c.replaced_by);
  const lines = aboard.map((c) => `- ${c.name} (${c.role}): ${stateLabel[c.status] ?? c.status}`);
  const text = [
    `Hello ${input.captain.name},`,
    '',
    updated ? 'The charter you are captaining has changed. Here is where it stands now.' : 'You are the captain of this charter.',
    '',
    `When: ${when.date}, ${when.range}`,
    `Duration: ${formatDuration(b.duration_hours)}`,
    `Where: ${b.location}`,
    b.boat ? `Boat: ${b.boat}` : '',
    `Guest: ${b.guest.name}${b.guest.party_size ? `, party of ${b.guest.party_size}` : ''}`,
    '',
    'Crew:',
    ...lines,
    '',
    input.guestPageUrl ? `Guest page: ${input.guestPageUrl}` : '',
    'Each crew member has their own link to confirm or decline; you will hear of any change.',
  ]
    .filter((line, i, all) => line !== '' || all[i - 1] !== '')
    .join('\n');
  const body = html`<h1 style="font-size:20px;margin:0 0 12px">${updated ? 'Charter updated' : "Captain's summary"}</h1>
<p>Hello ${input.captain.name},</p>
<p>${updated ? 'The charter you are captaining has changed. Here is where it stands now.' : 'You are the captain of this charter.'}</p>
<table role="presentation" style="border-collapse:collapse">
<tr><td style="padding:2px 12px 2px 0;color:#6b7785">When</td><td>${when.date}, ${when.range}</td></tr>
<tr><td style="padding:2px 12px 2px 0;color:#6b7785">Duration</td><td>${formatDuration(b.duration_hours)}</td></tr>
<tr><td style="padding:2px 12px 2px 0;color:#6b7785">Where</td><td>${b.location}</td></tr>
${b.boat ? html`<tr><td style="padding:2px 12px 2px 0;color:#6b7785">Boat</td><td>${b.boat}</td></tr>` : ''}
<tr><td style="padding:2px 12px 2px 0;color:#6b7785">Guest</td><td>${b.guest.name}${b.guest.party_size ? `, party of ${b.guest.party_size}` : ''}</td></tr>
</table>
<h2 style="font-size:16px;margin:20px 0 8px">Crew</h2>
<ul>${aboard.map((c) => html`<li>${c.name} (${c.role}): <strong>${stateLabel[c.status] ?? c.status}</strong></li>`)}</ul>
${input.guestPageUrl ? emailButton(input.guestPageUrl, 'Open the guest page') : ''}
<p style="color:#6b7785">Each crew member has their own link to confirm or decline; you will hear of any change.</p>`;
  return {
    to: { address: input.captain.email, name: input.captain.name },
    subject,
    text,
    html: emailLayout(subject, body),
  };
}
