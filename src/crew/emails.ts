import { html, type RawHtml } from '../lib/html.js';
import { emailButton, emailLayout } from '../mail/layout.js';
import { durationText, payText, roleText, shortWhen, whenText, type EventFacts } from './format.js';

export interface Recipient {
  name: string;
  role: string;
  rateCents: number | null;
}

export interface MailParts {
  subject: string;
  text: string;
  html: string;
}

const muted = 'padding:2px 12px 2px 0;color:#6b7785;vertical-align:top';

export function facts(e: EventFacts, who: Recipient): [string, string][] {
  const rows: [string, string][] = [
    ['When', whenText(e)],
    ['Duration', durationText(e.duration_hours)],
    ['Where', e.location],
    ['Your role', roleText(who.role)],
    ['Your pay', payText(who.rateCents, e.duration_hours)],
  ];
  if (e.notes) rows.push(['Notes', e.notes]);
  if (e.guest_page_url) rows.push(['Guest page', e.guest_page_url]);
  return rows;
}

export const factsHtml = (rows: [string, string][]) =>
  html`<table role="presentation" style="border-collapse:collapse">${rows.map(
    ([k, v]) => html`<tr><td style="${muted}">${k}</td><td style="white-space:pre-line">${v}</td></tr>`,
  )}</table>`;

/** Joins text lines, keeping at most one blank line in a row. */
export const lines = (...all: (string | false | undefined)[]) =>
  all
    .filter((l): l is string => typeof l === 'string')
    .filter((l, i, arr) => l !== '' || (i > 0 && arr[i - 1] !== ''))
    .join('\n')
    .trim();

export function compose(subject: string, heading: string, textParts: string[], body: RawHtml): MailParts {
  const page = html`<h1 style="font-size:20px;margin:0 0 12px">${heading}</h1>
${body}`;
  return { subject, text: lines(...textParts), html: emailLayout(subject, page) };
}

/** The first email: what, when, where, their pay, and the link to answer. */
export function inviteMail(e: EventFacts, who: Recipient, link: string): MailParts {
  const subject = `Please confirm: ${e.event_name}, ${shortWhen(e)}`;
  const rows = facts(e, who);
  return compose(
    subject,
    e.event_name,
    [
      `Hello ${who.name},`,
      '',
      `You are asked to work this charter as ${roleText(who.role).toLowerCase()}. Please confirm or decline:`,
      link,
      '',
      ...rows.map(([k, v]) => `${k}: ${v}`),
      '',
      'The link is yours alone; it shows who else is on the crew and lets you answer.',
    ],
    html`<p>Hello ${who.name},</p>
<p>You are asked to work this charter as <strong>${roleText(who.role).toLowerCase()}</strong>. Please confirm or decline.</p>
${factsHtml(rows)}
${emailButton(link, 'Confirm or decline')}
<p style="color:#6b7785;font-size:13px">This link is yours alone: ${link}</p>`,
  );
}

/** Something changed; "reconfirm" when the time moved and the earlier answer no longer counts. */
export function changeMail(e: EventFacts, who: Recipient, changes: string[], link: string, reconfirm: boolean): MailParts {
  const subject = `${reconfirm ? 'Please confirm again' : 'Changed'}: ${e.event_name}, ${shortWhen(e)}`;
  const ask = reconfirm ? 'The time has changed, so your earlier answer was reset. Please confirm or decline again:' : 'Your link, with the latest details:';
  const rows = facts(e, who);
  return compose(
    subject,
    reconfirm ? 'The charter moved: please confirm again' : 'The charter has changed',
    [
      `Hello ${who.name},`,
      '',
      `"${e.event_name}" has changed:`,
      ...changes.map((c) => `- ${c}`),
      '',
      ask,
      link,
      '',
      ...rows.map(([k, v]) => `${k}: ${v}`),
      '',
      'Links from earlier emails about this charter no longer work; use this one.',
    ],
    html`<p>Hello ${who.name},</p>
<p>"${e.event_name}" has changed:</p>
<ul>${changes.map((c) => html`<li>${c}</li>`)}</ul>
<p>${ask}</p>
${emailButton(link, reconfirm ? 'Confirm or decline' : 'Open your charter page')}
${factsHtml(rows)}
<p style="color:#6b7785;font-size:13px">Links from earlier emails about this charter no longer work; use this one: ${link}</p>`,
  );
}

export function removedMail(e: EventFacts, who: Recipient): MailParts {
  const subject = `No longer needed: ${e.event_name}, ${shortWhen(e)}`;
  const said = `You are no longer on the crew of "${e.event_name}" (${whenText(e)}, ${e.location}). You do not need to do anything.`;
  return compose(
    subject,
    'You are off this charter',
    [`Hello ${who.name},`, '', said, 'Your link for it no longer takes answers.'],
    html`<p>Hello ${who.name},</p><p>${said}</p><p>Your link for it no longer takes answers.</p>`,
  );
}

export function cancelMail(e: EventFacts, who: Recipient): MailParts {
  const subject = `Cancelled: ${e.event_name}, ${shortWhen(e)}`;
  const said = `"${e.event_name}" (${whenText(e)}, ${e.location}) has been cancelled. You do not need to do anything.`;
  return compose(
    subject,
    'Charter cancelled',
    [`Hello ${who.name},`, '', said],
    html`<p>Hello ${who.name},</p><p>${said}</p>`,
  );
}
