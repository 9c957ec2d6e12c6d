import { html, raw, type RawHtml } from '../lib/html.js';
import { addHours, formatDuration, formatLocal, localToInstant } from '../lib/time.js';
import { guestPagePolicy, PLAIN_POLICY } from './csp.js';
import { charterIcs } from './ics.js';
import { MAX_PHOTO_BYTES, megabytes, PHOTO_TYPES } from './limits.js';
import { css } from './page-style.js';
import { script } from './page-script.js';
import type { GuestPageContent } from './types.js';

export { PLAIN_POLICY } from './csp.js';

export function layout(title: string, body: RawHtml, policy: string, withScript = false): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<meta http-equiv="Content-Security-Policy" content="${policy}">
<meta name="color-scheme" content="light dark">
<title>${title}</title>
<link rel="icon" href="data:,">
<style>${raw(css)}</style>
</head>
<body>
${body}
${withScript ? html`<script>${raw(script)}</script>` : ''}
</body>
</html>
`.value;
}

/** What the page shows of one ready photo; paths are relative so whoever serves the page serves them. */
export interface GalleryItem {
  thumb: string;
  web: string;
  width: number;
  height: number;
}

export interface GuestPageView {
  slug: string;
  /** The page's own absolute URL (for the calendar entry's description). */
  url: string;
  version: number;
  updatedAt: string;
  closesAt: string;
  /** Set when uploads go to another origin (S3); the policy must allow it. */
  uploadOrigin: string | undefined;
  photos: GalleryItem[];
}

const row = (label: string, value: unknown) => html`<div><dt>${label}</dt><dd>${value}</dd></div>`;

function photoSection(c: GuestPageContent, v: GuestPageView): RawHtml {
  const accept = Object.keys(PHOTO_TYPES).join(',');
  const form =
    c.status === 'cancelled'
      ? html`<p class="note" id="closed">This charter was cancelled, so it no longer takes photos.</p>`
      : new Date(v.closesAt) < new Date()
        ? html`<p class="note" id="closed">Photo uploads for this charter are closed.</p>`
        : html`<form id="up" method="post" action="/g/${v.slug}/upload" enctype="multipart/form-data" data-slug="${v.slug}" data-closes="${v.closesAt}">
<label for="files">Add your photos</label>
<input id="files" name="photo" type="file" accept="${accept}" multiple required aria-describedby="files-hint">
<p class="hint" id="files-hint">JPEG, PNG, WebP or HEIC, up to ${megabytes(MAX_PHOTO_BYTES)} each. Location data is removed before anyone sees them.</p>
<button type="submit">Upload photos</button>
</form>
<p class="note" id="closed" hidden>Photo uploads for this charter are closed.</p>
<ul class="status" id="status" aria-live="polite"></ul>`;
  const items = v.photos.map(
    (p, i) => html`<li><a href="${p.web}"><img src="${p.thumb}" alt="Photo ${i + 1}" width="240" height="240" loading="lazy"></a></li>`,
  );
  return html`<section class="card" aria-labelledby="photos-title" id="photos">
<h2 id="photos-title">Photos</h2>
${form}
<p class="note" id="empty"${v.photos.length ? raw(' hidden') : ''}>No photos yet.</p>
<ul class="gallery" id="gallery">${items}</ul>
<a class="button quiet" id="dl" href="/g/${v.slug}/photos.zip" download${v.photos.length ? '' : raw(' hidden')}>Download all photos (zip)</a>
</section>`;
}

/** The guest's page: everything about the charter, in the charter's own timezone. */
export function renderGuestPage(c: GuestPageContent, v: GuestPageView): string {
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
  const ics = Buffer.from(charterIcs(c, { slug: v.slug, url: v.url, sequence: v.version, stampedAt: v.updatedAt })).toString('base64');

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
<dl>${rows}</dl>
<p class="note">Times are local to the meeting point (${c.timezone}).</p>
${cancelled ? '' : html`<a class="button" href="data:text/calendar;charset=utf-8;base64,${ics}" download="charter-${c.date}.ics">Add to my calendar</a>`}
</div>
${photoSection(c, v)}
</main>
<footer>Charter details from your charter operator.</footer>`;

  const title = `${cancelled ? 'Cancelled: ' : ''}${c.title} – ${start.date}`;
  return layout(title, body, guestPagePolicy(v.uploadOrigin), !cancelled);
}

/** A short answer page in the same style (upload results, refusals), with nothing to run. */
export function messagePage(title: string, eyebrow: string, paragraphs: RawHtml | string, back?: string): string {
  return layout(
    title,
    html`<main>
<div class="card">
<p class="eyebrow">${eyebrow}</p>
<h1>${title}</h1>
${paragraphs}
${back ? html`<a class="button" href="${back}">Back to the charter page</a>` : ''}
</div>
</main>`,
    PLAIN_POLICY,
  );
}

/** The plain, friendly answer for a page that does not exist (or a link that was mistyped). */
export const notFoundPage: string = messagePage(
  'We could not find this charter page',
  'Not found',
  html`<p>The link may be mistyped or no longer in use. Please check the link in your booking message, or ask your charter operator for a new one.</p>`,
);
