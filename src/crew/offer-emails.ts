import { DateTime } from 'luxon';
import { html } from '../lib/html.js';
import { emailButton, emailLayout } from '../mail/layout.js';
import { compose, facts, factsHtml, type MailParts, type Recipient } from './emails.js';
import { roleText, shortWhen, whenText, type EventFacts } from './format.js';

/** "Thu May 30, 9:00 PM PDT": a deadline read in the charter's own timezone. */
export function deadlineText(instantIso: string, zone: string): string {
  return DateTime.fromISO(instantIso, { zone: 'utc' }).setZone(zone).setLocale('en-US').toFormat('ccc LLL d, h:mm a ZZZZ');
}

const a = (role: string) => roleText(role).toLowerCase();

/** The offer of a declined place: first to accept takes it, so it says so. */
export function offerMail(e: EventFacts, who: Recipient, link: string, deadline: string): MailParts {
  const subject = `Place open: ${e.event_name}, ${shortWhen(e)}`;
  const said = `A ${a(who.role)} place has opened up on this charter and it is offered to you and a few others. The first to accept takes it.`;
  const ask = `Accept or say no thanks by ${deadline}:`;
  const rows = facts(e, who);
  return compose(
    subject,
    'A place has opened up',
    [`Hello ${who.name},`, '', said, ask, link, '', ...rows.map(([k, v]) => `${k}: ${v}`), '', 'The link is yours alone.'],
    html`<p>Hello ${who.name},</p>
<p>${said}</p>
${factsHtml(rows)}
<p>${ask}</p>
${emailButton(link, 'Accept or say no thanks')}
<p style="color:#6b7785;font-size:13px">This link is yours alone: ${link}</p>`,
  );
}

/** To the people offered a place that is now gone; "filled" when someone took it. */
export function offerClosedMail(e: EventFacts, who: Recipient, why: 'filled' | 'withdrawn'): MailParts {
  const subject = `${why === 'filled' ? 'Place filled' : 'No longer open'}: ${e.event_name}, ${shortWhen(e)}`;
  const said =
    why === 'filled'
      ? `The ${a(who.role)} place on "${e.event_name}" (${whenText(e)}, ${e.location}) has been taken by someone else. Thank you all the same; you do not need to do anything.`
      : `The ${a(who.role)} place on "${e.event_name}" (${whenText(e)}, ${e.location}) is no longer open. You do not need to do anything.`;
  return compose(subject, why === 'filled' ? 'The place has been filled' : 'The place is no longer open', [`Hello ${who.name},`, '', said], html`<p>Hello ${who.name},</p><p>${said}</p>`);
}

export interface Replacement {
  declined: string;
  took: string;
  role: string;
}

/** To the captain: who declined and who took the place. */
export function replacedMail(e: EventFacts, captainName: string, r: Replacement): MailParts {
  const subject = `Crew change: ${e.event_name}, ${shortWhen(e)}`;
  const said = `${r.declined} declined their place as ${a(r.role)} on "${e.event_name}" (${whenText(e)}, ${e.location}). ${r.took} has taken the place.`;
  return compose(subject, 'Crew change', [`Hello ${captainName},`, '', said], html`<p>Hello ${captainName},</p><p>${said}</p>`);
}

export interface Unfilled {
  eventId: string;
  bookingRef: string | null;
  declined: string;
  role: string;
  reason: string;
  offered: string[];
}

/** To the owner, once per declined place: nobody could be offered it, or nobody took it in time. */
export function unfilledMail(e: EventFacts, u: Unfilled, eventUrl: string): MailParts {
  const subject = `Crew place unfilled: ${e.event_name}, ${shortWhen(e)}`;
  const what = `${u.declined} declined their place as ${a(u.role)} on "${e.event_name}" (${whenText(e)}, ${e.location}${u.bookingRef ? `, booking ${u.bookingRef}` : ''}).`;
  const tried = u.offered.length > 0 ? `Offered to: ${u.offered.join(', ')}.` : 'Nobody was offered it.';
  const todo = `Find someone and put them on the crew: change the booking's crew, or PATCH ${eventUrl} with the crew list.`;
  const body = html`<h1 style="font-size:20px;margin:0 0 12px">A crew place is unfilled</h1>
<p>${what}</p><p><strong>Why it is still open:</strong> ${u.reason}.</p><p>${tried}</p><p>${todo}</p>
${emailButton(eventUrl, 'The crew event')}`;
  return {
    subject,
    text: [what, '', `Why it is still open: ${u.reason}.`, tried, '', todo].join('\n'),
    html: emailLayout(subject, body),
  };
}
