import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, eventually, startDockhand, type TestDockhand } from '../../test/helpers/app.js';
import { releaseHeldMail } from '../../test/helpers/held-mail.js';
import { mailKey } from '../mail/send-task.js';
import { startSmtpSink, type SmtpSink } from '../../test/helpers/smtp.js';

const person = (id: string) => ({ id, name: `Person ${id.toUpperCase()}`, email: `${id}@crew.example`, roles: ['crew'] });
const roster = ['ff-a', 'ff-b', 'ff-c', 'o1', 'o2', 'o3'].map(person);

let app: TestDockhand;
let sink: SmtpSink;
let hop = 0;

/** Each click from an address of its own (TRUST_PROXY is on): the per-address limit is another guarantee. */
async function click(link: string, answer: 'confirm' | 'decline' | 'accept') {
  const res = await fetch(`${link}/${answer}`, { method: 'POST', redirect: 'manual', headers: { 'x-forwarded-for': `198.51.100.${(hop++ % 250) + 1}` } });
  return { status: res.status, body: await res.text(), retryAfter: res.headers.get('retry-after') };
}
const linkIn = (mail: ParsedMail) => mail.text!.match(/http:\/\/127\.0\.0\.1:\d+\/m\/[A-Za-z0-9_-]{43}/)![0];

/** Lets every held message out, then waits until the event's outbox has nothing left to send. */
async function settle(eventId: string): Promise<void> {
  await releaseHeldMail(app.dockhand.ctx);
  await eventually(async () => {
    const left = await app.dockhand.ctx.db.selectFrom('outbox').select('id').where('ref_id', '=', eventId).where('status', 'in', ['pending', 'sending']).execute();
    return left.length === 0;
  }, 15_000, 'the outbox to drain');
}

async function charter(decliner: string, date: string): Promise<{ eventId: string; link: string }> {
  const res = await api(`${app.url}/events`, {
    headers: app.service,
    body: { event_name: `Flip ${decliner}`, date, duration_hours: 3, location: 'Dock 3', timezone: 'America/Los_Angeles', crew: [decliner], captain: '' },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const eventId = res.body.event_id as string;
  await settle(eventId);
  const invite = sink.to(`${decliner}@crew.example`).find((m) => m.subject?.startsWith(`Please confirm: Flip ${decliner}`));
  return { eventId, link: linkIn(invite!) };
}

/** For each unsent message of this kind about the event: is its send job due already? */
async function sendsDue(eventId: string, kind: string): Promise<boolean[]> {
  const { db } = app.dockhand.ctx;
  const rows = await db.selectFrom('outbox').select('id').where('ref_id', '=', eventId).where('kind', '=', kind).where('status', '=', 'pending').execute();
  const now = new Date().toISOString();
  return Promise.all(rows.map(async (r) => (await db.selectFrom('jobs').select('run_at').where('key', '=', mailKey(r.id)).executeTakeFirstOrThrow()).run_at <= now));
}

const vacancies = (eventId: string) => app.dockhand.ctx.db.selectFrom('crew_vacancies').selectAll().where('event_id', '=', eventId).execute();
const offerRows = (eventId: string) => app.dockhand.ctx.db.selectFrom('crew_offers').select(['id', 'crew_id', 'status']).where('event_id', '=', eventId).orderBy('id').execute();

async function alternate(link: string, first: 'confirm' | 'decline', clicks: number) {
  const results = [];
  for (let i = 0; i < clicks; i++) results.push(await click(link, (i % 2 === 0) === (first === 'decline') ? 'decline' : 'confirm'));
  return results;
}

beforeAll(async () => {
  sink = await startSmtpSink();
  app = await startDockhand({ env: { SMTP_URL: sink.url, OWNER_EMAIL: 'owner@charter.example', TRUST_PROXY: 'true' } });
  for (const m of roster) expect((await api(`${app.url}/crew`, { headers: app.operator, body: m })).status).toBe(201);
});
afterAll(async () => {
  await app?.close();
  await sink?.close();
});

describe('a crew link clicked back and forth', () => {
  it('20 alternating clicks from a decline: six answers recorded, the rest refused with a reason, and nobody else emailed', async () => {
    const { eventId, link } = await charter('ff-a', '2026-07-01T16:00:00Z');
    const before = sink.messages.length;
    const results = await alternate(link, 'decline', 20);
    // Past the sixth answer every change is refused; clicking the answer that already stands changes nothing anyway.
    expect(results.map((r) => r.status)).toEqual([...Array(6).fill(303), ...Array(7).fill([429, 303]).flat()]);
    const refused = results[6]!;
    expect(Number(refused.retryAfter)).toBeGreaterThan(23 * 3600);
    expect(refused.body).toContain('You have answered 6 times on this link in the last 24 hours, so this change was not recorded.');
    expect(refused.body).toContain('Your answer stays: <strong>Confirmed</strong>');
    expect(refused.body).toMatch(/takes a new answer again from \w{3} \w{3} \d+, \d+:\d\d [AP]M P[SD]T/);

    await settle(eventId);
    expect(sink.messages.slice(before).map((m) => m.subject)).toEqual([]);
    // One vacancy, opened once and brought back by each re-decline, never a fresh set of offers.
    const [vacancy, ...more] = await vacancies(eventId);
    expect(more).toEqual([]);
    expect(vacancy!.status).toBe('withdrawn');
    expect((await offerRows(eventId)).map((o) => o.status)).toEqual(['withdrawn', 'withdrawn', 'withdrawn']);
  });

  it('20 alternating clicks from a confirm end declined: each person offered the place gets one email', async () => {
    const { eventId, link } = await charter('ff-b', '2026-07-02T16:00:00Z');
    const before = sink.messages.length;
    const results = await alternate(link, 'confirm', 20);
    expect(results.map((r) => r.status)).toEqual([...Array(6).fill(303), ...Array(7).fill([429, 303]).flat()]);
    expect(results[6]!.body).toContain('Your answer stays: <strong>Declined</strong>');
    // Held, not sent: the offers wait out the settle time in the outbox.
    expect(await sendsDue(eventId, 'crew_offer')).toEqual([false, false, false]);

    await settle(eventId);
    const mails = sink.messages.slice(before);
    expect(mails.map((m) => m.subject?.replace(/:.*/, '')).sort()).toEqual(['Place open', 'Place open', 'Place open']);
    expect(new Set(mails.map((m) => (m.to as { text: string }).text)).size).toBe(3);
    expect((await vacancies(eventId)).map((v) => v.status)).toEqual(['open']);
    // The links in those emails are the live ones.
    const offer = await fetch(linkIn(mails[0]!));
    expect(await offer.text()).toMatch(/<form method="post" action="\/m\/[A-Za-z0-9_-]{43}\/accept">/);
  });

  it('once the offers went out, flip-flopping adds only the withdrawal: 6 emails from 20 clicks', async () => {
    const { eventId, link } = await charter('ff-c', '2026-07-03T16:00:00Z');
    const before = sink.messages.length;
    expect((await click(link, 'decline')).status).toBe(303);
    await settle(eventId);
    const offers = sink.messages.slice(before);
    expect(offers.map((m) => m.subject?.replace(/:.*/, ''))).toEqual(['Place open', 'Place open', 'Place open']);
    const offered = await offerRows(eventId);

    const results = await alternate(link, 'confirm', 19);
    expect(results.map((r) => r.status)).toEqual([...Array(5).fill(303), ...Array(7).fill([429, 303]).flat()]);
    // The withdrawals wait out the settle time too, so one more change of mind could still take them back.
    expect(await sendsDue(eventId, 'crew_offer_closed')).toEqual([false, false, false]);
    await settle(eventId);
    const after = sink.messages.slice(before + 3);
    expect(after.map((m) => m.subject?.replace(/:.*/, ''))).toEqual(['No longer open', 'No longer open', 'No longer open']);
    expect(await vacancies(eventId)).toHaveLength(1);
    expect((await offerRows(eventId)).map((o) => o.id)).toEqual(offered.map((o) => o.id));
    // The first links were never replaced, and now say the place is gone.
    expect((await click(linkIn(offers[0]!), 'accept')).status).toBe(409);
  });
});
