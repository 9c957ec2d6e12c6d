import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DASHBOARD_TOKEN, api, eventually, startDockhand, type TestDockhand } from '../../test/helpers/app.js';
import { sha256Hex } from '../config/credentials.js';
import { parseCsv } from './import.js';
import { SessionKeys, safeNext } from './session.js';

const fixture = (name: string) => readFileSync(new URL(`../../test/fixtures/${name}`, import.meta.url), 'utf8');
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

describe('dashboard sessions', () => {
  const secret = Buffer.alloc(32, 7);
  const keys = new SessionKeys(sha256Hex('token-one-0123456789'), secret);

  it('expire, refuse tampering, and end when the token is rotated', () => {
    const { cookie, session } = keys.issue(0);
    expect(keys.verify(cookie, 1000)?.sid).toBe(session.sid);
    expect(keys.verify(cookie, 12 * 3600_000)).toBeUndefined();
    const [payload, mac] = cookie.split('.');
    const forged = Buffer.from(JSON.stringify({ sid: session.sid, exp: Date.now() * 2 })).toString('base64url');
    expect(keys.verify(`${forged}.${mac}`, 1000)).toBeUndefined();
    expect(keys.verify(`${payload}.${mac}x`, 1000)).toBeUndefined();
    expect(new SessionKeys(sha256Hex('token-two-0123456789'), secret).verify(cookie, 1000)).toBeUndefined();
    // keys.json alone (the token hash) is not enough: the session secret is separate.
    expect(new SessionKeys(sha256Hex('token-one-0123456789'), Buffer.alloc(32, 8)).verify(cookie, 1000)).toBeUndefined();
    expect(keys.checkCsrf(session, keys.csrfFor(session))).toBe(true);
    expect(keys.checkCsrf(session, keys.csrfFor(keys.issue().session))).toBe(false);
  });

  it('never redirects outside the dashboard after sign-in', () => {
    expect(safeNext('/dashboard/bookings?status=failed')).toBe('/dashboard/bookings?status=failed');
    for (const bad of ['https://evil.example/', '//evil.example', '/dashboard\\..\\x', undefined, '/bookings']) expect(safeNext(bad)).toBe('/dashboard/');
  });

  it('reads CSV with quotes, commas and line breaks inside cells', () => {
    expect(parseCsv('a,b\r\n"x, ""y""","multi\nline"\n\n1,2')).toEqual([['a', 'b'], ['x, "y"', 'multi\nline'], ['1', '2']]);
  });
});

describe('dashboard forms over HTTP', () => {
  let t: TestDockhand;
  let cookie: string;
  let csrf: string;

  const get = (path: string) => fetch(`${t.url}${path}`, { headers: { cookie }, redirect: 'manual' });
  const post = (path: string, fields: Record<string, string>, extra: Record<string, string> = {}) =>
    fetch(`${t.url}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', ...extra },
      body: form({ _csrf: csrf, ...fields }),
    });
  const postJson = (path: string, body: unknown, token = csrf) =>
    fetch(`${t.url}${path}`, { method: 'POST', headers: { cookie, 'content-type': 'application/json', 'x-csrf-token': token }, body: JSON.stringify(body) });

  beforeAll(async () => {
    t = await startDockhand();
    for (const member of JSON.parse(fixture('crew.json'))) await api(`${t.url}/crew`, { headers: t.operator, body: member });
    const signin = await fetch(`${t.url}/dashboard/signin`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ token: TEST_DASHBOARD_TOKEN, next: '/dashboard/mail' }),
    });
    expect(signin.status).toBe(303);
    expect(signin.headers.get('location')).toBe('/dashboard/mail');
    expect(signin.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict; Max-Age=43200$/);
    cookie = signin.headers.get('set-cookie')!.split(';')[0]!;
    const page = await (await get('/dashboard/bookings/new')).text();
    csrf = page.match(/name="csrf-token" content="([^"]+)"/)![1]!;
  });
  afterAll(() => t?.close());

  it('serves pages only with a session, and nothing unknown', async () => {
    expect((await fetch(`${t.url}/dashboard`, { redirect: 'manual' })).headers.get('location')).toBe('/dashboard/signin?next=%2Fdashboard');
    expect((await get('/dashboard')).headers.get('location')).toBe('/dashboard/calendar');
    const missing = await get('/dashboard/nowhere');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('text/html');
    const mail = await get('/dashboard/mail');
    expect(mail.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await mail.text()).toContain('kept in the local outbox');
  });

  it('refuses posts from another site and posts without the form token', async () => {
    expect((await post('/dashboard/crew', { id: 'x-1', name: 'X', email: 'x@example.com', roles: 'crew' }, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await postJson('/dashboard/bookings/import/parse', { csv: 'source\n' }, 'wrong')).status).toBe(403);
    expect((await api(`${t.url}/crew/x-1`, { headers: t.operator })).status).toBe(404);
  });

  it('imports a CSV row by row: a bad row is reported and stops nothing', async () => {
    const b = JSON.parse(fixture('booking-may-30.json'));
    const header = 'source,external_id,date,start_time,timezone,duration_hours,boat,location,guest.name,revenue.amount,crew_count,crew_rate,captain_rate';
    const good = `csv,C-1,2024-06-02,10:00,${b.timezone},2,JADA,"Dock 5, Sheraton Marina",Ana's party,500,1,25,50`;
    const bad = `csv,C-2,2024-02-30,10:00,${b.timezone},2,JADA,Dock 5,Late guest,500,1,25,50`;
    const parsed = (await (await postJson('/dashboard/bookings/import/parse', { csv: `${header}\n${good}\n${bad}\n` })).json()) as { rows: { booking: unknown }[] };
    expect(parsed.rows).toHaveLength(2);
    const first = await (await postJson('/dashboard/bookings/import/row', { booking: parsed.rows[0]!.booking })).json();
    expect(first).toMatchObject({ outcome: 'Created', href: expect.stringMatching(/^\/dashboard\/bookings\/bk_/) });
    const second = (await (await postJson('/dashboard/bookings/import/row', { booking: parsed.rows[1]!.booking })).json()) as { error: string };
    expect(second.error).toMatch(/^Refused: date /);

    // Without scripts the whole file is posted and the results come back as a page.
    const page = await post('/dashboard/bookings/import', { csv: `${header}\n${good}\n${bad.replace('C-2', 'C-3')}` });
    const text = await page.text();
    expect(text).toContain('1 of 2 rows accepted');
    expect(text).toContain('Already there, left as it was');
    const unknown = await post('/dashboard/bookings/import', { csv: 'source,colour\nx,red' });
    expect(unknown.status).toBe(422);
    expect(await unknown.text()).toContain('Unknown column &quot;colour&quot;');
  });

  it('edits a booking with only what changed, and refuses a stale form', async () => {
    const [row] = (await api(`${t.url}/bookings`, { headers: t.operator })).body.bookings.filter((r: { external_id: string }) => r.external_id === 'C-1');
    const editPage = await (await get(`/dashboard/bookings/${row.id}/edit`)).text();
    const value = (name: string) => editPage.match(new RegExp(`name="${name.replace('.', '\\.')}" type="[a-z]+" value="([^"]*)"`))![1]!.replace(/&#39;/g, "'").replace(/&amp;/g, '&');
    const fields = Object.fromEntries(['date', 'start_time', 'timezone', 'duration_hours', 'location', 'guest.name', 'guest.email', 'guest.phone', 'guest.party_size'].map((n) => [n, value(n)]));
    const version = editPage.match(/name="version" value="(\d+)"/)![1]!;
    const unchanged = await post(`/dashboard/bookings/${row.id}/edit`, { ...fields, version });
    expect(unchanged.headers.get('location')).toBe(`/dashboard/bookings/${row.id}?done=unchanged`);
    const changed = await post(`/dashboard/bookings/${row.id}/edit`, { ...fields, location: 'Fuel dock', version });
    expect(changed.headers.get('location')).toBe(`/dashboard/bookings/${row.id}?done=changed`);
    const view = (await api(`${t.url}/bookings/${row.id}`, { headers: t.operator })).body;
    expect(view.booking.location).toBe('Fuel dock');
    expect(view.booking.guest.name).toBe("Ana's party");
    const stale = await post(`/dashboard/bookings/${row.id}/edit`, { ...fields, location: 'Somewhere else', version });
    expect(stale.status).toBe(412);
    expect(await stale.text()).toContain('someone changed it meanwhile');
    const invalid = await post(`/dashboard/bookings/${row.id}/edit`, { ...fields, start_time: '25:00', version: String(view.version) });
    expect(invalid.status).toBe(422);
    expect(await invalid.text()).toMatch(/id="f-start_time-err">Start time must be a 24-hour time/);

    expect((await post(`/dashboard/bookings/${row.id}/cancel`, {})).headers.get('location')).toBe(`/dashboard/bookings/${row.id}?done=cancelled`);
    await eventually(async () => (await api(`${t.url}/bookings/${row.id}`, { headers: t.operator })).body.status === 'cancelled', 15_000, 'cancelled');
    const retry = await post(`/dashboard/bookings/${row.id}/retry`, {});
    expect(retry.status).toBe(409);
    expect(await retry.text()).toContain('there is nothing to retry');
  });

  it('shows a pasted booking\'s problems', async () => {
    const broken = await post('/dashboard/bookings/new/json', { json: '{"source": ' });
    expect(broken.status).toBe(400);
    expect(await broken.text()).toContain('This is not valid JSON');
    const invalid = await post('/dashboard/bookings/new/json', { json: JSON.stringify({ ...JSON.parse(fixture('booking-may-30.json')), crew: ['nobody-1', 'crew-2'] }) });
    expect(invalid.status).toBe(422);
    expect(await invalid.text()).toContain('crew.0: &quot;nobody-1&quot; is not on the crew roster');
  });

  it('adds, edits and removes crew with messages beside the fields', async () => {
    const invalid = await post('/dashboard/crew', { id: 'deck-9', name: 'Sam', email: 'sam-at-example', roles: 'crew' });
    expect(invalid.status).toBe(422);
    expect(await invalid.text()).toMatch(/id="f-email-err">Email must be a valid email address/);
    const added = await post('/dashboard/crew', { id: 'deck-9', name: 'Sam', email: 'sam@example.com', roles: 'crew, captain' });
    expect(added.headers.get('location')).toBe('/dashboard/crew/deck-9?done=added');
    expect((await post('/dashboard/crew/deck-9', { name: 'Sam Rivers', email: 'sam@example.com', roles: 'crew' })).status).toBe(303);
    expect((await api(`${t.url}/crew/deck-9`, { headers: t.operator })).body).toMatchObject({ name: 'Sam Rivers', roles: ['crew'] });
    expect((await post('/dashboard/crew/deck-9/remove', {})).headers.get('location')).toBe('/dashboard/crew?done=removed');
    expect((await api(`${t.url}/crew/deck-9`, { headers: t.operator })).status).toBe(404);
  });

  it('signs out only with the form token', async () => {
    expect((await post('/dashboard/signout', { _csrf: 'nope' })).status).toBe(403);
    const out = await post('/dashboard/signout', {});
    expect(out.headers.get('set-cookie')).toMatch(/^dockhand_session=; Path=\/; HttpOnly; SameSite=Strict; Max-Age=0/);
  });
});
