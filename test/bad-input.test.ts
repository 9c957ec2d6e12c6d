import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startDockhand, type TestDockhand } from './helpers/app.js';

const booking = JSON.parse(readFileSync(new URL('./fixtures/booking-may-30.json', import.meta.url), 'utf8'));
const roster = JSON.parse(readFileSync(new URL('./fixtures/crew.json', import.meta.url), 'utf8')) as unknown[];

describe('bad input to POST /bookings', () => {
  let t: TestDockhand;
  const post = (body: unknown, headers: Record<string, string> = t.operator) => api(`${t.url}/bookings`, { headers, body });
  const countBookings = async () => (await t.dockhand.ctx.db.selectFrom('bookings').select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;

  beforeAll(async () => {
    t = await startDockhand({ background: false });
    for (const m of roster) await api(`${t.url}/crew`, { headers: t.operator, body: m });
  });
  afterAll(() => t.close());

  it('refuses a missing or wrong credential with 401 JSON on every protected route', async () => {
    for (const [method, path] of [['POST', '/bookings'], ['GET', '/bookings'], ['GET', '/bookings/x'], ['PATCH', '/bookings/x'], ['DELETE', '/bookings/x'], ['POST', '/bookings/x/retry'], ['GET', '/calendar'], ['POST', '/events'], ['GET', '/crew']] as const) {
      for (const headers of [{}, { authorization: 'Bearer wrong-wrong-wrong-wrong' }, { 'x-dashboard-token': 'nope' }] as Record<string, string>[]) {
        const res = await api(`${t.url}${path}`, { method, headers, body: method === 'GET' || method === 'DELETE' ? undefined : {} });
        expect(res.status, `${method} ${path}`).toBe(401);
        expect(res.body.error).toBe('unauthorized');
      }
    }
    expect((await post(booking, { 'x-dashboard-token': 'test-dashboard-token-0123456789' })).status).toBe(202);
  });

  it('answers malformed JSON with 400 and an oversized body with 413', async () => {
    const before = await countBookings();
    const malformed = await post('{"source": "boatsetter",');
    expect(malformed.status).toBe(400);
    expect(malformed.body.message).toMatch(/not valid JSON/);
    const huge = await post(JSON.stringify({ ...booking, external_id: 'big', padding: 'x'.repeat(15 * 1024 * 1024) }));
    expect(huge.status).toBe(413);
    expect(await countBookings()).toBe(before);
  });

  it.each([
    ['a missing field', (b: Record<string, unknown>) => ({ ...b, location: undefined }), 'location'],
    ['an impossible date', (b: Record<string, unknown>) => ({ ...b, date: '2024-02-30' }), 'date'],
    ['a negative duration', (b: Record<string, unknown>) => ({ ...b, duration_hours: -3 }), 'duration_hours'],
    ['an unknown timezone', (b: Record<string, unknown>) => ({ ...b, timezone: 'America/Atlantis' }), 'timezone'],
    ['a bad time', (b: Record<string, unknown>) => ({ ...b, start_time: '25:00' }), 'start_time'],
    ['a bad guest email', (b: Record<string, unknown>) => ({ ...b, guest: { name: 'G', email: 'not-an-email' } }), 'guest.email'],
    ['an unknown crew id', (b: Record<string, unknown>) => ({ ...b, crew: ['crew-1', 'crew-99'] }), 'crew.1'],
    ['a captain without the role', (b: Record<string, unknown>) => ({ ...b, captain: 'crew-3' }), 'captain'],
    ['crew not matching the counts', (b: Record<string, unknown>) => ({ ...b, crew: ['crew-1'] }), 'crew'],
  ])('answers %s with 422 naming the field, and keeps nothing', async (_what, mutate, path) => {
    const before = await countBookings();
    const res = await post({ ...mutate(booking), external_id: `bad-${path}` });
    expect(res.status).toBe(422);
    expect(res.body.details.map((d: { path: string }) => d.path)).toContain(path);
    expect(res.body.message.length).toBeGreaterThan(20);
    expect(await countBookings()).toBe(before);
  });

  it('names the unknown crew id in the message', async () => {
    const res = await post({ ...booking, external_id: 'unknown-crew', crew: ['crew-1', 'crew-99'] });
    expect(res.body.message).toContain('crew-99');
  });
});
