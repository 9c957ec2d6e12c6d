import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import type { CrewMember } from '../crew/types.js';
import { AppError } from '../http/errors.js';
import { html } from '../lib/html.js';
import { crewEventOf, type Deps } from './data.js';
import { errorSummary, field, fieldErrors, type FieldErrors, type FormValues } from './form.js';
import { csrfField, page, postButton } from './layout.js';
import { charterTimes, crewBadge, mailBadge } from './view.js';

const actor = 'operator:dashboard';
const notices: Record<string, string> = { added: 'Added to the roster.', saved: 'Saved.', removed: 'Removed from the roster.', imported: 'Roster imported.', resent: 'A new link is on its way.' };
type Req<P = unknown> = FastifyRequest<{ Body: FormValues; Params: P; Querystring: { done?: string } }>;

const memberBody = (v: FormValues) => ({
  name: String(v.name ?? ''),
  email: String(v.email ?? ''),
  roles: String(v.roles ?? '').split(/[\s,]+/).filter(Boolean),
});
const rosterErrors = (e: AppError): FieldErrors => fieldErrors(e.details.map((d) => ({ ...d, path: d.path.replace(/^roles\.\d+$/, 'roles') })));

function memberFields(values: FormValues, errors: FieldErrors, withId: boolean) {
  return html`<div class="grid">${withId ? field('id', 'Id', values, errors, { required: true, hint: 'Lowercase letters, digits, - or _, like crew-7' }) : ''}
${field('name', 'Name', values, errors, { required: true })}${field('email', 'Email', values, errors, { type: 'email', required: true })}
${field('roles', 'Roles', values, errors, { required: true, hint: 'Separated by commas, like crew, captain' })}</div>`;
}

async function rosterPage(request: FastifyRequest, reply: FastifyReply, deps: Deps, state: { values?: FormValues; errors?: FieldErrors; message?: string; status?: number; notice?: string; json?: string } = {}) {
  const roster = await deps.crew.listCrew();
  const errors = state.errors ?? new Map();
  const body = html`<h1>Crew</h1>
<div class="scroll"><table><caption class="muted">${roster.length} on the roster</caption><thead><tr><th scope="col">Name</th><th scope="col">Id</th><th scope="col">Email</th><th scope="col">Roles</th></tr></thead><tbody>
${roster.map((m) => html`<tr><td><a href="/dashboard/crew/${m.id}">${m.name}</a></td><td>${m.id}</td><td>${m.email}</td><td>${m.roles.join(', ')}</td></tr>`)}
</tbody></table></div>
<h2 id="add">Add someone</h2>${errorSummary(state.message, errors)}
<form class="card" method="post" action="/dashboard/crew" novalidate>${csrfField(request.dashboard!.csrf)}${memberFields(state.values ?? {}, errors, true)}<p><button type="submit">Add to roster</button></p></form>
<h2 id="import">Import a roster (JSON)</h2>
<form class="card" method="post" action="/dashboard/crew/import">${csrfField(request.dashboard!.csrf)}
<label for="roster-json">Roster JSON</label><p class="hint" id="roster-hint">A list of {"id", "name", "email", "roles"}; people already there are updated.</p>
<textarea id="roster-json" name="json" aria-describedby="roster-hint">${state.json ?? ''}</textarea><p><button type="submit">Import roster</button></p></form>`;
  const notice = state.notice ? { text: state.notice } : undefined;
  return page(request, reply, { title: 'Crew', section: 'crew', body, status: state.status, notice });
}

/** The person's charters from yesterday on, with their answer and the state of their latest email. */
async function chartersOf(deps: Deps, crewId: string) {
  const from = DateTime.utc().minus({ days: 1 }).toISODate()!;
  const rows = await deps.bookings.list({ from, limit: 200 });
  const found = [];
  for (const row of rows) {
    const view = await deps.bookings.get(row.id);
    const seat = (await crewEventOf(deps, view))?.crew.find((c) => c.crew_id === crewId && c.status !== 'removed');
    if (seat) found.push({ view, seat });
  }
  return found.sort((a, b) => `${a.view.booking.date}${a.view.booking.start_time}`.localeCompare(`${b.view.booking.date}${b.view.booking.start_time}`));
}

async function memberPage(request: FastifyRequest, reply: FastifyReply, deps: Deps, member: CrewMember, state: { values?: FormValues; errors?: FieldErrors; message?: string; status?: number; notice?: string } = {}) {
  const errors = state.errors ?? new Map();
  const values = state.values ?? { name: member.name, email: member.email, roles: member.roles.join(', ') };
  const charters = await chartersOf(deps, member.id);
  const body = html`<p><a href="/dashboard/crew">← Crew</a></p><h1>${member.name}</h1>
<h2>Upcoming charters</h2>
${charters.length ? html`<div class="scroll"><table class="stack"><thead><tr><th scope="col">When</th><th scope="col">Boat</th><th scope="col">Guest</th><th scope="col">Role</th><th scope="col">Answer</th><th scope="col">Latest email</th><th scope="col">Link</th></tr></thead><tbody>
${charters.map(({ view, seat }) => html`<tr><td data-label="When"><a href="/dashboard/bookings/${view.id}">${view.booking.date}, ${charterTimes(view.booking).range}</a></td><td data-label="Boat">${view.booking.boat ?? '—'}</td><td data-label="Guest">${view.booking.guest.name}</td><td data-label="Role">${seat.role}</td><td data-label="Answer">${crewBadge(seat.status)}</td><td data-label="Latest email">${seat.email ? mailBadge(seat.email.status) : 'None yet'}</td><td data-label="Link">${view.status === 'cancelled' ? '—' : postButton(request, `/dashboard/crew/${member.id}/resend`, 'Resend link', { kind: 'secondary', fields: { event_id: view.steps.crew_event.event_id ?? '' } })}</td></tr>`)}
</tbody></table></div>` : html`<p class="muted">No upcoming charters.</p>`}
<p class="hint">"Resend link" emails a new link; the earlier one stops working.</p>
<h2>Details</h2>${errorSummary(state.message, errors)}
<form class="card" method="post" action="/dashboard/crew/${member.id}" novalidate>${csrfField(request.dashboard!.csrf)}${memberFields(values, errors, false)}<p><button type="submit">Save</button></p></form>
<div class="actions">${postButton(request, `/dashboard/crew/${member.id}/remove`, `Remove ${member.name} from the roster`, { kind: 'danger', confirm: `Remove ${member.name}?` })}</div>`;
  return page(request, reply, { title: member.name, section: 'crew', body, status: state.status, notice: state.notice ? { text: state.notice } : undefined });
}

const invalid = (error: unknown): error is AppError => error instanceof AppError && error.statusCode >= 400 && error.statusCode < 500;

export function registerCrewPages(app: FastifyInstance, deps: Deps): void {
  app.get('/crew', (request: Req, reply) => rosterPage(request, reply, deps, { notice: notices[request.query.done ?? ''] }));

  app.post('/crew', async (request: Req, reply) => {
    try {
      const member = await deps.crew.addCrew({ id: String(request.body.id ?? '').trim(), ...memberBody(request.body) }, actor);
      return reply.redirect(`/dashboard/crew/${member.id}?done=added`, 303);
    } catch (error) {
      if (!invalid(error)) throw error;
      return rosterPage(request, reply, deps, { values: request.body, errors: rosterErrors(error), message: error.message, status: error.statusCode });
    }
  });

  app.post('/crew/import', async (request: Req, reply) => {
    const json = String(request.body.json ?? '');
    try {
      const { added, updated } = await deps.crew.importCrew(JSON.parse(json), actor);
      return rosterPage(request, reply, deps, { notice: `Roster imported: ${added} added, ${updated} updated.` });
    } catch (error) {
      if (error instanceof SyntaxError) return rosterPage(request, reply, deps, { json, message: `This is not valid JSON: ${error.message}.`, status: 400 });
      if (!invalid(error)) throw error;
      return rosterPage(request, reply, deps, { json, message: error.message, status: error.statusCode });
    }
  });

  app.get('/crew/:id', async (request: Req<{ id: string }>, reply) =>
    memberPage(request, reply, deps, await deps.crew.getCrew(request.params.id), { notice: notices[request.query.done ?? ''] }),
  );

  app.post('/crew/:id', async (request: Req<{ id: string }>, reply) => {
    const member = await deps.crew.getCrew(request.params.id);
    try {
      await deps.crew.updateCrew(member.id, memberBody(request.body), actor);
      return reply.redirect(`/dashboard/crew/${member.id}?done=saved`, 303);
    } catch (error) {
      if (!invalid(error)) throw error;
      return memberPage(request, reply, deps, member, { values: request.body, errors: rosterErrors(error), message: error.message, status: error.statusCode });
    }
  });

  app.post('/crew/:id/resend', async (request: Req<{ id: string }>, reply) => {
    const member = await deps.crew.getCrew(request.params.id);
    const eventId = String((request.body as Record<string, unknown> | undefined)?.event_id ?? '');
    try {
      await deps.crew.resendLink(eventId, member.id, actor);
    } catch (error) {
      if (!invalid(error)) throw error;
      return memberPage(request, reply, deps, member, { message: error.message, status: error.statusCode });
    }
    return reply.redirect(`/dashboard/crew/${member.id}?done=resent`, 303);
  });

  app.post('/crew/:id/remove', async (request: Req<{ id: string }>, reply) => {
    const member = await deps.crew.getCrew(request.params.id);
    try {
      await deps.crew.removeCrew(member.id, actor);
    } catch (error) {
      if (!invalid(error)) throw error;
      return memberPage(request, reply, deps, member, { message: error.message, status: error.statusCode });
    }
    return reply.redirect('/dashboard/crew?done=removed', 303);
  });
}
