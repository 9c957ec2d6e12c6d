import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startDockhand, type TestDockhand } from './helpers/app.js';

const booking = JSON.parse(readFileSync(new URL('./fixtures/booking-may-30.json', import.meta.url), 'utf8'));

// Crew, the captain and guests read these fields in emails, link pages, offer pages, the guest page,
// calendar files and the crew API; the booking is refused at intake, so none of those ever holds it.
describe('revenue in a field crew or guests see', () => {
  let t: TestDockhand;
  let n = 0;
  const { crew: _c, captain: _k, ...base } = booking;
  const post = (change: Record<string, unknown>) => api(`${t.url}/bookings`, { headers: t.operator, body: { ...base, external_id: `R-${++n}`, ...change } });

  beforeAll(async () => {
    t = await startDockhand({ background: false });
  });
  afterAll(() => t.close());

  it.each([
    ['location', { location: 'Sheraton Marina (paid $840.75)' }],
    ['boat', { boat: 'JADA 840,75 USD' }],
    ['guest.name', { guest: { name: 'Guest 840.75' } }],
    ['source', { source: 'boatsetter 840.75' }],
    ['external_id', { external_id: 'BS-840.75' }],
    ['location', { location: 'Dock, 1,240.50 total', revenue: { amount: 1240.5, currency: 'USD' } }],
    ['location', { location: 'Dock 900', revenue: { amount: 900, currency: 'JPY' } }],
  ])('refuses the booking with 422 naming %s', async (path, change) => {
    const res = await post(change);
    expect(res.status).toBe(422);
    expect(res.body.details.map((d: { path: string }) => d.path)).toContain(path);
    expect(res.body.message).toMatch(/revenue/);
  });

  it('accepts numbers that are not the revenue', async () => {
    expect((await post({ location: 'Pier 84, slip 40.75' })).status).toBe(202);
    expect((await post({ location: 'Pier 840', revenue: null })).status).toBe(202);
  });
});
