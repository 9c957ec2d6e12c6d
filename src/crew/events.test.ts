import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, eventually, startDockhand, TEST_SERVICE_KEY, type TestDockhand } from '../../test/helpers/app.js';
import { releaseHeldMail } from '../../test/helpers/held-mail.js';
import { startSmtpSink, type SmtpSink } from '../../test/helpers/smtp.js';

const fixtures = join(import.meta.dirname, '../../test/fixtures');
const roster = JSON.parse(readFileSync(join(fixtures, 'crew.json'), 'utf8')) as { id: string; email: string; name: string }[];
const origin = JSON.parse(readFileSync(join(fixtures, 'crew-event-origin.json'), 'utf8')) as Record<string, unknown>;
const emailOf = (id: string) => roster.find((m) => m.id === id)!.email;
const everything = (mail: ParsedMail) => `${mail.subject}\n${mail.text}\n${mail.html || ''}`;

let app: TestDockhand;
let sink: SmtpSink;

/** The magic link in a message, the same in its text and HTML parts. */
function linkIn(mail: ParsedMail): string {
  const pattern = new RegExp(`${app.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/m/[A-Za-z0-9_-]{43}`);
  const text = mail.text?.match(pattern)?.[0];
  expect(text, `a link in "${mail.subject}"`).toBeDefined();
  expect((mail.html || '').match(pattern)?.[0]).toBe(text);
  return text!;
}

async function page(url: string, init: RequestInit = {}) {
  const res = await fetch(url, { redirect: 'manual', ...init });
  return { status: res.status, body: await res.text(), headers: res.headers };
}
const post = (url: string, body?: string) =>
  page(url, { method: 'POST', body, headers: body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' } });

/** Waits for exactly these new messages after `from`, one per address, keyed by crew id. */
async function newMail(from: number, ids: string[]): Promise<Map<string, ParsedMail>> {
  await releaseHeldMail(app.dockhand.ctx);
  await sink.waitFor(from + ids.length);
  await new Promise((r) => setTimeout(r, 300)); // room for any extra message that should not come
  const fresh = sink.messages.slice(from);
  expect(fresh).toHaveLength(ids.length);
  const byId = new Map<string, ParsedMail>();
  for (const id of ids) {
    const mine = fresh.filter((m) => (Array.isArray(m.to) ? m.to : [m.to]).some((a) => a?.value.some((v) => v.address === emailOf(id))));
    expect(mine, `one message to ${id}`).toHaveLength(1);
    byId.set(id, mine[0]!);
  }
  return byId;
}

const createEvent = (body: unknown, headers: Record<string, string> = {}) => api(`${app.url}/events`, { headers: { ...app.service, ...headers }, body });
const getEvent = async (id: string) => (await api(`${app.url}/events/${id}`, { headers: app.service })).body;
const counts = async () => ({
  events: (await app.dockhand.ctx.db.selectFrom('crew_events').select('id').execute()).length,
  members: (await app.dockhand.ctx.db.selectFrom('crew_event_members').select('crew_id').execute()).length,
  outbox: (await app.dockhand.ctx.db.selectFrom('outbox').select('id').execute()).length,
});

beforeAll(async () => {
  sink = await startSmtpSink();
  // Trusting X-Forwarded-For lets the rate-limit test below speak from addresses no other test used.
  app = await startDockhand({ env: { SMTP_URL: sink.url, TRUST_PROXY: 'true' } });
  const imported = await api(`${app.url}/crew`, { headers: app.operator });
  expect(imported.status).toBe(200);
  for (const member of roster) expect((await api(`${app.url}/crew`, { headers: app.service, body: member })).status).toBe(201);
});
afterAll(async () => {
  await app?.close();
  await sink?.close();
});

describe('POST /events', () => {
  let eventId: string;
  let links: Map<string, string>;
  let mail: Map<string, ParsedMail>;

  it('wants the service key: X-Service-Key or Bearer; anything else is a 401 in JSON', async () => {
    for (const headers of [{}, { 'x-service-key': 'wrong-key-wrong-key-wrong' }, app.operator]) {
      const res = await api(`${app.url}/events`, { headers, body: origin });
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ error: 'unauthorized' });
    }
    expect((await api(`${app.url}/events/ev_x`, {})).status).toBe(401);
    expect((await counts()).events).toBe(0);
  });

  it('stores the event and emails each person once, each with their own link', async () => {
    const res = await api(`${app.url}/events`, { headers: { authorization: `Bearer ${TEST_SERVICE_KEY}` }, body: { ...origin, timezone: 'America/Los_Angeles', pay_rates: { crew: 25, captain: 50 } } });
    expect(res.status).toBe(201);
    eventId = res.body.event_id;
    expect(res.body.crew).toEqual([
      { crew_id: 'crew-1', status: 'pending' },
      { crew_id: 'crew-2', status: 'pending' },
      { crew_id: 'captain-1', status: 'pending' },
    ]);
    mail = await newMail(0, ['crew-1', 'crew-2', 'captain-1']);
    links = new Map([...mail].map(([id, m]) => [id, linkIn(m)]));
    expect(new Set(links.values()).size).toBe(3);

    const ana = mail.get('crew-1')!;
    expect(ana.subject).toBe('Please confirm: Boatsetter Charter - May 30, Thu May 30, 9:00 AM');
    for (const part of [ana.text!, ana.html as string]) {
      for (const want of ['Ana Lima', 'Crew', '9:00 AM', '3 hours', 'Sheraton Marina', '$75.00', 'http://127.0.0.1:8080/g/may-30-boatsetter/', 'Guest: Boatsetter Guest']) {
        expect(part).toContain(want);
      }
    }
    expect(everything(mail.get('captain-1')!)).toContain('$150.00');
    expect(everything(mail.get('captain-1')!)).toContain('Captain');
  });

  it('keeps the revenue out of everything crew can see and out of the event tables', async () => {
    const view = await api(`${app.url}/events/${eventId}`, { headers: app.service });
    expect(view.body.notes).toBe('Guest: Boatsetter Guest');
    expect(JSON.stringify(view.body)).not.toContain('840.75');
    for (const m of sink.messages) expect(everything(m)).not.toContain('840.75');
    for (const link of links.values()) expect((await page(link)).body).not.toContain('840.75');
    const db = app.dockhand.ctx.db;
    for (const table of ['crew_events', 'crew_event_members', 'outbox', 'audit_log', 'idempotency_keys'] as const) {
      expect(JSON.stringify(await db.selectFrom(table).selectAll().execute())).not.toContain('840.75');
    }
    const members = await db.selectFrom('crew_event_members').selectAll().where('event_id', '=', eventId).execute();
    for (const m of members) {
      expect(m.token_hash).toMatch(/^[0-9a-f]{64}$/);
      for (const link of links.values()) expect(link).not.toContain(m.token_hash);
    }
    expect(members.map((m) => [m.crew_id, m.role, m.hourly_rate_cents]).sort()).toEqual([
      ['captain-1', 'captain', 5000],
      ['crew-1', 'crew', 2500],
      ['crew-2', 'crew', 2500],
    ]);
  });

  it('shows each person their page, with safe headers, and the GET changes nothing', async () => {
    const res = await page(links.get('crew-1')!);
    expect(res.status).toBe(200);
    for (const want of ['Boatsetter Charter - May 30', '9:00 AM', 'Thursday, May 30, 2024', '3 hours', 'Sheraton Marina', '$75.00', 'Crew', 'Kofi Mensah', 'Rosa Marquez', 'Not answered yet', 'href="http://127.0.0.1:8080/g/may-30-boatsetter/"']) {
      expect(res.body).toContain(want);
    }
    expect(res.body).toMatch(/<form method="post" action="\/m\/[A-Za-z0-9_-]{43}\/confirm">/);
    expect(res.body).toMatch(/<form method="post" action="\/m\/[A-Za-z0-9_-]{43}\/decline">/);
    expect(res.body).not.toMatch(/<script|src=|@import|https?:\/\/(?!127\.0\.0\.1:8080\/g\/)/);
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-robots-tag')).toBe('noindex');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect((await page(links.get('captain-1')!)).body).toContain('$150.00');

    for (let i = 0; i < 3; i++) await page(links.get('crew-2')!);
    const view = await getEvent(eventId);
    expect(view.crew.map((c: { status: string }) => c.status)).toEqual(['pending', 'pending', 'pending']);
    expect(view.crew.every((c: { responded_at: unknown }) => c.responded_at === null)).toBe(true);
  });

  it('records a confirmation and a decline from the two links', async () => {
    const from = sink.messages.length;
    const yes = await post(`${links.get('crew-1')}/confirm`, '');
    expect(yes.status).toBe(303);
    expect(yes.headers.get('location')).toBe(new URL(links.get('crew-1')!).pathname);
    const no = await post(`${links.get('crew-2')}/decline`);
    expect(no.status).toBe(303);

    const view = await getEvent(eventId);
    const byId = Object.fromEntries(view.crew.map((c: { crew_id: string }) => [c.crew_id, c]));
    expect(byId['crew-1']).toMatchObject({ name: 'Ana Lima', role: 'crew', status: 'confirmed' });
    expect(byId['crew-2']).toMatchObject({ name: 'Kofi Mensah', role: 'crew', status: 'declined' });
    expect(byId['captain-1']).toMatchObject({ role: 'captain', status: 'pending', responded_at: null });
    expect(byId['crew-1'].responded_at).toMatch(/^\d{4}-/);
    // The declined place is offered on at once (decline-and-replace is covered in replace.test.ts).
    const offers = await newMail(from, ['captain-2', 'crew-3', 'crew-4']);
    for (const m of offers.values()) expect(m.subject).toMatch(/^Place open: /);
    await eventually(async () => ((await getEvent(eventId)).crew.every((c: { email: { status: string } }) => c.email.status === 'sent') ? true : undefined));

    expect((await page(links.get('crew-1')!)).body).toContain('You confirmed');
    const captainPage = (await page(links.get('captain-1')!)).body;
    expect(captainPage).toMatch(/Ana Lima, crew: <strong>Confirmed/);
    expect(captainPage).toMatch(/Kofi Mensah, crew: <strong>Declined/);
    const trail = await app.dockhand.ctx.db.selectFrom('audit_log').select(['action', 'actor']).where('entity_id', '=', eventId).execute();
    expect(trail).toEqual(expect.arrayContaining([{ action: 'create', actor: 'service' }, { action: 'crew_confirm', actor: 'crew:crew-1' }]));
  });

  it('answers unknown, malformed and expired links with the same 404 page', async () => {
    const unknown = await page(`${app.url}/m/${'A'.repeat(43)}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toContain('This link does not work');
    expect(unknown.headers.get('content-type')).toContain('text/html');
    const malformed = await page(`${app.url}/m/not-a-token`);
    expect(malformed).toMatchObject({ status: 404, body: unknown.body });
    expect((await post(`${app.url}/m/${'A'.repeat(43)}/confirm`)).status).toBe(404);

    await app.dockhand.ctx.db.updateTable('crew_event_members').set({ token_expires_at: '2020-01-01T00:00:00.000Z' }).where('crew_id', '=', 'captain-1').execute();
    expect(await page(links.get('captain-1')!)).toMatchObject({ status: 404, body: unknown.body });
    expect((await post(`${links.get('captain-1')}/confirm`)).status).toBe(404);
  });

  it('rejects unknown crew with a 422 naming every one, writing nothing', async () => {
    const before = await counts();
    const res = await createEvent({ ...origin, crew: ['crew-1', 'crew-77'], captain: 'crew-3' });
    expect(res.status).toBe(422);
    expect(res.body.message).toContain('crew-77');
    expect(res.body.message).toContain('"crew-3" does not have the captain role');
    const both = await createEvent({ ...origin, crew: ['crew-88'], captain: 'captain-99' });
    expect(both.body.message).toMatch(/crew-88.*captain-99/);
    expect(both.body.details.map((d: { path: string }) => d.path)).toEqual(['crew.0', 'captain']);
    expect((await createEvent({ ...origin, date: '2024-05-30 09:00' })).status).toBe(422);
    expect((await createEvent({ ...origin, duration_hours: 0 })).status).toBe(422);
    expect((await createEvent({ ...origin, timezone: 'Mars/Olympus' })).status).toBe(422);
    expect((await createEvent({ ...origin, guest_page_url: 'javascript:alert(1)' })).status).toBe(422);
    expect(await counts()).toEqual(before);
  });

  it('escapes every value it shows', async () => {
    const from = sink.messages.length;
    const res = await createEvent({ ...origin, event_name: '<script>alert(1)</script>', crew: ['crew-4'], captain: 'captain-2', notes: '<b>bold</b>' });
    expect(res.status).toBe(201);
    const mail = await newMail(from, ['crew-4', 'captain-2']);
    const liam = mail.get('crew-4')!;
    expect(liam.html).not.toContain('<script>');
    expect(liam.html).toContain('&lt;script&gt;');
    const shown = (await page(linkIn(liam))).body;
    expect(shown).not.toMatch(/<script|<b>/);
    expect(shown).toContain('&lt;b&gt;bold&lt;/b&gt;');
    expect(shown).toContain('Liam O&#39;Brien');
  });

  it('honours Idempotency-Key: repeats, even 20 at once, make one event and no extra email', async () => {
    await sink.waitFor(3);
    const before = await counts();
    const mailBefore = sink.messages.length;
    const headers = { 'idempotency-key': 'crew-event-key-1' };
    const first = await createEvent(origin, headers);
    const again = await createEvent(origin, headers);
    expect(first.status).toBe(201);
    expect(again).toMatchObject({ status: 201, body: first.body });

    const racing = await Promise.all(Array.from({ length: 20 }, () => createEvent(origin, { 'idempotency-key': 'crew-event-key-2' })));
    expect(new Set(racing.map((r) => r.status))).toEqual(new Set([201]));
    expect(new Set(racing.map((r) => r.body.event_id)).size).toBe(1);
    expect(racing[0]!.body.event_id).not.toBe(first.body.event_id);

    expect(await counts()).toEqual({ events: before.events + 2, members: before.members + 6, outbox: before.outbox + 6 });
    await sink.waitFor(mailBefore + 6);
    await new Promise((r) => setTimeout(r, 300));
    const fresh = sink.messages.slice(mailBefore);
    expect(fresh).toHaveLength(6);
    for (const id of ['crew-1', 'crew-2', 'captain-1']) expect(sink.to(emailOf(id)).filter((m) => fresh.includes(m))).toHaveLength(2);
  });
});

describe('PATCH and DELETE /events/:id', () => {
  let eventId: string;
  let links: Map<string, string>;
  const laEvent = { ...origin, timezone: 'America/Los_Angeles', pay_rates: { crew: 25, captain: 50 }, booking_ref: 'bk_test' };

  beforeAll(async () => {
    const from = sink.messages.length;
    const res = await createEvent(laEvent);
    eventId = res.body.event_id;
    links = new Map([...(await newMail(from, ['crew-1', 'crew-2', 'captain-1']))].map(([id, m]) => [id, linkIn(m)]));
    expect((await post(`${links.get('crew-1')}/confirm`)).status).toBe(303);
    expect((await post(`${links.get('captain-1')}/decline`)).status).toBe(303);
    // Dan, the only other captain, is on another charter at that time: nobody to offer it to, so the owner hears.
    await eventually(async () => sink.to(app.dockhand.ctx.config.ownerEmail).some((m) => m.subject?.startsWith('Crew place unfilled')));
  });

  it('changes nothing and sends nothing when nothing changed', async () => {
    const from = sink.messages.length;
    const res = await api(`${app.url}/events/${eventId}`, { method: 'PATCH', headers: app.service, body: laEvent });
    expect(res.status).toBe(200);
    expect(res.body.version).toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(sink.messages.length).toBe(from);
  });

  it('a new date resets confirmations and tells everyone, with fresh links', async () => {
    const from = sink.messages.length;
    const headers = { ...app.service, 'idempotency-key': 'move-1' };
    const body = { date: '2024-05-31T17:00:00Z', notes: 'Guest: Boatsetter Guest | Total: $900 | Bring ice' };
    const res = await api(`${app.url}/events/${eventId}`, { method: 'PATCH', headers, body });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ version: 2, date: '2024-05-31T17:00:00Z', notes: 'Guest: Boatsetter Guest | Bring ice' });
    expect(res.body.crew.map((c: { status: string }) => c.status)).toEqual(['pending', 'pending', 'pending']);
    expect((await api(`${app.url}/events/${eventId}`, { method: 'PATCH', headers, body })).body.version).toBe(2);

    const mail = await newMail(from, ['crew-1', 'crew-2', 'captain-1']);
    const ana = mail.get('crew-1')!;
    expect(ana.subject).toBe('Please confirm again: Boatsetter Charter - May 30, Fri May 31, 10:00 AM');
    expect(ana.text).toContain('Thursday, May 30, 2024, 9:00 AM – 12:00 PM PDT → Friday, May 31, 2024, 10:00 AM – 1:00 PM PDT');
    expect(everything(ana)).not.toContain('900');
    const fresh = new Map([...mail].map(([id, m]) => [id, linkIn(m)]));
    expect((await page(links.get('crew-1')!)).status).toBe(404);
    const anaPage = await page(fresh.get('crew-1')!);
    expect(anaPage.body).toContain('10:00 AM');
    expect(anaPage.body).toContain('Please confirm or decline');
    links = fresh;
  });

  it('people taken off are told and their link stops taking answers; newcomers are invited', async () => {
    const from = sink.messages.length;
    const res = await api(`${app.url}/events/${eventId}`, { method: 'PATCH', headers: app.service, body: { crew: ['crew-1', 'crew-3'], pay_rates: { crew: 30 } } });
    expect(res.status).toBe(200);
    const byId = Object.fromEntries(res.body.crew.map((c: { crew_id: string; status: string }) => [c.crew_id, c.status]));
    expect(byId).toEqual({ 'captain-1': 'pending', 'crew-1': 'pending', 'crew-2': 'removed', 'crew-3': 'pending' });

    const mail = await newMail(from, ['crew-1', 'crew-2', 'crew-3', 'captain-1']);
    expect(mail.get('crew-2')!.subject).toMatch(/^No longer needed:/);
    expect(mail.get('crew-3')!.subject).toMatch(/^Please confirm:/);
    expect(everything(mail.get('crew-3')!)).toContain('$90.00');
    expect(everything(mail.get('crew-1')!)).toContain('Joining the crew: Mei Chen (crew)');
    expect(everything(mail.get('crew-1')!)).toContain('Your pay: $75.00');
    expect(everything(mail.get('captain-1')!)).not.toMatch(/Your pay: .*→/);

    const removed = links.get('crew-2')!;
    expect((await page(removed)).body).toContain('you are no longer on the crew');
    const refused = await post(`${removed}/confirm`);
    expect(refused.status).toBe(409);
    expect(refused.body).toContain('no longer on the crew');
    expect((await post(`${linkIn(mail.get('crew-3')!)}/confirm`)).status).toBe(303);
    expect((await getEvent(eventId)).crew.find((c: { crew_id: string }) => c.crew_id === 'crew-3').status).toBe('confirmed');
    links.set('crew-1', linkIn(mail.get('crew-1')!));
  });

  it('rejects a change naming someone not on the roster, keeping everything as it was', async () => {
    const before = await getEvent(eventId);
    const res = await api(`${app.url}/events/${eventId}`, { method: 'PATCH', headers: app.service, body: { crew: ['crew-1', 'ghost'], location: 'Elsewhere' } });
    expect(res.status).toBe(422);
    expect(res.body.message).toContain('ghost');
    expect(await getEvent(eventId)).toEqual(before);
  });

  it('cancelling tells everyone still on it, once; links then show it and refuse answers', async () => {
    const from = sink.messages.length;
    const res = await api(`${app.url}/events/${eventId}`, { method: 'DELETE', headers: app.service });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('cancelled');
    const mail = await newMail(from, ['crew-1', 'crew-3', 'captain-1']);
    expect(mail.get('crew-1')!.subject).toBe('Cancelled: Boatsetter Charter - May 30, Fri May 31, 10:00 AM');

    const again = await api(`${app.url}/events/${eventId}`, { method: 'DELETE', headers: app.service });
    expect(again.body).toMatchObject({ status: 'cancelled', version: res.body.version });
    await new Promise((r) => setTimeout(r, 300));
    expect(sink.messages.length).toBe(from + 3);

    const shown = await page(links.get('crew-1')!);
    expect(shown.status).toBe(200);
    expect(shown.body).toContain('This charter was cancelled');
    expect(shown.body).not.toContain('<form');
    const refused = await post(`${links.get('crew-1')}/confirm`);
    expect(refused.status).toBe(409);
    expect(refused.body).toContain('cancelled');
    expect((await api(`${app.url}/events/${eventId}`, { method: 'PATCH', headers: app.service, body: { location: 'X' } })).status).toBe(409);
    const trail = await app.dockhand.ctx.db.selectFrom('audit_log').select('action').where('entity_id', '=', eventId).orderBy('at').orderBy('id').execute();
    expect(trail.map((t) => t.action).filter((a) => !a.startsWith('crew_'))).toEqual(['create', 'change', 'change', 'cancel']);
  });

  it('rate-limits link lookups per client address', async () => {
    const headers = { 'x-forwarded-for': '203.0.113.9' };
    const statuses: number[] = [];
    for (let i = 0; i < 61; i++) statuses.push((await page(`${app.url}/m/${'B'.repeat(43)}`, { headers })).status);
    expect(statuses.slice(0, 60).every((s) => s === 404)).toBe(true);
    const limited = await page(`${app.url}/m/${'B'.repeat(43)}`, { headers });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await page(`${app.url}/m/${'B'.repeat(43)}`, { headers: { 'x-forwarded-for': '203.0.113.10' } })).status).toBe(404);
  });
});
