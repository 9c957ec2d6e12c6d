import { html, type RawHtml } from '../lib/html.js';
import type { ErrorDetail } from '../http/errors.js';
import type { CrewMember } from '../crew/types.js';
import type { Booking } from '../orchestrator/types.js';

/** Form fields carry the API's own paths ("guest.email"), so a 422 detail lands beside its field. */
export type FormValues = Record<string, string | string[] | undefined>;

const text = (v: FormValues, k: string): string | undefined => {
  const raw = v[k];
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  return value === '' ? undefined : value;
};
// A number field left as text fails the API's own check with its own message; empty means absent.
const num = (v: FormValues, k: string): number | string | undefined => {
  const value = text(v, k);
  return value === undefined ? undefined : Number.isFinite(Number(value)) ? Number(value) : value;
};
const list = (v: FormValues, k: string): string[] => {
  const raw = v[k];
  return (Array.isArray(raw) ? raw : raw ? [raw] : []).flatMap((s) => s.split(/[\s,;]+/)).filter(Boolean);
};

/** The booking body the API would receive, built from the form (or a CSV row with the same names). */
export function bookingFromForm(v: FormValues): unknown {
  const amount = num(v, 'revenue.amount');
  const crew = list(v, 'crew');
  return {
    source: text(v, 'source'),
    external_id: text(v, 'external_id'),
    date: text(v, 'date'),
    start_time: text(v, 'start_time'),
    timezone: text(v, 'timezone'),
    duration_hours: num(v, 'duration_hours'),
    boat: text(v, 'boat'),
    location: text(v, 'location'),
    guest: { name: text(v, 'guest.name'), email: text(v, 'guest.email'), phone: text(v, 'guest.phone'), party_size: num(v, 'guest.party_size') },
    ...(amount === undefined ? {} : { revenue: { amount, currency: text(v, 'revenue.currency') ?? 'USD' } }),
    crew_assignments: [
      { role: 'crew', count: num(v, 'crew_count') ?? 0, hourly_rate: num(v, 'crew_rate') ?? 0 },
      { role: 'captain', count: 1, hourly_rate: num(v, 'captain_rate') ?? 0 },
    ],
    ...(crew.length ? { crew } : {}),
    ...(text(v, 'captain') ? { captain: text(v, 'captain') } : {}),
  };
}

export function formFromBooking(b: Booking): FormValues {
  const crewRole = b.crew_assignments.find((a) => a.role !== 'captain');
  const captainRole = b.crew_assignments.find((a) => a.role === 'captain');
  return {
    source: b.source, external_id: b.external_id, date: b.date, start_time: b.start_time, timezone: b.timezone,
    duration_hours: String(b.duration_hours), boat: b.boat ?? '', location: b.location,
    'guest.name': b.guest.name, 'guest.email': b.guest.email ?? '', 'guest.phone': b.guest.phone ?? '',
    'guest.party_size': b.guest.party_size ? String(b.guest.party_size) : '',
    'revenue.amount': b.revenue ? String(b.revenue.amount) : '', 'revenue.currency': b.revenue?.currency ?? 'USD',
    crew_count: String(crewRole?.count ?? 0), crew_rate: String(crewRole?.hourly_rate ?? 0), captain_rate: String(captainRole?.hourly_rate ?? 0),
    crew: b.crew ?? [], captain: b.captain ?? '',
  };
}

/** Which form field an API error path belongs to. */
export function fieldOf(path: string): string {
  if (path.startsWith('crew_assignments.1')) return 'captain_rate';
  if (path === 'crew_assignments.0.hourly_rate') return 'crew_rate';
  if (path.startsWith('crew_assignments')) return 'crew_count';
  if (path.startsWith('crew.')) return 'crew';
  return path;
}

/** Zod's type messages are written for programmers; a form needs them in plain words. */
export function plainMessage(message: string): string {
  if (/received undefined/.test(message)) return 'is required';
  if (/expected number/.test(message)) return 'must be a number';
  if (/expected string/.test(message)) return 'is required';
  return message;
}

export type FieldErrors = Map<string, string[]>;

export function fieldErrors(details: ErrorDetail[]): FieldErrors {
  const errors: FieldErrors = new Map();
  for (const d of details) {
    const field = fieldOf(d.path);
    errors.set(field, [...(errors.get(field) ?? []), plainMessage(d.message)]);
  }
  return errors;
}

/** A labelled input with its hint and its errors tied to it for screen readers. */
export function field(name: string, label: string, values: FormValues, errors: FieldErrors, opts: { type?: string; hint?: string; required?: boolean; attrs?: RawHtml } = {}) {
  const id = `f-${name.replace(/\./g, '-')}`;
  const errs = errors.get(name) ?? [];
  const value = values[name];
  const described = [opts.hint ? `${id}-hint` : '', errs.length ? `${id}-err` : ''].filter(Boolean).join(' ');
  return html`<div><label for="${id}">${label}${opts.required ? '' : html` <span class="muted">(optional)</span>`}</label>
${opts.hint ? html`<p class="hint" id="${id}-hint">${opts.hint}</p>` : ''}
<input id="${id}" name="${name}" type="${opts.type ?? 'text'}" value="${Array.isArray(value) ? value.join(' ') : (value ?? '')}"${opts.required ? ' required' : ''}${described ? html` aria-describedby="${described}"` : ''}${errs.length ? html` aria-invalid="true"` : ''}${opts.attrs ?? ''}>
${errs.length ? html`<p class="field-error" id="${id}-err">${errs.map((e) => `${label} ${e}.`).join(' ')}</p>` : ''}</div>`;
}

const labels: Record<string, string> = {
  source: 'Source', external_id: 'External id', boat: 'Boat', date: 'Date', start_time: 'Start time', timezone: 'Timezone',
  duration_hours: 'Hours', location: 'Location', 'guest.name': 'Guest name', 'guest.email': 'Guest email', 'guest.phone': 'Guest phone',
  'guest.party_size': 'Party size', 'revenue.amount': 'Revenue', 'revenue.currency': 'Currency', crew_count: 'Crew',
  crew_rate: 'Crew hourly rate', captain_rate: 'Captain hourly rate', crew: 'Crew', captain: 'Captain',
  id: 'Id', name: 'Name', email: 'Email', roles: 'Roles',
};

/** An error summary at the top, each item linking to its field (the GOV.UK pattern). */
export function errorSummary(message: string | undefined, errors: FieldErrors) {
  if (!message && errors.size === 0) return '';
  return html`<div class="notice error" role="alert" tabindex="-1" id="error-summary"><p><strong>${message ?? 'Please fix the fields below.'}</strong></p>
${errors.size ? html`<ul>${[...errors].map(([name, msgs]) => html`<li><a href="#f-${name.replace(/\./g, '-')}">${labels[name] ?? name}</a> ${msgs.join('; ')}</li>`)}</ul>` : ''}</div>`;
}

export function crewChoices(roster: CrewMember[], values: FormValues, errors: FieldErrors) {
  const chosen = new Set(list(values, 'crew'));
  const crewErr = errors.get('crew') ?? [];
  const captainErr = errors.get('captain') ?? [];
  const captains = roster.filter((m) => m.roles.includes('captain'));
  const deckhands = roster.filter((m) => m.roles.some((r) => r !== 'captain'));
  return html`<fieldset${crewErr.length ? html` aria-describedby="f-crew-err"` : ''}><legend>Crew <span class="muted">(optional: leave empty to choose by role and availability)</span></legend>
<span id="f-crew"></span>${deckhands.length ? deckhands.map((m) => html`<label class="check"><input type="checkbox" name="crew" value="${m.id}"${chosen.has(m.id) ? ' checked' : ''}> ${m.name} <span class="muted">(${m.id})</span></label>`) : html`<p class="muted">The roster has nobody for the crew role yet.</p>`}
${crewErr.length ? html`<p class="field-error" id="f-crew-err">${crewErr.join('; ')}</p>` : ''}</fieldset>
<div><label for="f-captain">Captain</label><select id="f-captain" name="captain"${captainErr.length ? html` aria-invalid="true" aria-describedby="f-captain-err"` : ''}>
<option value="">Choose automatically</option>${captains.map((m) => html`<option value="${m.id}"${values.captain === m.id ? ' selected' : ''}>${m.name} (${m.id})</option>`)}</select>
${captainErr.length ? html`<p class="field-error" id="f-captain-err">${captainErr.join('; ')}</p>` : ''}</div>`;
}

/** The charter fields shared by the new-booking and the edit forms. */
export function charterFields(values: FormValues, errors: FieldErrors) {
  return html`<fieldset><legend>When and where</legend><div class="grid">
${field('date', 'Date', values, errors, { type: 'date', required: true })}
${field('start_time', 'Start time', values, errors, { type: 'time', required: true, hint: '24-hour, in the charter\'s timezone' })}
${field('timezone', 'Timezone', values, errors, { required: true, hint: 'IANA name, like America/Los_Angeles' })}
${field('duration_hours', 'Hours', values, errors, { type: 'number', required: true, attrs: html` step="0.25" min="0.25"` })}
${field('location', 'Location', values, errors, { required: true })}
</div></fieldset>
<fieldset><legend>Guest</legend><div class="grid">
${field('guest.name', 'Guest name', values, errors, { required: true, attrs: html` autocomplete="off"` })}
${field('guest.email', 'Guest email', values, errors, { type: 'email' })}
${field('guest.phone', 'Guest phone', values, errors, { type: 'tel' })}
${field('guest.party_size', 'Party size', values, errors, { type: 'number', attrs: html` min="1"` })}
</div></fieldset>`;
}
