import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, eventually, startDockhand, type TestDockhand } from './helpers/app.js';

const booking = JSON.parse(readFileSync(new URL('./fixtures/booking-may-30.json', import.meta.url), 'utf8'));
const roster = JSON.parse(readFileSync(new URL('./fixtures/crew.json', import.meta.url), 'utf8')) as unknown[];

describe('a known source + external_id sent again', () => {
  let t: TestDockhand;
  const post = (body: unknown, query = '') => api(`${t.url}/bookings${query}`, { headers: t.operator, body });
  const get = async (id: string) => (await api(`${t.url}/bookings/${id}`, { headers: t.operator })).body;

  beforeAll(async () => {
    t = await startDockhand();
    for (const m of roster) await api(`${t.url}/crew`, { headers: t.operator, body: m });
  });
  afterAll(() => t.close());

  it('with the same facts answers 200 with the same id; with different facts 409 listing them, changing nothing', async () => {
    const first = await post(booking);
    expect(first.status).toBe(202);
    // Canonically equal text is the same fact: "é" as e + combining accent is "é".
    const same = await post({ ...booking, location: ` ${booking.location} ` });
    expect(same.status).toBe(200);
    expect(same.body.id).toBe(first.body.id);

    const differs = await post({ ...booking, location: 'Shelter Island', guest: { ...booking.guest, name: 'Someone Else' }, boat: null });
    expect(differs.status).toBe(409);
    expect(differs.body.error).toBe('booking_differs');
    expect(differs.body.details.map((d: { path: string }) => d.path).sort()).toEqual(['boat', 'guest.name', 'location']);
    expect(differs.body.message).toMatch(/on_conflict=change/);
    const view = await get(first.body.id);
    expect(view.version).toBe(1);
    expect(view.booking.location).toBe(booking.location);
  });

  it('with ?on_conflict=change becomes a new version that every system follows', async () => {
    const moved = { ...booking, location: 'Shelter Island' };
    const changed = await post(moved, '?on_conflict=change');
    expect(changed.status).toBe(202);
    const view = await eventually(async () => {
      const v = await get(changed.body.id);
      return v.status === 'synced' && v.version === 2 ? v : undefined;
    }, 30_000, 'the change to sync');
    expect(view.booking.location).toBe('Shelter Island');
    const entry = (await api(`${t.url}/calendar/${view.steps.calendar.entry_id}`, { headers: t.operator })).body;
    expect(entry.location).toBe('Shelter Island');
    // Sent once more, the facts now match: 200, nothing new.
    expect((await post(moved, '?on_conflict=change')).status).toBe(200);
    expect((await get(changed.body.id)).version).toBe(2);
  });

  it('refuses an unknown on_conflict value with 422 naming it', async () => {
    const res = await post(booking, '?on_conflict=overwrite');
    expect(res.status).toBe(422);
    expect(res.body.details[0].path).toBe('on_conflict');
  });
});
