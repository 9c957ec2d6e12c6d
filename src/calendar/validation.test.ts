import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startDockhand, TEST_DASHBOARD_TOKEN, TEST_SERVICE_KEY, type TestDockhand } from '../../test/helpers/app.js';

const origin = JSON.parse(readFileSync(new URL('../../test/fixtures/calendar-entry-origin.json', import.meta.url), 'utf8')) as Record<string, unknown>;
type Body = Record<string, unknown>;

describe('calendar credentials and bad input', () => {
  let t: TestDockhand;
  let existing: string;
  const calendar = (path = '') => `${t.url}/calendar${path}`;
  const counts = async () => {
    const n = async (table: 'calendar_entries' | 'audit_log' | 'idempotency_keys') =>
      Number((await t.dockhand.ctx.db.selectFrom(table).select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    return [await n('calendar_entries'), await n('audit_log'), await n('idempotency_keys')];
  };

  beforeAll(async () => {
    t = await startDockhand({ only: 'calendar', background: false });
    existing = (await api(calendar(), { headers: t.operator, body: origin })).body.id;
  });
  afterAll(() => t.close());

  it('refuses a missing or wrong credential with 401 on every route, in either header', async () => {
    const wrong: Record<string, string>[] = [
      {},
      { 'x-dashboard-token': 'wrong-token' },
      { authorization: 'Bearer wrong-token' },
      { authorization: `Basic ${TEST_DASHBOARD_TOKEN}` },
      // The crew-service key is not an operator credential, in either header.
      { 'x-service-key': TEST_SERVICE_KEY },
      { authorization: `Bearer ${TEST_SERVICE_KEY}` },
    ];
    const before = await counts();
    for (const [method, path] of [['POST', ''], ['GET', ''], ['GET', `/${existing}`], ['PATCH', `/${existing}`], ['DELETE', `/${existing}`]] as const) {
      for (const headers of wrong) {
        const body = method === 'POST' ? origin : method === 'PATCH' ? { duration_hours: 9 } : undefined;
        const res = await api(calendar(path), { method, headers, body });
        expect(res.status, `${method} ${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(res.body.error).toBe('unauthorized');
      }
    }
    // Even an unreadable body gets 401, not a parse error, without a credential.
    expect((await api(calendar(), { body: '{"event_type":' })).status).toBe(401);
    expect(await counts()).toEqual(before);
  });

  it('accepts the dashboard token in either header', async () => {
    for (const headers of [{ 'x-dashboard-token': TEST_DASHBOARD_TOKEN }, { authorization: `Bearer ${TEST_DASHBOARD_TOKEN}` }] as Record<string, string>[]) {
      expect((await api(calendar(`/${existing}`), { headers })).status).toBe(200);
    }
  });

  it('answers malformed JSON with 400 and writes nothing', async () => {
    const before = await counts();
    const res = await api(calendar(), { headers: t.operator, body: '{"event_type": "charter",' });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/not valid JSON/);
    const patch = await api(calendar(`/${existing}`), { method: 'PATCH', headers: t.operator, body: '{duration_hours: 4}' });
    expect(patch.status).toBe(400);
    expect(await counts()).toEqual(before);
  });

  it.each<[string, (b: Body) => Body, string]>([
    ['a missing field', ({ location: _l, ...b }) => b, 'location'],
    ['an empty event type', (b) => ({ ...b, event_type: '   ' }), 'event_type'],
    ['an impossible date', (b) => ({ ...b, date: '2024-02-30' }), 'date'],
    ['a date in another format', (b) => ({ ...b, date: '05/30/2024' }), 'date'],
    ['a negative duration', (b) => ({ ...b, duration_hours: -3 }), 'duration_hours'],
    ['a zero duration', (b) => ({ ...b, duration_hours: 0 }), 'duration_hours'],
    ['a duration over two weeks', (b) => ({ ...b, duration_hours: 24 * 14 + 1 }), 'duration_hours'],
    ['a duration as text', (b) => ({ ...b, duration_hours: '3' }), 'duration_hours'],
    ['an unknown timezone', (b) => ({ ...b, timezone: 'America/Atlantis' }), 'timezone'],
    ['a bad start time', (b) => ({ ...b, start_time: '25:00' }), 'start_time'],
    ['an unknown field', (b) => ({ ...b, revenue: 840.75 }), 'revenue'],
    ['an unknown field in a crew assignment', (b) => ({ ...b, crew_assignments: [{ role: 'crew', count: 1, hourly_rate: 25, email: 'x@y' }] }), 'crew_assignments.0.email'],
    ['a fractional crew count', (b) => ({ ...b, crew_assignments: [{ role: 'crew', count: 1.5, hourly_rate: 25 }] }), 'crew_assignments.0.count'],
    ['a negative hourly rate', (b) => ({ ...b, crew_assignments: [{ role: 'crew', count: 1, hourly_rate: -1 }] }), 'crew_assignments.0.hourly_rate'],
    ['a rate in fractions of a cent', (b) => ({ ...b, crew_assignments: [{ role: 'crew', count: 1, hourly_rate: 25.005 }] }), 'crew_assignments.0.hourly_rate'],
    ['crew assignments that are not a list', (b) => ({ ...b, crew_assignments: 'two crew' }), 'crew_assignments'],
    ['an over-long guest name', (b) => ({ ...b, guest_name: 'x'.repeat(201) }), 'guest_name'],
  ])('answers %s with 422 naming the path, and writes nothing', async (_what, mutate, path) => {
    const before = await counts();
    const res = await api(calendar(), { headers: { ...t.operator, 'idempotency-key': `bad-${path}` }, body: mutate(origin) });
    expect(res.status).toBe(422);
    expect(res.body.error).toBe('validation_failed');
    expect(res.body.details.map((d: { path: string }) => d.path)).toContain(path);
    expect(res.body.message).toContain(path);
    expect(await counts()).toEqual(before);
  });

  it.each<[string, Body, string]>([
    ['an empty patch', {}, '(body)'],
    ['an impossible date', { date: '2023-02-29' }, 'date'],
    ['a negative duration', { duration_hours: -1 }, 'duration_hours'],
    ['an unknown timezone', { timezone: 'Mars/Olympus' }, 'timezone'],
    ['an unknown field', { status: 'cancelled' }, 'status'],
    ['null for a required field', { location: null }, 'location'],
  ])('refuses a PATCH with %s (422) and changes nothing', async (_what, patch, path) => {
    const before = await counts();
    const res = await api(calendar(`/${existing}`), { method: 'PATCH', headers: t.operator, body: patch });
    expect(res.status).toBe(422);
    expect(res.body.details.map((d: { path: string }) => d.path)).toContain(path);
    expect(await counts()).toEqual(before);
    expect((await api(calendar(`/${existing}`), { headers: t.operator })).body.version).toBe(1);
  });

  it('says which field is missing in words a person can act on', async () => {
    const { location: _l, ...body } = origin;
    const res = await api(calendar(), { headers: t.operator, body });
    expect(res.body.message).toBe('The calendar entry is not valid: location: is required.');
  });
});
