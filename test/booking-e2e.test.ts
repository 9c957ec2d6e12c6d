import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, eventually, startDockhand, type TestDockhand } from './helpers/app.js';
import { startSmtpSink, type SmtpSink } from './helpers/smtp.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
const booking = fixture('booking-may-30.json');
const roster = fixture('crew.json') as { id: string; email: string }[];
const emailOf = (id: string) => roster.find((m) => m.id === id)!.email;
const linkIn = (text: string) => text.match(/https?:\/\/[^\s"<>]+\/m\/[A-Za-z0-9_-]+/)?.[0];

/** The end-to-end slice: one booking in, four systems in step, over real HTTP and real SMTP. */
describe('one booking in, four systems in step', () => {
  let t: TestDockhand;
  let smtp: SmtpSink;
  let id: string;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    t = await startDockhand({ env: { SMTP_URL: smtp.url } });
    for (const member of roster) {
      const res = await api(`${t.url}/crew`, { headers: t.operator, body: member });
      expect(res.status).toBe(201);
    }
    const res = await api(`${t.url}/bookings`, { headers: t.operator, body: booking });
    expect(res.status).toBe(202);
    id = res.body.id;
    expect(res.body.status_url).toBe(`${t.url}/bookings/${id}`);
    await eventually(async () => (await api(`${t.url}/bookings/${id}`, { headers: t.operator })).body.status === 'synced', 15_000, 'synced');
    await smtp.waitFor(4);
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  it('reports every step with its result', async () => {
    const { body } = await api(`${t.url}/bookings/${id}`, { headers: t.operator });
    expect(body.status).toBe('synced');
    expect(body.steps.guest_page.url).toMatch(new RegExp(`^${t.url}/g/may-30-boatsetter-[a-z0-9]+/$`));
    expect(body.steps.calendar.entry_id).toBeTruthy();
    expect(body.steps.crew_event.event_id).toBeTruthy();
    await eventually(async () => {
      const n = (await api(`${t.url}/bookings/${id}`, { headers: t.operator })).body.steps.notifications;
      return n.sent === 4 && n.total === 4 && n.status === 'done';
    });
    expect(body.history.map((h: { step: string }) => h.step)).toEqual(['guest_page', 'crew_event', 'calendar', 'notifications']);
  });

  it('makes one calendar entry with crew cost 300', async () => {
    const { body } = await api(`${t.url}/calendar?from=2024-05-30&to=2024-05-30`, { headers: t.operator });
    expect(body.entries).toHaveLength(1);
    expect(body.entries[0].crew_cost).toBe(300);
    expect(body.entries[0].location).toBe('Sheraton Marina');
  });

  it('makes one crew event, and no revenue reaches anything crew can see', async () => {
    const view = (await api(`${t.url}/bookings/${id}`, { headers: t.operator })).body;
    const event = await api(`${t.url}/events/${view.steps.crew_event.event_id}`, { headers: t.service });
    expect(event.status).toBe(200);
    expect(event.body.crew.map((c: { crew_id: string }) => c.crew_id).sort()).toEqual(['captain-1', 'crew-1', 'crew-2']);
    expect(JSON.stringify(event.body)).not.toContain('840.75');
    for (const mail of smtp.messages) {
      expect(`${mail.subject} ${mail.text} ${mail.html}`).not.toContain('840.75');
    }
    for (const who of ['crew-1', 'crew-2', 'captain-1']) {
      const page = await fetch(linkIn(smtp.to(emailOf(who)).find((m) => m.headers.get('x-dockhand-kind') === 'crew_invite')!.text!)!);
      expect(await page.text()).not.toContain('840.75');
    }
  });

  it('emails each crew member once with their own working link, and the captain one summary', async () => {
    const links = new Set<string>();
    for (const who of ['crew-1', 'crew-2', 'captain-1']) {
      const invites = smtp.to(emailOf(who)).filter((m) => m.headers.get('x-dockhand-kind') === 'crew_invite');
      expect(invites).toHaveLength(1);
      const link = linkIn(invites[0]!.text!)!;
      links.add(link);
      const page = await fetch(link);
      expect(page.status).toBe(200);
      const text = await page.text();
      expect(text).toContain('9:00 AM');
      expect(text).toContain('Sheraton Marina');
    }
    expect(links.size).toBe(3);
    const summaries = smtp.messages.filter((m) => m.headers.get('x-dockhand-kind') === 'captain_summary');
    expect(summaries).toHaveLength(1);
    expect(smtp.to(emailOf('captain-1'))).toContain(summaries[0]);
    expect(summaries[0]!.text).toContain('Ana Lima');
    expect(summaries[0]!.text).toMatch(/\/g\/may-30-boatsetter-/);
    expect(smtp.to(emailOf('crew-3'))).toHaveLength(0);
  });

  it('serves the guest page at /g/<slug>/ and /g/<slug> with the local time', async () => {
    const { body } = await api(`${t.url}/bookings/${id}`, { headers: t.operator });
    const url: string = body.steps.guest_page.url;
    for (const variant of [url, url.replace(/\/$/, '')]) {
      const page = await fetch(variant);
      expect(page.status).toBe(200);
      const text = await page.text();
      expect(text).toContain('Boatsetter Guest');
      expect(text).toContain('Sheraton Marina');
      expect(text).toContain('9:00 AM');
      expect(text).not.toContain('840.75');
    }
  });

  it('changes nothing and sends nothing when the booking arrives again, even 20 times at once', async () => {
    const before = smtp.messages.length;
    const again = await api(`${t.url}/bookings`, { headers: t.operator, body: booking });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(id);
    const storm = await Promise.all(Array.from({ length: 20 }, () => api(`${t.url}/bookings`, { headers: t.operator, body: booking })));
    expect(new Set(storm.map((r) => r.body.id))).toEqual(new Set([id]));
    expect(storm.every((r) => r.status === 200)).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    expect(smtp.messages.length).toBe(before);
    expect((await api(`${t.url}/bookings`, { headers: t.operator })).body.bookings).toHaveLength(1);
    expect((await api(`${t.url}/calendar`, { headers: t.operator })).body.entries).toHaveLength(1);
  });

  it('leaves an audit row for every change it made, in every system', async () => {
    const rows = await t.dockhand.ctx.db.selectFrom('audit_log').select(['entity', 'action', 'actor']).execute();
    const seen = new Set(rows.map((r) => `${r.entity}:${r.action}`));
    expect([...seen]).toEqual(expect.arrayContaining(['booking:create', 'booking:sync_synced', 'crew_member:add']));
    expect(rows.filter((r) => r.entity === 'calendar_entry')).toHaveLength(1);
    expect(rows.some((r) => r.entity === 'crew_event')).toBe(true);
    expect(rows.some((r) => r.entity === 'guest_page')).toBe(true);
  });

  it('shows confirm and decline from two magic links on the event', async () => {
    const view = (await api(`${t.url}/bookings/${id}`, { headers: t.operator })).body;
    const link1 = linkIn(smtp.to(emailOf('crew-1'))[0]!.text!)!;
    const link2 = linkIn(smtp.to(emailOf('crew-2'))[0]!.text!)!;
    expect((await fetch(`${link1}/confirm`, { method: 'POST', redirect: 'manual' })).status).toBe(303);
    expect((await fetch(`${link2}/decline`, { method: 'POST', redirect: 'manual' })).status).toBe(303);
    const event = await api(`${t.url}/events/${view.steps.crew_event.event_id}`, { headers: t.service });
    const state = Object.fromEntries(event.body.crew.map((c: { crew_id: string; status: string }) => [c.crew_id, c.status]));
    expect(state).toMatchObject({ 'crew-1': 'confirmed', 'crew-2': 'declined', 'captain-1': 'pending' });
  });
});
