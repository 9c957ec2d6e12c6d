import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { html } from '../lib/html.js';
import { calendarItems, type CalendarItem, type Deps } from './data.js';
import { page } from './layout.js';
import { bookingBadge, charterTimes, crewBadge } from './view.js';

const querySchema = z.object({
  view: z.enum(['week', 'month']).catch('week'),
  date: z.iso.date().optional().catch(undefined),
  boat: z.string().trim().max(80).optional().catch(undefined),
});

/** "Today" for the operator: in the zone their latest charter sails in, else the server's. */
async function operatorZone(deps: Deps): Promise<string> {
  const [latest] = await deps.bookings.list({ limit: 1 });
  if (!latest) return 'system';
  return (await deps.bookings.get(latest.id)).booking.timezone;
}

function charterCard(item: CalendarItem) {
  const time = item.start_time && item.timezone
    ? charterTimes({ date: item.date, start_time: item.start_time, timezone: item.timezone, duration_hours: item.duration_hours }).range
    : 'All day';
  const body = html`<strong>${time}</strong>${item.boat ? html` · ${item.boat}` : ''}<br>${item.guest} ${bookingBadge(item.status)}
${item.conflict ? html`<br><span class="badge b-bad">Conflict</span> ${item.conflict}` : ''}
${item.crew.length ? html`<ul aria-label="Crew">${item.crew.map((c) => html`<li>${c.name} (${c.role}) ${crewBadge(c.status)}</li>`)}</ul>` : ''}`;
  const cls = `charter${item.conflict ? ' conflict' : ''}${item.cancelled ? ' cancelled' : ''}`;
  return item.href ? html`<a class="${cls}" href="${item.href}">${body}</a>` : html`<div class="${cls}">${body}</div>`;
}

export function registerCalendar(app: FastifyInstance, deps: Deps): void {
  app.get('/calendar', async (request: FastifyRequest<{ Querystring: Record<string, string> }>, reply) => {
    const q = querySchema.parse(request.query);
    const zone = await operatorZone(deps);
    const today = DateTime.now().setZone(zone).toISODate()!;
    const anchor = DateTime.fromISO(q.date ?? today);
    const first = q.view === 'week' ? anchor.startOf('week') : anchor.startOf('month').startOf('week');
    const last = q.view === 'week' ? anchor.endOf('week') : anchor.endOf('month').endOf('week');
    const all = await calendarItems(deps, first.toISODate()!, last.toISODate()!);
    const boats = [...new Set(all.map((i) => i.boat).filter((b): b is string => Boolean(b)))].sort();
    const items = q.boat ? all.filter((i) => (i.boat ?? '').toLowerCase() === q.boat!.toLowerCase()) : all;

    const link = (changes: Record<string, string | undefined>) => {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries({ view: q.view, date: anchor.toISODate()!, boat: q.boat, ...changes })) if (v) params.set(k, v);
      return `/dashboard/calendar?${params}`;
    };
    const step = q.view === 'week' ? { weeks: 1 } : { months: 1 };
    const title = q.view === 'week'
      ? `Week of ${first.setLocale('en-US').toFormat('LLLL d, yyyy')}`
      : anchor.setLocale('en-US').toFormat('LLLL yyyy');

    const days = [];
    for (let d = first; d <= last; d = d.plus({ days: 1 })) {
      const iso = d.toISODate()!;
      const todays = items.filter((i) => i.date === iso);
      const cls = ['day', iso === today ? 'today' : '', q.view === 'month' && d.month !== anchor.month ? 'other' : '', todays.length ? '' : 'empty'].filter(Boolean).join(' ');
      days.push(html`<section class="${cls}" aria-labelledby="d-${iso}"${iso === today ? html` aria-current="date"` : ''}>
<h2 id="d-${iso}">${d.setLocale('en-US').toFormat(q.view === 'week' ? 'ccc LLL d' : 'ccc d')}${iso === today ? html` <span class="badge b-ok">Today</span>` : ''}</h2>
${todays.map(charterCard)}${todays.length === 0 && q.view === 'week' ? html`<p class="muted">No charters</p>` : ''}</section>`);
    }
    const weekdays = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
    const body = html`<h1>Calendar: ${title}</h1>
<form class="card actions" method="get" action="/dashboard/calendar" aria-label="Choose what the calendar shows">
<div><label for="cal-view">View</label><select id="cal-view" name="view"><option value="week"${q.view === 'week' ? ' selected' : ''}>Week</option><option value="month"${q.view === 'month' ? ' selected' : ''}>Month</option></select></div>
<div><label for="cal-date">Date</label><input id="cal-date" type="date" name="date" value="${anchor.toISODate()}"></div>
<div><label for="cal-boat">Boat</label><select id="cal-boat" name="boat"><option value="">All boats</option>${boats.map((b) => html`<option${b === q.boat ? ' selected' : ''}>${b}</option>`)}</select></div>
<div><button type="submit">Show</button></div></form>
<nav class="actions" aria-label="Calendar pages">
<a class="button secondary" href="${link({ date: anchor.minus(step).toISODate()! })}">Previous ${q.view}</a>
<a class="button secondary" href="${link({ date: today })}">Today</a>
<a class="button secondary" href="${link({ date: anchor.plus(step).toISODate()! })}">Next ${q.view}</a>
<a class="button secondary" href="${link({ view: q.view === 'week' ? 'month' : 'week' })}">${q.view === 'week' ? 'Month view' : 'Week view'}</a></nav>
<p class="muted">${items.length} charter${items.length === 1 ? '' : 's'}${q.boat ? html` on ${q.boat}` : ''}. Times are in each charter's own timezone.</p>
${q.view === 'month' ? html`<div class="weekdays" aria-hidden="true">${weekdays.map((w) => html`<div>${w}</div>`)}</div>` : ''}
<div class="days ${q.view}">${days}</div>`;
    return page(request, reply, { title, section: 'calendar', body });
  });
}
