import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../src/charter/schema.js';
import { api, eventually, startDockhand, type TestDockhand } from './helpers/app.js';

const fixture = JSON.parse(readFileSync(new URL('./fixtures/booking-may-30.json', import.meta.url), 'utf8'));
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

// One booking carrying every charter fact at its limit: accepted means every service takes it.
const atLimits = (externalId: string, date: string) => ({
  source: 's'.repeat(LIMITS.source),
  external_id: externalId.padEnd(LIMITS.externalId, 'x'),
  date,
  start_time: '23:59',
  timezone: 'Pacific/Kiritimati',
  duration_hours: LIMITS.durationHours,
  boat: 'B'.repeat(LIMITS.boat),
  location: 'L'.repeat(LIMITS.location),
  guest: { name: 'G'.repeat(LIMITS.guestName), email: 'guest@example.com', phone: '+'.padEnd(LIMITS.phone, '1'), party_size: LIMITS.partySize },
  revenue: { amount: LIMITS.revenue, currency: 'USD' },
  crew_assignments: [
    { role: 'r'.repeat(LIMITS.role), count: LIMITS.crewPerRole, hourly_rate: 2.97 },
    { role: 'deck', count: LIMITS.crewTotal - 1 - LIMITS.crewPerRole, hourly_rate: 0 },
    { role: 'captain', count: 1, hourly_rate: LIMITS.hourlyRate },
  ],
});

describe('one set of charter limits, from POST /bookings to every service', () => {
  let t: TestDockhand;
  const post = (body: unknown) => api(`${t.url}/bookings`, { headers: t.operator, body });

  beforeAll(async () => {
    t = await startDockhand({ env: { BOOKING_DAYS_BACK: '365', BOOKING_DAYS_AHEAD: '1095' } });
    const role = 'r'.repeat(LIMITS.role);
    for (let i = 0; i < LIMITS.crewTotal - 1; i++) {
      expect((await api(`${t.url}/crew`, { headers: t.operator, body: { id: `c-${i}`, name: `C ${i}`, email: `c${i}@crew.example`, roles: [role, 'deck'] } })).status).toBe(201);
    }
    await api(`${t.url}/crew`, { headers: t.operator, body: { id: 'skipper', name: 'Skipper', email: 'skip@crew.example', roles: ['captain'] } });
  }, 60_000);
  afterAll(() => t.close());

  it.each([
    ['the earliest date of the window', 'early', -365],
    ['the latest date of the window', 'late', 1095],
  ])('syncs a booking with every fact at its limit, on %s', async (_what, id, offset) => {
    const created = await post(atLimits(id, day(offset)));
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    const synced = await eventually(async () => {
      const view = (await api(`${t.url}/bookings/${created.body.id}`, { headers: t.operator })).body;
      return view.status === 'synced' || view.status === 'failed' ? view : undefined;
    }, 60_000, 'sync to finish');
    expect(synced.status, JSON.stringify(synced.last_error)).toBe('synced');
    // The date window moves with the clock, so this one leaves the window; the other services must not care.
  }, 90_000);

  it.each([
    ['duration_hours', { duration_hours: LIMITS.durationHours + 1 / 60 }],
    ['duration_hours', { duration_hours: 1 / 7 }],
    ['boat', { boat: 'B'.repeat(LIMITS.boat + 1) }],
    ['location', { location: 'L'.repeat(LIMITS.location + 1) }],
    ['guest.name', { guest: { name: 'G'.repeat(LIMITS.guestName + 1) } }],
    ['guest.party_size', { guest: { name: 'G', party_size: LIMITS.partySize + 1 } }],
    ['source', { source: 's'.repeat(LIMITS.source + 1) }],
    ['external_id', { external_id: 'e'.repeat(LIMITS.externalId + 1) }],
    ['revenue.amount', { revenue: { amount: LIMITS.revenue + 0.01, currency: 'USD' } }],
    ['revenue.amount', { revenue: { amount: 840.755, currency: 'USD' } }],
    ['revenue.amount', { revenue: { amount: 840.5, currency: 'JPY' } }],
    ['revenue.currency', { revenue: { amount: 840, currency: 'XYZ' } }],
    ['date', { date: day(-366) }],
    ['date', { date: day(1096) }],
    ['date', { date: '9999-12-31' }],
    ['crew_assignments.0.hourly_rate', { crew_assignments: [{ role: 'crew', count: 1, hourly_rate: LIMITS.hourlyRate + 0.01 }, { role: 'captain', count: 1, hourly_rate: 1 }] }],
    ['crew_assignments.0.count', { crew_assignments: [{ role: 'crew', count: LIMITS.crewPerRole + 1, hourly_rate: 1 }, { role: 'captain', count: 1, hourly_rate: 1 }] }],
    ['crew_assignments', { crew_assignments: [{ role: 'crew', count: LIMITS.crewPerRole, hourly_rate: 1 }, { role: 'deck', count: LIMITS.crewPerRole, hourly_rate: 1 }, { role: 'captain', count: 1, hourly_rate: 1 }] }],
    ['crew_assignments', { duration_hours: LIMITS.durationHours, crew_assignments: [{ role: 'crew', count: 30, hourly_rate: LIMITS.hourlyRate }, { role: 'captain', count: 1, hourly_rate: LIMITS.hourlyRate }] }],
    ['crew_assignments.0.role', { crew_assignments: [{ role: 'r'.repeat(LIMITS.role + 1), count: 1, hourly_rate: 1 }, { role: 'captain', count: 1, hourly_rate: 1 }] }],
  ])('refuses %s just past its limit with 422 at POST /bookings', async (path, change) => {
    const { crew: _c, captain: _k, ...base } = fixture;
    const res = await post({ ...base, date: day(10), external_id: `past-${path}-${Math.random()}`, ...change });
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body.details.map((d: { path: string }) => d.path)).toContain(path);
  });

  it('refuses moving a booking out of the date window with 422, and keeps it where it was', async () => {
    const { crew: _c, captain: _k, ...base } = fixture;
    const created = await post({ ...base, date: day(30), external_id: 'move-me' });
    expect(created.status).toBe(202);
    const moved = await api(`${t.url}/bookings/${created.body.id}`, { method: 'PATCH', headers: t.operator, body: { date: day(1096) } });
    expect(moved.status).toBe(422);
    expect(moved.body.details.map((d: { path: string }) => d.path)).toContain('date');
    expect((await api(`${t.url}/bookings/${created.body.id}`, { headers: t.operator })).body.booking.date).toBe(day(30));
  });
});
