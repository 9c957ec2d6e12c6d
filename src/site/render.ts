import { createHash } from 'node:crypto';
import { html, raw, type RawHtml } from '../lib/html.js';
import { addHours, formatDuration, formatLocal, localToInstant } from '../lib/time.js';
import type { GuestPageContent } from './types.js';

// One stylesheet for every page the site serves, so one CSP hash covers them all. No style=""
// attributes anywhere: a hash does not cover those.
const css = `
:root{color-scheme:light dark;--bg:#f4f6f8;--fg:#1b2733;--card:#fff;--muted:#5b6875;--line:#dde3e9;--accent:#0b5cad;--warn-bg:#fdecea;--warn-fg:#8a1c12;--warn-line:#e8a39b}
@media (prefers-color-scheme:dark){:root{--bg:#0f1720;--fg:#e6edf3;--card:#18222d;--muted:#9aa7b4;--line:#2a3744;--accent:#7dbbff;--warn-bg:#4a1612;--warn-fg:#ffdcd6;--warn-line:#8a3a30}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 -apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;overflow-wrap:anywhere}
main{max-width:40rem;margin:0 auto;padding:1rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:1.25rem}
.eyebrow{margin:0;color:var(--accent);font-size:.8rem;font-weight:600;letter-spacing:.06em;text-transform:uppercase}
h1{margin:.25rem 0 .75rem;font-size:1.5rem;line-height:1.25}
.cancelled h1{text-decoration:line-through;color:var(--muted)}
.banner{margin:0 0 1rem;padding:1rem;border:2px solid var(--warn-line);border-radius:12px;background:var(--warn-bg);color:var(--warn-fg)}
.banner strong{display:block;font-size:1.15rem}
.banner p{margin:.25rem 0 0}
dl{margin:1rem 0 0}
dl div{padding:.75rem 0;border-top:1px solid var(--line)}
dt{color:var(--muted);font-size:.85rem}
dd{margin:0;font-size:1.05rem;font-weight:600}
.note{margin:1rem 0 0;color:var(--muted);font-size:.9rem}
footer{padding:1rem;text-align:center;color:var(--muted);font-size:.8rem}
@media (min-width:40rem){main{padding:2rem 1rem}h1{font-size:1.9rem}}
`;

/**
 * Sent as a header and repeated in a <meta> tag, because the file will also be served from S3 and
 * CloudFront, where our headers do not apply. Nothing may load: no scripts, images, fonts or frames.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(css).digest('base64')}'`,
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

function layout(title: string, body: RawHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<meta name="color-scheme" content="light dark">
<title>${title}</title>
<link rel="icon" href="data:,">
<style>${raw(css)}</style>
</head>
<body>
${body}
</body>
</html>
`.value;
}

const row = (label: string, value: unknown) => html`<div><dt>${label}</dt><dd>${value}</dd></div>`;

/** The guest's page: everything about the charter, in the charter's own timezone. */
export function renderGuestPage(c: GuestPageContent): string {
  const startsAt = localToInstant(c.date, c.start_time, c.timezone);
  const start = formatLocal(startsAt, c.timezone, c.duration_hours);
  const end = formatLocal(addHours(startsAt, c.duration_hours), c.timezone, 0);
  const sameDay = end.date === start.date;
  const cancelled = c.status === 'cancelled';

  const rows = [
    row('Date', start.date),
    row('Time', sameDay ? start.range : `${start.time} ${start.zone}`),
    sameDay ? '' : row('Ends', `${end.date}, ${end.time} ${end.zone}`),
    row('Duration', formatDuration(c.duration_hours)),
    c.boat ? row('Boat', c.boat) : '',
    row('Meeting point', c.location),
    c.party_size ? row('Party size', `${c.party_size} guest${c.party_size === 1 ? '' : 's'}`) : '',
  ].filter((r) => r !== '');
  const details = html`<dl>${rows}</dl>`;

  const body = html`<main${cancelled ? raw(' class="cancelled"') : ''}>
${
  cancelled
    ? html`<div class="banner" role="alert"><strong>This charter has been cancelled.</strong><p>It will not take place as planned. If you have questions, please contact your charter operator.</p></div>`
    : ''
}
<div class="card">
<p class="eyebrow">${cancelled ? 'Cancelled charter' : 'Your charter'}</p>
<h1>${c.title}</h1>
<p>${cancelled ? `Hello ${c.guest_name}, here are the details of the charter that was cancelled.` : `Welcome, ${c.guest_name}! Here is everything you need for your charter.`}</p>
${details}
<p class="note">Times are local to the meeting point (${c.timezone}).</p>
</div>
</main>
<footer>Charter details from your charter operator.</footer>`;

  const title = `${cancelled ? 'Cancelled: ' : ''}${c.title} – ${start.date}`;
  return layout(title, body);
}

/** The plain, friendly answer for a page that does not exist (or a link that was mistyped). */
export const notFoundPage: string = layout(
  'Page not found',
  html`<main>
<div class="card">
<p class="eyebrow">Not found</p>
<h1>We could not find this charter page</h1>
<p>The link may be mistyped or no longer in use. Please check the link in your booking message, or ask your charter operator for a new one.</p>
</div>
</main>`,
);
