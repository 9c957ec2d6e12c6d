import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, eventually, startDockhand, type TestDockhand } from './helpers/app.js';
import { startSmtpSink, type SmtpSink } from './helpers/smtp.js';

const fixture = JSON.parse(readFileSync(new URL('./fixtures/booking-may-30.json', import.meta.url), 'utf8'));
const roster = JSON.parse(readFileSync(new URL('./fixtures/crew.json', import.meta.url), 'utf8')) as { id: string; email: string }[];
const emailOf = (id: string) => roster.find((m) => m.id === id)!.email;
const OWNER = 'owner@charter.example';
const kind = (k: string) => (m: { headers: Map<string, unknown> }) => m.headers.get('x-dockhand-kind') === k;

/** A booking's life after it first syncs: changes, cancellation, conflicts, auto-assignment. */
describe('the booking lifecycle', () => {
  let t: TestDockhand;
  let smtp: SmtpSink;
  let n = 0;
  const view = async (id: string) => (await api(`${t.url}/bookings/${id}`, { headers: t.operator })).body;
  const until = (id: string, status: string) =>
    eventually(async () => {
      const v = await view(id);
      return v.status === status && v.steps.notifications.sent === v.steps.notifications.total ? v : undefined;
    }, 15_000, `${id} ${status}`);
  const book = async (changes: Record<string, unknown> = {}) => {
    const res = await api(`${t.url}/bookings`, { headers: t.operator, body: { ...fixture, ...changes, external_id: `LIFE-${++n}` } });
    expect(res.status).toBe(202);
    return res.body.id as string;
  };
  const calendarEntry = async (id: string) => (await api(`${t.url}/calendar/${(await view(id)).steps.calendar.entry_id}`, { headers: t.operator })).body;
  const crewEvent = async (id: string) => (await api(`${t.url}/events/${(await view(id)).steps.crew_event.event_id}`, { headers: t.service })).body;
  const guestPage = async (id: string) => (await fetch((await view(id)).steps.guest_page.url)).text();

  beforeAll(async () => {
    smtp = await startSmtpSink();
    t = await startDockhand({ env: { SMTP_URL: smtp.url, OWNER_EMAIL: OWNER } });
    for (const m of roster) await api(`${t.url}/crew`, { headers: t.operator, body: m });
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  it('makes one record in each system from 50 concurrent posts of one booking', async () => {
    const body = { ...fixture, external_id: 'STORM-1', date: '2030-03-03' };
    const answers = await Promise.all(Array.from({ length: 50 }, () => api(`${t.url}/bookings`, { headers: t.operator, body })));
    const ids = new Set(answers.map((a) => a.body.id));
    expect(ids.size).toBe(1);
    expect(answers.filter((a) => a.status === 202)).toHaveLength(1);
    const id = [...ids][0]!;
    await until(id, 'synced');
    const db = t.dockhand.ctx.db;
    const count = async (table: 'calendar_entries' | 'crew_events' | 'site_pages') =>
      Number((await db.selectFrom(table).select(({ fn }) => fn.countAll().as('n')).where('booking_ref', '=', id).executeTakeFirstOrThrow()).n);
    expect([await count('calendar_entries'), await count('crew_events'), await count('site_pages')]).toEqual([1, 1, 1]);
  });

  it('carries a change of date and place to the calendar, the crew and the guest page', async () => {
    const id = await book({ date: '2030-04-01' });
    await until(id, 'synced');
    const link = (await crewEvent(id)).crew.find((c: { crew_id: string }) => c.crew_id === 'crew-1');
    expect(link.status).toBe('pending');
    const before = smtp.messages.length;
    const patched = await api(`${t.url}/bookings/${id}`, { method: 'PATCH', headers: { ...t.operator, 'if-match': '"1"' }, body: { date: '2030-04-02', start_time: '14:30', location: 'Shelter Island' } });
    expect(patched.status).toBe(202);
    expect(patched.body.version).toBe(2);
    const synced = await until(id, 'synced');
    expect(synced.version).toBe(2);
    const entry = await calendarEntry(id);
    expect(entry).toMatchObject({ date: '2030-04-02', start_time: '14:30', location: 'Shelter Island', status: 'scheduled' });
    const event = await crewEvent(id);
    expect(event.location).toBe('Shelter Island');
    expect(Date.parse(event.date)).toBe(Date.parse('2030-04-02T21:30:00Z'));
    expect(await guestPage(id)).toContain('Shelter Island');
    await eventually(async () => smtp.messages.length >= before + 4);
    const changeMails = smtp.messages.slice(before).filter(kind('crew_change'));
    expect(changeMails.map((m) => (Array.isArray(m.to) ? m.to[0] : m.to)!.value[0]!.address).sort()).toEqual([emailOf('captain-1'), emailOf('crew-1'), emailOf('crew-2')].sort());
    expect(changeMails[0]!.text).toContain('2:30 PM');
    const stale = await api(`${t.url}/bookings/${id}`, { method: 'PATCH', headers: { ...t.operator, 'if-match': '"1"' }, body: { location: 'Old news' } });
    expect(stale.status).toBe(412);
    expect((await calendarEntry(id)).location).toBe('Shelter Island');
  });

  it('cancels everywhere: calendar entry cancelled, crew told, links refuse, guest page says so', async () => {
    const id = await book({ date: '2030-05-01' });
    await until(id, 'synced');
    const before = smtp.messages.length;
    expect((await api(`${t.url}/bookings/${id}`, { method: 'DELETE', headers: t.operator })).status).toBe(202);
    await until(id, 'cancelled');
    expect((await calendarEntry(id)).status).toBe('cancelled');
    expect((await crewEvent(id)).status).toBe('cancelled');
    expect(await guestPage(id)).toMatch(/cancelled/i);
    await eventually(async () => smtp.messages.slice(before).filter(kind('crew_cancel')).length === 3);
    const again = await api(`${t.url}/bookings/${id}`, { method: 'DELETE', headers: t.operator });
    expect(again.status).toBe(202);
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.messages.slice(before).filter(kind('crew_cancel'))).toHaveLength(3);
  });

  it('holds a double-booked boat in conflict, tells the owner, and syncs it once the first moves', async () => {
    const first = await book({ date: '2030-06-01' });
    await until(first, 'synced');
    const sent = smtp.messages.length;
    const second = await book({ date: '2030-06-01', start_time: '10:00', crew: ['crew-3', 'crew-4'], captain: 'captain-2', guest: { name: 'Another Guest' } });
    const held = await eventually(async () => ((await view(second)).status === 'conflict' ? view(second) : undefined));
    expect(held.last_error).toContain(first);
    expect(held.steps.crew_event.event_id).toBeNull();
    const ownerMail = await eventually(async () => smtp.to(OWNER).find((m) => m.text?.includes(second)));
    expect(ownerMail.text).toContain(first);
    expect(smtp.messages.slice(sent).filter(kind('crew_invite'))).toHaveLength(0);
    await api(`${t.url}/bookings/${first}`, { method: 'PATCH', headers: t.operator, body: { date: '2030-06-02' } });
    await until(second, 'synced');
  });

  it('flags the same charter from a second channel as the likely duplicate', async () => {
    const first = await book({ date: '2030-07-01' });
    await until(first, 'synced');
    const dup = await api(`${t.url}/bookings`, { headers: t.operator, body: { ...fixture, source: 'getmyboat', external_id: 'GMB-1', date: '2030-07-01' } });
    expect(dup.status).toBe(202);
    const held = await eventually(async () => ((await view(dup.body.id)).status === 'conflict' ? view(dup.body.id) : undefined));
    expect(held.last_error).toMatch(/duplicate/);
    const ownerMail = await eventually(async () => smtp.to(OWNER).find((m) => m.text?.includes(dup.body.id)));
    expect(ownerMail.text).toMatch(new RegExp(`duplicate of booking ${first}`));
    const forced = await api(`${t.url}/bookings/${dup.body.id}/retry`, { headers: t.operator, body: { force: true } });
    expect(forced.status).toBe(202);
    await until(dup.body.id, 'synced');
  });

  it('holds a booking whose named crew are already on an overlapping charter', async () => {
    const first = await book({ date: '2030-08-01', boat: 'Other Boat' });
    await until(first, 'synced');
    const second = await book({ date: '2030-08-01', boat: 'Third Boat', crew: ['crew-1', 'crew-3'], captain: 'captain-2' });
    const held = await eventually(async () => ((await view(second)).status === 'conflict' ? view(second) : undefined));
    expect(held.last_error).toContain('crew-1');
  });

  it('assigns crew from the roster fairly when the booking names none, never double-booking', async () => {
    const unnamed = { crew: undefined, captain: undefined };
    const a = await book({ ...unnamed, date: '2030-09-01', boat: 'Boat A' });
    const b = await book({ ...unnamed, date: '2030-09-01', boat: 'Boat B' });
    await until(a, 'synced');
    await until(b, 'synced');
    const people = async (id: string) => (await crewEvent(id)).crew.map((c: { crew_id: string }) => c.crew_id) as string[];
    const [pa, pb] = [await people(a), await people(b)];
    expect(pa).toHaveLength(3);
    expect(pb).toHaveLength(3);
    expect(pa.filter((p) => pb.includes(p))).toEqual([]);
    const c = await book({ ...unnamed, date: '2030-09-01', boat: 'Boat C' });
    const held = await eventually(async () => ((await view(c)).status === 'conflict' ? view(c) : undefined));
    expect(held.last_error).toMatch(/nobody available.*(captain|crew)/);
  });
});
