import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../http/errors.js';
import { html } from '../lib/html.js';
import type { Booking } from '../orchestrator/types.js';
import { renderBooking } from './bookings.js';
import type { Deps } from './data.js';
import { bookingFromForm, charterFields, crewChoices, errorSummary, field, fieldErrors, formFromBooking, type FieldErrors, type FormValues } from './form.js';
import { importSection } from './import.js';
import { csrfField, page } from './layout.js';

const actor = 'operator:dashboard';
type Req<P = unknown> = FastifyRequest<{ Body: FormValues; Params: P }>;

async function defaultTimezone(deps: Deps): Promise<string> {
  const [latest] = await deps.bookings.list({ limit: 1 });
  if (latest) return (await deps.bookings.get(latest.id)).booking.timezone;
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

async function newPage(request: FastifyRequest, reply: FastifyReply, deps: Deps, state: { values?: FormValues; errors?: FieldErrors; message?: string; json?: string; jsonError?: string; status?: number } = {}) {
  const roster = await deps.crew.listCrew();
  const values = state.values ?? { source: 'dashboard', 'revenue.currency': 'USD', crew_count: '1', crew_rate: '25', captain_rate: '50', duration_hours: '3', timezone: await defaultTimezone(deps) };
  const errors = state.errors ?? new Map();
  const body = html`<h1>New booking</h1>
${errorSummary(state.message, errors)}
<form method="post" action="/dashboard/bookings/new" novalidate>${csrfField(request.dashboard!.csrf)}
<fieldset><legend>Booking</legend><div class="grid">
${field('source', 'Source', values, errors, { required: true, hint: 'Where it came from: boatsetter, phone, website…' })}
${field('external_id', 'External id', values, errors, { required: true, hint: 'Its number there; the same source and id are never booked twice' })}
${field('boat', 'Boat', values, errors)}
</div></fieldset>
${charterFields(values, errors)}
<fieldset><legend>Money and crew</legend><div class="grid">
${field('revenue.amount', 'Revenue', values, errors, { type: 'number', attrs: html` step="0.01" min="0"` })}
${field('revenue.currency', 'Currency', values, errors, { hint: '3 letters, like USD' })}
${field('crew_count', 'Crew (not counting the captain)', values, errors, { type: 'number', required: true, attrs: html` min="0"` })}
${field('crew_rate', 'Crew hourly rate', values, errors, { type: 'number', required: true, attrs: html` step="0.01" min="0"` })}
${field('captain_rate', 'Captain hourly rate', values, errors, { type: 'number', required: true, attrs: html` step="0.01" min="0"` })}
</div>${crewChoices(roster, values, errors)}</fieldset>
<p><button type="submit">Create booking</button></p></form>
<h2 id="paste">Paste a booking as JSON</h2>
<form class="card" method="post" action="/dashboard/bookings/new/json">${csrfField(request.dashboard!.csrf)}
<label for="json">Booking JSON</label><p class="hint" id="json-hint">The same body POST /bookings takes.</p>
<textarea id="json" name="json" aria-describedby="json-hint${state.jsonError ? ' json-err' : ''}"${state.jsonError ? html` aria-invalid="true"` : ''}>${state.json ?? ''}</textarea>
${state.jsonError ? html`<div class="field-error" id="json-err">${state.jsonError}</div>` : ''}
<p><button type="submit">Submit JSON</button></p></form>
${importSection(request)}`;
  return page(request, reply, { title: 'New booking', section: 'new', body, status: state.status });
}

/** Submits through the service; a 422 comes back as the same page with each message beside its field. */
async function submit(request: FastifyRequest, reply: FastifyReply, deps: Deps, body: unknown, onInvalid: (e: AppError) => Promise<FastifyReply>) {
  try {
    const { id, created } = await deps.bookings.submit(body, undefined, actor);
    return reply.redirect(`/dashboard/bookings/${id}?done=${created ? 'created' : 'existing'}`, 303);
  } catch (error) {
    if (error instanceof AppError && error.statusCode === 422) return onInvalid(error);
    throw error;
  }
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Only what the operator changed goes into the PATCH, so an untouched form changes nothing. */
function patchFrom(current: Booking, wanted: Booking | Record<string, unknown>): Record<string, unknown> {
  const w = wanted as Record<string, unknown> & { guest: Record<string, unknown> };
  const patch: Record<string, unknown> = {};
  for (const k of ['date', 'start_time', 'timezone', 'duration_hours', 'location', 'crew', 'captain'] as const) {
    if (!sameJson(w[k], current[k])) patch[k] = w[k] ?? null;
  }
  const guest: Record<string, unknown> = {};
  for (const k of ['name', 'email', 'phone', 'party_size'] as const) {
    if (!sameJson(w.guest[k], current.guest[k])) guest[k] = w.guest[k] ?? null;
  }
  if (Object.keys(guest).length) patch.guest = guest;
  return patch;
}

async function editPage(request: FastifyRequest, reply: FastifyReply, deps: Deps, id: string, state: { values?: FormValues; errors?: FieldErrors; message?: string; status?: number } = {}) {
  const view = await deps.bookings.get(id);
  const values = state.values ?? { ...formFromBooking(view.booking), version: String(view.version) };
  const errors = state.errors ?? new Map();
  const body = html`<p><a href="/dashboard/bookings/${id}">← Back to the booking</a></p><h1>Edit ${view.booking.guest.name}'s charter</h1>
${errorSummary(state.message, errors)}
<form method="post" action="/dashboard/bookings/${id}/edit" novalidate>${csrfField(request.dashboard!.csrf)}
<input type="hidden" name="version" value="${values.version ?? view.version}">
${charterFields(values, errors)}
<fieldset><legend>Crew</legend>${crewChoices(await deps.crew.listCrew(), values, errors)}</fieldset>
<p><button type="submit">Save changes</button></p></form>`;
  return page(request, reply, { title: 'Edit booking', section: 'bookings', body, status: state.status });
}

export function registerBookingActions(app: FastifyInstance, deps: Deps): void {
  app.get('/bookings/new', (request, reply) => newPage(request, reply, deps));

  app.post('/bookings/new', (request: Req, reply) =>
    submit(request, reply, deps, bookingFromForm(request.body), (e) =>
      newPage(request, reply, deps, { values: request.body, errors: fieldErrors(e.details), message: e.message, status: 422 }),
    ),
  );

  app.post('/bookings/new/json', async (request: Req, reply) => {
    const json = typeof request.body.json === 'string' ? request.body.json : '';
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch (error) {
      return newPage(request, reply, deps, { json, jsonError: `This is not valid JSON: ${(error as Error).message}. Check quotes, commas and brackets.`, status: 400 });
    }
    return submit(request, reply, deps, parsed, (e) =>
      newPage(request, reply, deps, { json, jsonError: `${e.message} ${e.details.map((d) => `${d.path}: ${d.message}.`).join(' ')}`, status: 422 }),
    );
  });

  app.get('/bookings/:id/edit', (request: Req<{ id: string }>, reply) => editPage(request, reply, deps, request.params.id));

  app.post('/bookings/:id/edit', async (request: Req<{ id: string }>, reply) => {
    const { id } = request.params;
    const current = await deps.bookings.get(id);
    const patch = patchFrom(current.booking, bookingFromForm({ ...request.body, source: 'x', external_id: 'x' }) as Booking);
    if (Object.keys(patch).length === 0) return reply.redirect(`/dashboard/bookings/${id}?done=unchanged`, 303);
    const version = Number(request.body.version);
    try {
      await deps.bookings.change(id, patch, Number.isInteger(version) && version > 0 ? version : undefined, actor);
      return reply.redirect(`/dashboard/bookings/${id}?done=changed`, 303);
    } catch (error) {
      if (!(error instanceof AppError) || ![409, 412, 422].includes(error.statusCode)) throw error;
      return editPage(request, reply, deps, id, { values: request.body, errors: fieldErrors(error.details), message: error.message, status: error.statusCode });
    }
  });

  app.post('/bookings/:id/retry', async (request: Req<{ id: string }>, reply) => {
    const force = request.body.force === '1';
    try {
      await deps.bookings.retry(request.params.id, actor, force);
    } catch (error) {
      if (!(error instanceof AppError) || error.statusCode !== 409) throw error;
      return renderBooking(request, reply, deps, request.params.id, { text: error.message, error: true }, 409);
    }
    return reply.redirect(`/dashboard/bookings/${request.params.id}?done=${force ? 'forced' : 'retried'}`, 303);
  });

  app.post('/bookings/:id/cancel', async (request: Req<{ id: string }>, reply) => {
    await deps.bookings.cancel(request.params.id, actor);
    return reply.redirect(`/dashboard/bookings/${request.params.id}?done=cancelled`, 303);
  });
}
