import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, eventually, startDockhand, type TestDockhand } from '../../test/helpers/app.js';
import { releaseHeldMail } from '../../test/helpers/held-mail.js';
import { startSmtpSink, type SmtpSink } from '../../test/helpers/smtp.js';
import { acceptOffer } from './offers.js';
import { JobRunner } from '../jobs/runner.js';
import { vacancyExpiryTask } from './vacancy-expiry.js';
import { VACANCY_EXPIRY, vacancyKey } from './vacancy-store.js';

const OWNER = 'owner@charter.example';
const person = (id: string, roles: string[]) => ({ id, name: `Person ${id.toUpperCase()}`, email: `${id}@crew.example`, roles });
const roster = [
  ...['cap-a', 'cap-b', 'cap-c', 'cap-d'].map((id) => person(id, ['captain'])),
  ...['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7'].map((id) => person(id, ['crew'])),
];
const emailOf = (id: string) => `${id}@crew.example`;

let app: TestDockhand;
let sink: SmtpSink;
let hop = 0;

/** Each lookup from its own address (TRUST_PROXY is on), so the per-address link limit never gets in the way. */
async function page(url: string, method = 'GET') {
  const headers: Record<string, string> = { 'x-forwarded-for': `198.51.100.${(hop++ % 250) + 1}` };
  const res = await fetch(url, { method, redirect: 'manual', headers });
  return { status: res.status, body: await res.text(), headers: res.headers };
}
const post = (url: string) => page(url, 'POST');

/** Waits for mail to this address whose subject starts so; returns all such messages. */
async function mailTo(address: string, subject: string, count = 1): Promise<ParsedMail[]> {
  return eventually(async () => {
    await releaseHeldMail(app.dockhand.ctx);
    const found = sink.to(address).filter((m) => m.subject?.startsWith(subject));
    return found.length >= count ? found : undefined;
  }, 15_000, `${count} "${subject}" to ${address}`);
}
const settle = () => new Promise((r) => setTimeout(r, 300));
const linkIn = (mail: ParsedMail) => mail.text!.match(/http:\/\/127\.0\.0\.1:\d+\/m\/[A-Za-z0-9_-]{43}/)![0];

async function createEvent(body: Record<string, unknown>): Promise<string> {
  const res = await api(`${app.url}/events`, {
    headers: app.service,
    body: { event_name: 'Sunset Cruise', duration_hours: 4, location: 'Dock 3', timezone: 'America/Los_Angeles', captain: '', ...body },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.event_id as string;
}
const getEvent = async (id: string) => (await api(`${app.url}/events/${id}`, { headers: app.service })).body;
const seat = (view: { crew: { crew_id: string }[] }, id: string) => view.crew.find((c) => c.crew_id === id) as Record<string, unknown> | undefined;
/** A person's invite link for the (uniquely named) event. */
const inviteLink = async (id: string, eventName: string): Promise<string> => linkIn((await mailTo(emailOf(id), `Please confirm: ${eventName},`))[0]!);

beforeAll(async () => {
  sink = await startSmtpSink();
  app = await startDockhand({ env: { SMTP_URL: sink.url, OWNER_EMAIL: OWNER, TRUST_PROXY: 'true' } });
  for (const m of roster) expect((await api(`${app.url}/crew`, { headers: app.operator, body: m })).status).toBe(201);
});
afterAll(async () => {
  await app?.close();
  await sink?.close();
});

describe('decline and replace', () => {
  let eventId: string;
  let offers: Map<string, string>;

  beforeAll(async () => {
    // Recent work in the 30 days before the charter: c3 twice, c4 once; c5 and c6 only long ago.
    await createEvent({ event_name: 'Early June A', date: '2025-06-01T16:00:00Z', crew: ['c3'] });
    await createEvent({ event_name: 'Early June B', date: '2025-06-05T16:00:00Z', crew: ['c3', 'c4'] });
    await createEvent({ event_name: 'April', date: '2025-04-01T16:00:00Z', crew: ['c5', 'c6'] });
    // Overlapping the charter: c7 on a live event (busy); c5 on one that was cancelled (free).
    await createEvent({ event_name: 'Overlap live', date: '2025-06-10T19:00:00Z', duration_hours: 2, crew: ['c7'] });
    const cancelled = await createEvent({ event_name: 'Overlap cancelled', date: '2025-06-10T17:00:00Z', crew: ['c5'] });
    expect((await api(`${app.url}/events/${cancelled}`, { method: 'DELETE', headers: app.service })).status).toBe(200);
    eventId = await createEvent({ event_name: 'Main charter', date: '2025-06-10T16:00:00Z', crew: ['c1', 'c2'], captain: 'cap-a', pay_rates: { crew: 30, captain: 60 } });
    await mailTo(emailOf('cap-a'), 'Please confirm: Main charter');
  });

  it('offers a declined place to the three free people with the fewest recent charters, each with their own link', async () => {
    const decline = await post(`${await inviteLink('c2', 'Main charter')}/decline`);
    expect(decline.status).toBe(303);
    const mails = new Map<string, ParsedMail>();
    for (const id of ['c4', 'c5', 'c6']) mails.set(id, (await mailTo(emailOf(id), 'Place open: Main charter'))[0]!);
    await settle();
    for (const id of ['c1', 'c3', 'c7', 'cap-b']) expect(sink.to(emailOf(id)).filter((m) => m.subject!.startsWith('Place open'))).toHaveLength(0);
    offers = new Map([...mails].map(([id, m]) => [id, linkIn(m)]));
    expect(new Set(offers.values()).size).toBe(3);
    expect(mails.get('c5')!.text).toContain('$120.00');
    expect(mails.get('c5')!.text).toMatch(/first to accept takes it/);

    const view = await getEvent(eventId);
    expect(seat(view, 'c2')).toMatchObject({ status: 'declined', replaced_by: null });
    expect(view.vacancies).toHaveLength(1);
    expect(view.vacancies[0]).toMatchObject({ declined: 'c2', role: 'crew', status: 'open', filled_by: null });
    // Fewest recent charters first: c5 and c6 (none in 30 days) and c4 (one); c3 (two) left out.
    // Made in one transaction, the offers' order among themselves is not part of it.
    expect(view.vacancies[0].offers.map((o: { crew_id: string; status: string }) => [o.crew_id, o.status]).sort()).toEqual([
      ['c4', 'offered'],
      ['c5', 'offered'],
      ['c6', 'offered'],
    ]);
    const stored = await app.dockhand.ctx.db.selectFrom('crew_offers').select('token_hash').execute();
    for (const link of offers.values()) for (const s of stored) expect(link).not.toContain(s.token_hash);
  });

  it('shows the offer with Accept and No thanks as POST forms, and the GET changes nothing', async () => {
    const res = await page(offers.get('c4')!);
    expect(res.status).toBe(200);
    expect(res.body).toContain('Main charter');
    expect(res.body).toContain('$120.00');
    expect(res.body).toMatch(/<form method="post" action="\/m\/[A-Za-z0-9_-]{43}\/accept">/);
    expect(res.body).toMatch(/<form method="post" action="\/m\/[A-Za-z0-9_-]{43}\/pass">/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    for (let i = 0; i < 3; i++) await page(offers.get('c6')!);
    expect((await getEvent(eventId)).vacancies[0].status).toBe('open');
  });

  it('gives the place to the first to accept; the event shows them; the others and the captain are told', async () => {
    const from = sink.messages.length;
    const res = await post(`${offers.get('c5')}/accept`);
    expect(res.status).toBe(303);
    const shown = await page(offers.get('c5')!);
    expect(shown.body).toContain('You confirmed');
    expect(shown.body).toMatch(/Person C2, crew: <strong>Declined/);

    const view = await getEvent(eventId);
    expect(seat(view, 'c5')).toMatchObject({ role: 'crew', status: 'confirmed', replaces: 'c2', replaced_by: null });
    expect(seat(view, 'c2')).toMatchObject({ status: 'declined', replaced_by: 'c5' });
    expect(view.vacancies[0]).toMatchObject({ status: 'filled', filled_by: 'c5' });
    const members = await app.dockhand.ctx.db.selectFrom('crew_event_members').selectAll().where('event_id', '=', eventId).where('crew_id', '=', 'c5').execute();
    expect(members[0]).toMatchObject({ hourly_rate_cents: 3000, status: 'confirmed' });

    for (const id of ['c4', 'c6']) expect((await mailTo(emailOf(id), 'Place filled: Main charter'))[0]!.text).toContain('taken by someone else');
    const captain = (await mailTo(emailOf('cap-a'), 'Crew change: Main charter'))[0]!;
    expect(captain.text).toContain('Person C2 declined their place as crew');
    expect(captain.text).toContain('Person C5 has taken the place');
    await settle();
    expect(sink.messages.length - from).toBe(3);
    const trail = await app.dockhand.ctx.db.selectFrom('audit_log').select(['action', 'actor']).where('entity_id', '=', eventId).execute();
    expect(trail).toEqual(expect.arrayContaining([
      { action: 'crew_decline', actor: 'crew:c2' },
      { action: 'crew_vacancy_open', actor: 'crew:c2' },
      { action: 'crew_replace', actor: 'crew:c5' },
    ]));
  });

  it('tells a later acceptor the place is already filled, and their link says so', async () => {
    const late = await post(`${offers.get('c4')}/accept`);
    expect(late.status).toBe(409);
    expect(late.body).toContain('already been filled');
    const shown = await page(offers.get('c4')!);
    expect(shown.status).toBe(200);
    expect(shown.body).toContain('already been filled');
    expect(shown.body).not.toContain('<form');
    expect(seat(await getEvent(eventId), 'c4')).toBeUndefined();
  });

  it("refuses the decliner's answers once replaced, and keeps the replacement when the caller's crew list is stale", async () => {
    const c2 = await inviteLink('c2', 'Main charter');
    expect((await page(c2)).body).toContain('Person C5 has taken your place');
    expect((await post(`${c2}/confirm`)).status).toBe(409);
    // The orchestrator still names c2 (it chose c2); the crew service keeps c5 in that place.
    const patched = await api(`${app.url}/events/${eventId}`, { method: 'PATCH', headers: app.service, body: { crew: ['c1', 'c2'], captain: 'cap-a', location: 'Dock 4' } });
    expect(patched.status).toBe(200);
    expect(seat(patched.body, 'c5')).toMatchObject({ status: 'confirmed', replaces: 'c2' });
    expect(seat(patched.body, 'c2')).toMatchObject({ status: 'declined', replaced_by: 'c5' });
    expect(patched.body.crew.filter((c: { status: string }) => c.status !== 'declined')).toHaveLength(3);
  });
});

describe('captain declines; racing acceptors', () => {
  it('offers the captain place to captains only, and of several accepting at once exactly one wins', async () => {
    const eventId = await createEvent({ event_name: 'Race day', date: '2025-06-20T16:00:00Z', crew: ['c1'], captain: 'cap-a' });
    expect((await post(`${await inviteLink('cap-a', 'Race day')}/decline`)).status).toBe(303);
    const links = new Map<string, string>();
    for (const id of ['cap-b', 'cap-c', 'cap-d']) links.set(id, linkIn((await mailTo(emailOf(id), 'Place open: Race day'))[0]!));
    await settle();
    expect(sink.to(emailOf('c3')).filter((m) => m.subject!.startsWith('Place open: Race day'))).toHaveLength(0);

    const attempts = [...links].flatMap(([id, link]) => [0, 1].map(() => post(`${link}/accept`).then((r) => ({ id, status: r.status }))));
    const results = await Promise.all(attempts);
    const winners = new Set(results.filter((r) => r.status === 303).map((r) => r.id));
    expect(winners.size).toBe(1);
    const [winner] = [...winners];
    expect(results.filter((r) => r.id !== winner).every((r) => r.status === 409)).toBe(true);

    const view = await getEvent(eventId);
    const captains = view.crew.filter((c: { role: string; status: string }) => c.role === 'captain' && c.status === 'confirmed');
    expect(captains.map((c: { crew_id: string }) => c.crew_id)).toEqual([winner]);
    expect(view.vacancies[0]).toMatchObject({ status: 'filled', filled_by: winner, role: 'captain' });
    const event = await app.dockhand.ctx.db.selectFrom('crew_events').select('captain_id').where('id', '=', eventId).executeTakeFirstOrThrow();
    expect(event.captain_id).toBe(winner);
    // The new captain is the one told who declined and who took the place.
    expect((await mailTo(emailOf(winner!), 'Crew change: Race day'))[0]!.text).toContain('Person CAP-A declined their place as captain');
    for (const id of [...links.keys()].filter((id) => id !== winner)) await mailTo(emailOf(id), 'Place filled: Race day');
  });
});

describe('nobody takes the place', () => {
  it('emails the owner at once when nobody is free', async () => {
    for (const id of ['cap-b', 'cap-c', 'cap-d']) await createEvent({ event_name: `Busy ${id}`, date: '2025-07-01T17:00:00Z', captain: id, crew: [] });
    const eventId = await createEvent({ event_name: 'Lonely', date: '2025-07-01T16:00:00Z', captain: 'cap-a', crew: [] });
    expect((await post(`${await inviteLink('cap-a', 'Lonely')}/decline`)).status).toBe(303);
    const [mail] = await mailTo(OWNER, 'Crew place unfilled: Lonely');
    expect(mail!.text).toContain('Person CAP-A declined their place as captain');
    expect(mail!.text).toContain('nobody on the roster with the captain role is free');
    expect((await getEvent(eventId)).vacancies[0]).toMatchObject({ status: 'unfilled', offers: [] });
  });

  it('emails the owner once when nobody accepts within 12 hours, and the offers then say they have closed', async () => {
    const eventId = await createEvent({ event_name: 'Quiet', date: '2025-08-01T16:00:00Z', crew: ['c1'] });
    expect((await post(`${await inviteLink('c1', 'Quiet')}/decline`)).status).toBe(303);
    const view = await getEvent(eventId);
    const offered: string[] = view.vacancies[0].offers.map((o: { crew_id: string }) => o.crew_id);
    expect(offered).toHaveLength(3);
    const links = await Promise.all(offered.map(async (id) => linkIn((await mailTo(emailOf(id), 'Place open: Quiet'))[0]!)));
    expect((await post(`${links[0]}/pass`)).status).toBe(303);
    expect((await page(links[0]!)).body).toContain('You said no thanks');

    const ctx = app.dockhand.ctx;
    // The deadline is a job due at the vacancy's expiry, written with the vacancy.
    const vacancyId: string = view.vacancies[0].vacancy_id;
    const timer = await ctx.db.selectFrom('jobs').selectAll().where('key', '=', vacancyKey(vacancyId)).executeTakeFirstOrThrow();
    expect(timer).toMatchObject({ kind: VACANCY_EXPIRY, run_at: view.vacancies[0].expires_at });
    // Past the due time an accept is refused even before the deadline job has run: expiry is checked on read too.
    const token = links[1]!.split('/m/')[1]!;
    const twelveHoursOn = () => new Date(Date.now() + 12 * 3_600_000 + 60_000);
    expect(await acceptOffer(ctx, token, twelveHoursOn())).toBe('closed');
    expect((await getEvent(eventId)).vacancies[0].status).toBe('open');
    // Twelve hours on: the job falls due, and a runner whose clock says so closes the vacancy.
    await ctx.db.updateTable('jobs').set({ run_at: new Date().toISOString() }).where('key', '=', vacancyKey(vacancyId)).execute();
    const later = new JobRunner(ctx.db, ctx.dialect, ctx.logger, { pollMs: 20 });
    later.register(vacancyExpiryTask(ctx, twelveHoursOn));
    later.start();
    try {
      const [mail] = await mailTo(OWNER, 'Crew place unfilled: Quiet');
      expect(mail!.text).toContain('nobody accepted within 12 hours');
      expect(mail!.text).toContain('said no thanks');
      await settle();
    } finally {
      await later.stop();
    }
    expect(await ctx.db.selectFrom('jobs').select('id').where('key', '=', vacancyKey(vacancyId)).execute()).toEqual([]);
    expect(sink.to(OWNER).filter((m) => m.subject!.startsWith('Crew place unfilled: Quiet'))).toHaveLength(1);
    expect((await getEvent(eventId)).vacancies[0].status).toBe('unfilled');
    const late = await post(`${links[1]}/accept`);
    expect(late.status).toBe(409);
    expect(late.body).toContain('offer has closed');
    expect((await page(links[2]!)).body).toContain('This offer has closed');
  });
});

describe('the decliner changes their mind', () => {
  it('withdraws the offers when the decliner confirms after all, and tells those offered', async () => {
    const eventId = await createEvent({ event_name: 'Second thoughts', date: '2025-09-01T16:00:00Z', crew: ['c7'] });
    const link = await inviteLink('c7', 'Second thoughts');
    expect((await post(`${link}/decline`)).status).toBe(303);
    const offered: string[] = (await getEvent(eventId)).vacancies[0].offers.map((o: { crew_id: string }) => o.crew_id);
    const links = await Promise.all(offered.map(async (id) => linkIn((await mailTo(emailOf(id), 'Place open: Second thoughts'))[0]!)));
    expect((await post(`${link}/confirm`)).status).toBe(303);
    for (const id of offered) expect((await mailTo(emailOf(id), 'No longer open: Second thoughts'))[0]!.text).toContain('no longer open');
    const view = await getEvent(eventId);
    expect(seat(view, 'c7')).toMatchObject({ status: 'confirmed', replaced_by: null });
    expect(view.vacancies[0].status).toBe('withdrawn');
    expect(view.vacancies[0].offers.every((o: { status: string }) => o.status === 'withdrawn')).toBe(true);
    expect((await post(`${links[0]}/accept`)).status).toBe(409);
    expect((await page(links[0]!)).body).toContain('This offer has closed');
  });
});
