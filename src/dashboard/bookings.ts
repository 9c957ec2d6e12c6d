import { CREW_COST_CURRENCY } from '../charter/schema.js';
import { mailWords } from '../orchestrator/mail-words.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { crewCostCents } from '../calendar/types.js';
import { html } from '../lib/html.js';
import { formatCents, formatDuration } from '../lib/time.js';
import type { BookingView } from '../orchestrator/types.js';
import { crewEventOf, type Deps } from './data.js';
import { page, postButton } from './layout.js';
import { bookingBadge, charterTimes, crewBadge, mailBadge, stepBadge, stepTitles, when } from './view.js';

const statuses = ['pending', 'syncing', 'synced', 'failed', 'conflict', 'cancelled'] as const;
const listQuery = z.object({
  status: z.enum(statuses).optional().catch(undefined),
  from: z.iso.date().optional().catch(undefined),
  to: z.iso.date().optional().catch(undefined),
});

/** Messages after a redirect come from this fixed list, so nothing in a URL is ever echoed onto the page. */
const notices: Record<string, string> = {
  created: 'Booking accepted. It is syncing now; this page follows it.',
  existing: 'This booking was already there (same source and external id), so nothing new was created.',
  changed: 'Change saved. Every system is being brought in step.',
  cancelled: 'Cancel requested. Every system is being told.',
  retried: 'Retrying the failed steps.',
  forced: 'Syncing despite the conflict, as you decided.',
  unchanged: 'Nothing was changed.',
};
export const noticeFor = (key: unknown) => (typeof key === 'string' && notices[key] ? { text: notices[key] } : undefined);

const stillMoving = (v: BookingView) => v.status === 'pending' || v.status === 'syncing' || v.steps.notifications.status === 'sending';

function stepCells(v: BookingView) {
  const n = v.steps.notifications;
  return html`<td data-label="Guest page">${stepBadge(v.steps.guest_page.status)}</td><td data-label="Calendar">${stepBadge(v.steps.calendar.status)}</td>
<td data-label="Crew event">${stepBadge(v.steps.crew_event.status)}</td><td data-label="Mail">${stepBadge(n.status)} <span class="muted">${n.sent}/${n.total} sent</span></td>`;
}

export async function renderBooking(request: FastifyRequest, reply: FastifyReply, deps: Deps, id: string, notice?: { text: string; error?: boolean }, status = 200) {
  const v = await deps.bookings.get(id);
  const b = v.booking;
  const event = await crewEventOf(deps, v);
  const entry = v.steps.calendar.entry_id ? await deps.calendar.get(v.steps.calendar.entry_id).catch(() => undefined) : undefined;
  const costCents = entry ? Math.round(entry.crew_cost * 100) : crewCostCents(b.crew_assignments, b.duration_hours);
  const revenueCents = b.revenue ? Math.round(b.revenue.amount * 100) : undefined;
  const t = charterTimes(b);
  const live = stillMoving(v);
  const steps = (['guest_page', 'calendar', 'crew_event', 'notifications'] as const).map((name) => {
    const s = v.steps[name];
    const extra = name === 'guest_page' && v.steps.guest_page.url ? html`<a href="${v.steps.guest_page.url}">Open the guest page</a>`
      : name === 'crew_event' && v.steps.crew_event.event_id ? html`<a href="#crew-event">See the crew event</a>`
      : name === 'notifications' ? mailWords(v.steps.notifications)
      : name === 'calendar' && entry ? html`<a href="/dashboard/calendar?view=week&amp;date=${b.date}">On the calendar</a>` : '';
    return html`<tr><th scope="row">${stepTitles[name]}</th><td>${stepBadge(s.status)}</td><td>${extra}</td><td>${s.error ?? ''}</td></tr>`;
  });
  const actions = [];
  if (v.status !== 'synced' && v.status !== 'cancelled') actions.push(postButton(request, `/dashboard/bookings/${v.id}/retry`, 'Retry failed steps'));
  if (v.status === 'conflict') actions.push(postButton(request, `/dashboard/bookings/${v.id}/retry`, 'Sync anyway', { kind: 'secondary', fields: { force: '1' }, confirm: 'Sync this booking even though it conflicts with another?' }));
  if (v.status !== 'cancelled') {
    actions.push(html`<a class="button secondary" href="/dashboard/bookings/${v.id}/edit">Edit</a>`);
    actions.push(postButton(request, `/dashboard/bookings/${v.id}/cancel`, 'Cancel booking', { kind: 'danger', confirm: 'Cancel this charter? Crew and guest will be told.' }));
  }
  const body = html`<p><a href="/dashboard/bookings">← All bookings</a></p>
<h1>${b.guest.name}, ${t.date}</h1>
<div id="live"${live ? ' data-live' : ''}>
<p role="status">Sync: ${bookingBadge(v.status)} <span class="muted">version ${v.version}${live ? ', updating by itself' : ''}</span></p>
${v.last_error ? html`<div class="notice error">${v.last_error}</div>` : ''}
<div class="actions">${actions}</div>
<h2>Systems</h2><div class="scroll"><table><thead><tr><th scope="col">System</th><th scope="col">State</th><th scope="col">Link</th><th scope="col">Last error</th></tr></thead><tbody>${steps}</tbody></table></div>
<h2 id="crew-event">Crew event</h2>
${event ? html`<p class="muted">Event ${event.event_id}: ${event.status === 'cancelled' ? 'cancelled' : 'active'}, version ${event.version}</p>
<div class="scroll"><table class="stack"><thead><tr><th scope="col">Person</th><th scope="col">Role</th><th scope="col">Answer</th><th scope="col">Latest email</th></tr></thead><tbody>
${event.crew.map((c) => html`<tr><td data-label="Person"><a href="/dashboard/crew/${c.crew_id}">${c.name}</a></td><td data-label="Role">${c.role}</td><td data-label="Answer">${crewBadge(c.status)}${c.responded_at ? html` <span class="muted">${when(c.responded_at, b.timezone)}</span>` : ''}</td><td data-label="Latest email">${c.email ? mailBadge(c.email.status) : 'None yet'}</td></tr>`)}
</tbody></table></div>` : html`<p class="muted">No crew event yet.</p>`}
<h2>Timeline</h2>
${v.history.length ? html`<ol class="timeline">${v.history.map((h) => html`<li class="${h.outcome === 'error' || h.outcome === 'conflict' ? 'error' : ''}"><strong>${stepTitles[h.step] ?? h.step}</strong>: ${h.outcome === 'ok' ? 'done' : h.outcome} <span class="muted">${when(h.started_at, b.timezone)}</span>${h.error ? html`<br>${h.error}` : ''}</li>`)}</ol>` : html`<p class="muted">Nothing has run yet.</p>`}
</div>
<h2>Charter</h2>
<dl class="facts card"><dt>When</dt><dd>${t.date}, ${t.range} (${b.timezone})</dd><dt>Length</dt><dd>${formatDuration(b.duration_hours)}</dd>
<dt>Boat</dt><dd>${b.boat ?? '—'}</dd><dt>Where</dt><dd>${b.location}</dd>
<dt>Guest</dt><dd>${b.guest.name}${b.guest.party_size ? html`, party of ${b.guest.party_size}` : ''}<br>${b.guest.email ?? ''} ${b.guest.phone ?? ''}</dd>
<dt>Crew asked for</dt><dd>${b.crew_assignments.map((a) => html`${a.count} × ${a.role} at ${formatCents(Math.round(a.hourly_rate * 100))}/h<br>`)}</dd>
<dt>Source</dt><dd>${b.source} ${v.external_id}</dd><dt>Booking id</dt><dd>${v.id}</dd></dl>
<h2>Money <span class="muted">(only operators see this)</span></h2>
<dl class="facts card"><dt>Revenue</dt><dd>${b.revenue ? formatCents(revenueCents!, b.revenue.currency) : 'Not given'}</dd>
<dt>Crew cost</dt><dd>${formatCents(costCents)}</dd>
<dt>Margin</dt><dd>${marginText(b.revenue, revenueCents, costCents)}</dd></dl>`;
  return page(request, reply, { title: `Booking ${b.guest.name}`, section: 'bookings', body, notice, status });
}

/** Revenue and crew cost are only subtracted when they are in one currency; no exchange rate is guessed. */
function marginText(revenue: { currency: string } | null | undefined, revenueCents: number | undefined, costCents: number) {
  if (!revenue || revenueCents === undefined) return '—';
  if (revenue.currency !== CREW_COST_CURRENCY) return `— (revenue is in ${revenue.currency}, crew cost in ${CREW_COST_CURRENCY})`;
  return formatCents(revenueCents - costCents, CREW_COST_CURRENCY);
}

export function registerBookingPages(app: FastifyInstance, deps: Deps): void {
  app.get('/bookings', async (request: FastifyRequest<{ Querystring: Record<string, string> }>, reply) => {
    const q = listQuery.parse(request.query);
    const rows = await deps.bookings.list({ ...q, limit: 100 });
    const views = [];
    for (const row of rows) views.push(await deps.bookings.get(row.id));
    const body = html`<h1>Bookings</h1>
<form class="card actions" method="get" action="/dashboard/bookings" aria-label="Filter bookings">
<div><label for="f-status">Status</label><select id="f-status" name="status"><option value="">Any</option>${statuses.map((s) => html`<option value="${s}"${s === q.status ? ' selected' : ''}>${s}</option>`)}</select></div>
<div><label for="f-from">Charter from</label><input id="f-from" type="date" name="from" value="${q.from ?? ''}"></div>
<div><label for="f-to">Charter to</label><input id="f-to" type="date" name="to" value="${q.to ?? ''}"></div>
<div><button type="submit">Filter</button></div></form>
${views.length === 0 ? html`<p>No bookings match. <a href="/dashboard/bookings/new">Add one</a>.</p>` : html`<div class="scroll"><table class="stack">
<caption class="muted">Newest first; the four systems each booking syncs to.</caption>
<thead><tr><th scope="col">Charter</th><th scope="col">Guest</th><th scope="col">Boat</th><th scope="col">Status</th><th scope="col">Guest page</th><th scope="col">Calendar</th><th scope="col">Crew event</th><th scope="col">Mail</th></tr></thead><tbody>
${views.map((v) => html`<tr><td data-label="Charter"><a href="/dashboard/bookings/${v.id}">${v.booking.date} ${v.booking.start_time}</a></td><td data-label="Guest">${v.booking.guest.name}</td><td data-label="Boat">${v.booking.boat ?? '—'}</td><td data-label="Status">${bookingBadge(v.status)}</td>${stepCells(v)}</tr>`)}
</tbody></table></div>`}`;
    return page(request, reply, { title: 'Bookings', section: 'bookings', body });
  });

  app.get('/bookings/:id', (request: FastifyRequest<{ Params: { id: string }; Querystring: { done?: string } }>, reply) =>
    renderBooking(request, reply, deps, request.params.id, noticeFor(request.query.done)),
  );
}
