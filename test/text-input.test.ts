import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { charterIcs } from '../src/site/ics.js';
import { TEST_DASHBOARD_TOKEN, TEST_SERVICE_KEY, api, startDockhand, type TestDockhand } from './helpers/app.js';
import { runCli } from './helpers/cli.js';

const booking = JSON.parse(readFileSync(new URL('./fixtures/booking-may-30.json', import.meta.url), 'utf8'));
const roster = JSON.parse(readFileSync(new URL('./fixtures/crew.json', import.meta.url), 'utf8')) as unknown[];

// Each is not text: NUL (PostgreSQL refuses it), another control character, a lone surrogate, a bidi override.
const notText = { nul: 'Mari\u0000na', bell: 'Mari\u0007na', surrogate: 'Mari\ud800na', bidi: 'Marina \u202Egnp.exe' };

describe('text that is not text, on every input', () => {
  let t: TestDockhand;
  let n = 0;
  const paths = (res: { body: { details?: { path: string }[] } }) => (res.body.details ?? []).map((d) => d.path);

  beforeAll(async () => {
    t = await startDockhand();
    for (const m of roster) await api(`${t.url}/crew`, { headers: t.operator, body: m });
  });
  afterAll(() => t.close());

  it.each(Object.entries(notText))('refuses %s in any booking text field with 422 naming the field', async (_what, bad) => {
    for (const [path, change] of [
      ['location', { location: bad }],
      ['boat', { boat: bad }],
      ['guest.name', { guest: { ...booking.guest, name: bad } }],
      ['guest.phone', { guest: { ...booking.guest, phone: bad } }],
      ['external_id', { external_id: bad }],
    ] as const) {
      const res = await api(`${t.url}/bookings`, { headers: t.operator, body: { ...booking, external_id: `T-${++n}`, ...change } });
      expect(res.status, path).toBe(422);
      expect(paths(res), path).toContain(path);
    }
  });

  it('refuses a tab or line break in a one-line field and stores text in NFC', async () => {
    for (const bad of ['Sheraton\tMarina', 'Sheraton\nMarina', 'Sheraton\rMarina']) {
      const res = await api(`${t.url}/bookings`, { headers: t.operator, body: { ...booking, external_id: `T-${++n}`, location: bad } });
      expect(res.status).toBe(422);
      expect(paths(res)).toContain('location');
    }
    const created = await api(`${t.url}/bookings`, { headers: t.operator, body: { ...booking, external_id: `T-${++n}`, location: 'Cafe\u0301 Dock' } });
    expect(created.status).toBe(202);
    expect((await api(`${t.url}/bookings/${created.body.id}`, { headers: t.operator })).body.booking.location).toBe('Caf\u00e9 Dock');
  });

  it('refuses it at the calendar, the crew service and the roster too', async () => {
    const entry = { event_type: 'charter', date: '2024-05-30', duration_hours: 3, crew_assignments: [], location: 'Dock', guest_name: 'G' };
    const cal = await api(`${t.url}/calendar`, { headers: t.operator, body: { ...entry, notes: 'ok\n' + notText.nul } });
    expect(cal.status).toBe(422);
    expect(paths(cal)).toContain('notes');
    expect((await api(`${t.url}/calendar`, { headers: t.operator, body: { ...entry, notes: 'line one\nline two\tindented' } })).status).toBe(201);

    const event = { event_name: 'Charter', date: '2024-05-30T16:00:00Z', duration_hours: 3, location: notText.bidi, crew: ['crew-1'], captain: 'captain-1' };
    const ev = await api(`${t.url}/events`, { headers: t.service, body: event });
    expect(ev.status).toBe(422);
    expect(paths(ev)).toContain('location');

    const member = await api(`${t.url}/crew`, { headers: t.operator, body: { id: 'x-1', name: notText.surrogate, email: 'x@crew.example', roles: ['crew'] } });
    expect(member.status).toBe(422);
    expect(paths(member)).toContain('name');
  });

  it('refuses it from the dashboard form and the CSV import, naming the field', async () => {
    const signin = await fetch(`${t.url}/dashboard/signin`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: TEST_DASHBOARD_TOKEN, next: '/dashboard/bookings/new' }).toString(),
    });
    const cookie = signin.headers.get('set-cookie')!.split(';')[0]!;
    const page = await (await fetch(`${t.url}/dashboard/bookings/new`, { headers: { cookie } })).text();
    const csrf = page.match(/name="csrf-token" content="([^"]+)"/)![1]!;
    const csv = `source,external_id,date,start_time,timezone,duration_hours,location,guest.name,crew_count,crew_rate,captain_rate\ncsv,C-1,2024-05-30,09:00,America/Los_Angeles,3,"Dock ${notText.nul}",Guest,0,25,50\n`;
    const parsed = (await (await fetch(`${t.url}/dashboard/bookings/import/parse`, { method: 'POST', headers: { cookie, 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify({ csv }) })).json()) as { rows: { booking: unknown }[] };
    const row = (await (await fetch(`${t.url}/dashboard/bookings/import/row`, { method: 'POST', headers: { cookie, 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify({ booking: parsed.rows[0]!.booking }) })).json()) as { error?: string };
    expect(row.error).toMatch(/location/);
  });

  it('refuses it from the CLI, naming the field', async () => {
    const env = { DOCKHAND_DATA_DIR: t.dataDir, DASHBOARD_TOKEN: TEST_DASHBOARD_TOKEN, SERVICE_KEY: TEST_SERVICE_KEY, ...(t.dockhand.ctx.config.databaseUrl ? { DATABASE_URL: t.dockhand.ctx.config.databaseUrl } : {}) };
    const res = await runCli(['crew', 'add', '--id', 'bell-1', '--name', notText.bell, '--email', 'bell@crew.example', '--roles', 'crew'], env);
    expect(res.code).not.toBe(0);
    expect(res.stderr + res.stdout).toMatch(/name/);
    expect((await api(`${t.url}/crew/bell-1`, { headers: t.operator })).status).toBe(404);
  }, 60_000);

  it('never writes a bare CR into a calendar file', () => {
    const ics = charterIcs(
      { booking_ref: 'b', source: 's', title: 'T', date: '2024-05-30', start_time: '09:00', timezone: 'UTC', duration_hours: 1, location: 'A\rB', boat: 'C\r\nD', guest_name: 'G', party_size: null, status: 'scheduled' },
      { slug: 'x', url: 'https://example.com/g/x/', sequence: 1, stampedAt: '2024-01-01T00:00:00Z' },
    );
    expect(ics.replace(/\r\n/g, '')).not.toMatch(/\r/);
  });
});
