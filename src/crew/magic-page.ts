import { html, raw, type RawHtml } from '../lib/html.js';
import { durationText, payText, roleText, statusText, whenText, type EventFacts } from './format.js';
import type { LinkView } from './magic.js';

type FactsEvent = Pick<EventFacts, 'starts_at' | 'timezone' | 'duration_hours'> & { location: string; notes: string | null };

/** What a crew member reads first on any link page: when, how long, where, the role, their pay, notes. */
export const charterFacts = (event: FactsEvent, roleLabel: string, role: string, rateCents: number | null) =>
  html`<dt>When</dt><dd>${whenText(event)}</dd>
<dt>Duration</dt><dd>${durationText(event.duration_hours)}</dd>
<dt>Where</dt><dd>${event.location}</dd>
<dt>${roleLabel}</dt><dd>${roleText(role)}</dd>
<dt>Your pay</dt><dd>${payText(rateCents, event.duration_hours)}</dd>
${event.notes ? html`<dt>Notes</dt><dd>${event.notes}</dd>` : ''}`;

const style = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 -apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#1b2733;background:#f4f6f8}
main{max-width:560px;margin:0 auto;padding:16px}
.card{background:#fff;border-radius:10px;padding:20px;margin-bottom:16px}
h1{font-size:22px;margin:0 0 8px}h2{font-size:17px;margin:0 0 8px}
dl{margin:0;display:grid;grid-template-columns:auto 1fr;gap:6px 14px}dt{color:#6b7785}dd{margin:0;white-space:pre-line;overflow-wrap:anywhere}
.state{padding:12px 14px;border-radius:8px;margin:12px 0;font-weight:600}
.pending{background:#fff6e0}.confirmed{background:#e4f6ea}.declined,.removed,.cancelled{background:#fde8e8}
ul{padding-left:20px;margin:0}li{margin:4px 0}
.actions{display:flex;gap:12px;flex-wrap:wrap}.actions form{flex:1 1 140px;margin:0}
button{width:100%;font:inherit;font-weight:600;padding:14px;border-radius:8px;border:0;cursor:pointer}
.yes{background:#0b5cad;color:#fff}.no{background:#e9edf1;color:#1b2733}
small,.muted{color:#6b7785}a{color:#0b5cad}`;

/** Every header that keeps a link page out of caches, referrers, search engines and frames. */
export const pageHeaders: Record<string, string> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-robots-tag': 'noindex',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
};

export function shell(title: string, body: RawHtml): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${title}</title><style>${raw(style)}</style></head>
<body><main>${body}</main></body></html>`.value;
}

function stateLine(v: LinkView): RawHtml {
  if (v.event.status === 'cancelled') return html`<p class="state cancelled">This charter was cancelled. There is nothing more to do.</p>`;
  if (v.replacedBy) return html`<p class="state declined">You declined, and ${v.replacedBy} has taken your place. There is nothing more to do.</p>`;
  const { status, responded_at } = v.me;
  if (status === 'confirmed') return html`<p class="state confirmed">You confirmed${responded_at ? html` <small>(${responded_at.slice(0, 16).replace('T', ' ')} UTC)</small>` : ''}. Thank you!</p>`;
  if (status === 'declined') return html`<p class="state declined">You declined. If that changes, confirm below.</p>`;
  return html`<p class="state pending">Please confirm or decline.</p>`;
}

function actions(token: string, v: LinkView): RawHtml | '' {
  if (v.event.status === 'cancelled' || v.replacedBy) return '';
  const base = `/m/${encodeURIComponent(token)}`;
  return html`<div class="actions">
<form method="post" action="${base}/confirm"><button class="yes" type="submit">${v.me.status === 'confirmed' ? 'Confirmed ✓' : 'Confirm'}</button></form>
<form method="post" action="${base}/decline"><button class="no" type="submit">${v.me.status === 'declined' ? 'Declined' : 'Decline'}</button></form>
</div>`;
}

/** The crew member's page: when, where, role, own pay, the guest page and who else is aboard. */
export function linkPage(token: string, v: LinkView): string {
  const { event, me } = v;
  const name = me.name ?? me.crew_id;
  if (me.status === 'removed') {
    return shell(
      event.event_name,
      html`<div class="card"><h1>${event.event_name}</h1><p class="muted">${whenText(event)}</p>
<p class="state removed">Hello ${name}, you are no longer on the crew of this charter. There is nothing more to do.</p></div>`,
    );
  }
  const others = v.everyone.filter((m) => m.status !== 'removed');
  return shell(
    event.event_name,
    html`<div class="card">
<p class="muted">Hello ${name}</p>
<h1>${event.event_name}</h1>
${stateLine(v)}
<dl>
${charterFacts(event, 'Your role', me.role, me.hourly_rate_cents)}
${event.guest_page_url ? html`<dt>Guest page</dt><dd><a href="${event.guest_page_url}" rel="noreferrer noopener">${event.guest_page_url}</a></dd>` : ''}
</dl>
</div>
<div class="card"><h2>Crew</h2><ul>${others.map(
      (m) => html`<li>${m.name ?? m.crew_id}${m.crew_id === me.crew_id ? ' (you)' : ''}, ${roleText(m.role).toLowerCase()}: <strong>${statusText[m.status] ?? m.status}</strong></li>`,
    )}</ul></div>
${actions(token, v)}
<p><small>This page is yours alone; please do not forward the link.</small></p>`,
  );
}

/** The same answer for unknown, malformed and expired links: nothing to learn by guessing. */
export const notFoundPage = (): string =>
  shell(
    'Link not found',
    html`<div class="card"><h1>This link does not work</h1>
<p>It may have expired, or a newer email about this charter replaced it. Use the link in the latest email you received, or ask your operator to send a new one.</p></div>`,
  );

const refusals = {
  cancelled: 'This charter was cancelled, so it no longer takes answers.',
  removed: 'You are no longer on the crew of this charter, so it no longer takes your answer.',
  replaced: 'You declined, and someone else has since taken your place on this charter.',
};

export function refusedPage(reason: keyof typeof refusals, token: string): string {
  const said = refusals[reason];
  return shell(
    'Not recorded',
    html`<div class="card"><h1>Your answer was not recorded</h1><p class="state ${reason === 'replaced' ? 'declined' : reason}">${said}</p>
<p><a href="/m/${encodeURIComponent(token)}">Back to the charter</a></p></div>`,
  );
}

export const tooManyPage = (retryAfter: number): string =>
  shell(
    'Too many requests',
    html`<div class="card"><h1>Slow down a little</h1><p>Too many requests came from your address. Try again in ${retryAfter} seconds.</p></div>`,
  );

/** A link that has changed its answer too often today: what stands, and when it can change again. */
export function answerLimitPage(token: string, standing: string, until: string, limit: number): string {
  return shell(
    'Not recorded',
    html`<div class="card"><h1>Your answer was not changed</h1>
<p class="state ${standing}">You have answered ${limit} times on this link in the last 24 hours, so this change was not recorded. Your answer stays: <strong>${statusText[standing] ?? standing}</strong>.</p>
<p>Each change emails the rest of the crew, so the link takes a new answer again from ${until}. If your plans have really changed before then, call or message your captain or the charter operator.</p>
<p><a href="/m/${encodeURIComponent(token)}">Back to the charter</a></p></div>`,
  );
}
