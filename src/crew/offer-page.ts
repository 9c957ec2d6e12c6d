import { html, type RawHtml } from '../lib/html.js';
import { charterFacts, shell } from './magic-page.js';
import { deadlineText } from './offer-emails.js';
import type { OfferOutcome, OfferState, OfferView } from './offers.js';

const said: Record<Exclude<OfferState, 'open'>, [string, string]> = {
  accepted: ['confirmed', 'You took this place. Thank you! Your latest email about this charter has your link to it.'],
  passed: ['declined', 'You said no thanks to this place. Thank you for letting us know.'],
  filled: ['declined', 'This place has already been filled by someone else. Thank you all the same; there is nothing more to do.'],
  closed: ['declined', 'This offer has closed. There is nothing more to do.'],
  cancelled: ['cancelled', 'This charter was cancelled. There is nothing more to do.'],
};

function stateLine(v: OfferView): RawHtml {
  if (v.state === 'open') {
    return html`<p class="state pending">A place has opened up and it is offered to you and a few others: the first to accept takes it. Answer by ${deadlineText(v.vacancy.expires_at, v.event.timezone)}.</p>`;
  }
  const [cls, text] = said[v.state];
  return html`<p class="state ${cls}">${text}</p>`;
}

/** The offer of a declined place: the charter's facts, and Accept / No thanks as POST buttons only. */
export function offerPage(token: string, v: OfferView): string {
  const { event, vacancy } = v;
  const base = `/m/${encodeURIComponent(token)}`;
  return shell(
    event.event_name,
    html`<div class="card">
<p class="muted">Hello ${v.name}</p>
<h1>${event.event_name}</h1>
${stateLine(v)}
<dl>
${charterFacts(event, 'Role', vacancy.role, vacancy.hourly_rate_cents)}
</dl>
</div>
${
  v.state === 'open'
    ? html`<div class="actions">
<form method="post" action="${base}/accept"><button class="yes" type="submit">Accept</button></form>
<form method="post" action="${base}/pass"><button class="no" type="submit">No thanks</button></form>
</div>`
    : ''
}
<p><small>This page is yours alone; please do not forward the link.</small></p>`,
  );
}

const refusals: Partial<Record<OfferOutcome, [number, string]>> = {
  filled: [409, 'This place has already been filled: someone else accepted first. Thank you all the same.'],
  closed: [409, 'This offer has closed, so the place can no longer be taken.'],
  cancelled: [409, 'This charter was cancelled.'],
  passed: [409, 'You said no thanks to this place earlier, so it went to others.'],
  unavailable: [409, 'You are already on this charter, or on another charter at the same time, so you cannot take this place.'],
};

/** Why an accept was not recorded, or undefined when it was (the caller redirects to the page). */
export function offerRefusal(outcome: OfferOutcome, token: string): { status: number; page: string } | undefined {
  const refusal = refusals[outcome];
  if (!refusal) return undefined;
  const [status, text] = refusal;
  const heading = outcome === 'filled' ? 'Already filled' : 'Not recorded';
  return {
    status,
    page: shell(heading, html`<div class="card"><h1>${heading}</h1><p class="state declined">${text}</p><p><a href="/m/${encodeURIComponent(token)}">Back to the offer</a></p></div>`),
  };
}
