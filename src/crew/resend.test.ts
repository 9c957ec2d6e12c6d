import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startDockhand, type TestDockhand } from '../../test/helpers/app.js';
import { startSmtpSink, type SmtpSink } from '../../test/helpers/smtp.js';

const event = JSON.parse(readFileSync(new URL('../../test/fixtures/crew-event-origin.json', import.meta.url), 'utf8'));
const roster = JSON.parse(readFileSync(new URL('../../test/fixtures/crew.json', import.meta.url), 'utf8')) as unknown[];
const linkIn = (text: string) => text.match(/https?:\/\/\S+\/m\/[A-Za-z0-9_-]{43}/)![0];

describe('resending a magic link', () => {
  let t: TestDockhand;
  let smtp: SmtpSink;
  beforeAll(async () => {
    smtp = await startSmtpSink();
    t = await startDockhand({ env: { SMTP_URL: smtp.url } });
    for (const m of roster) await api(`${t.url}/crew`, { headers: t.operator, body: m });
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  it('emails a new link that works, and the old one stops working', async () => {
    const created = await api(`${t.url}/events`, { headers: t.service, body: event });
    await smtp.waitFor(3);
    const old = linkIn(smtp.to('ana@crew.example')[0]!.text!);
    const res = await api(`${t.url}/events/${created.body.event_id}/crew/crew-1/resend`, { method: 'POST', headers: t.service });
    expect(res.status).toBe(202);
    await smtp.waitFor(4);
    const mails = smtp.to('ana@crew.example');
    expect(mails).toHaveLength(2);
    const fresh = linkIn(mails[1]!.text!);
    expect(fresh).not.toBe(old);
    expect((await fetch(fresh)).status).toBe(200);
    expect((await fetch(old)).status).toBe(404);
    expect(smtp.to('kofi@crew.example')).toHaveLength(1);
    const unknown = await api(`${t.url}/events/${created.body.event_id}/crew/crew-4/resend`, { method: 'POST', headers: t.service });
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toContain('crew-4');
  });
});
