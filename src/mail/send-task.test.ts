import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, eventually, startDockhand, type TestDockhand } from '../../test/helpers/app.js';
import { startSmtpSink, type SmtpSink } from '../../test/helpers/smtp.js';
import { REDACTED } from './redact.js';

const fixture = JSON.parse(readFileSync(new URL('../../test/fixtures/booking-may-30.json', import.meta.url), 'utf8'));
const roster = JSON.parse(readFileSync(new URL('../../test/fixtures/crew.json', import.meta.url), 'utf8')) as unknown[];

describe('mail sent over SMTP', () => {
  let smtp: SmtpSink;
  let t: TestDockhand;
  beforeAll(async () => {
    smtp = await startSmtpSink();
    t = await startDockhand({ env: { SMTP_URL: smtp.url } });
    for (const m of roster) expect((await api(`${t.url}/crew`, { headers: t.operator, body: m })).status).toBe(201);
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  it('keeps no working magic link once the message has gone: the stored body says the link was removed', async () => {
    const { body } = await api(`${t.url}/bookings`, { headers: t.operator, body: fixture });
    await smtp.waitFor(4);
    const sentTokens = smtp.messages.flatMap((m) => [...(m.text ?? '').matchAll(/\/m\/([A-Za-z0-9_-]{32,})/g)].map((x) => x[1]!));
    expect(sentTokens.length).toBeGreaterThanOrEqual(3);
    const rows = await eventually(async () => {
      const all = await t.dockhand.ctx.db.selectFrom('outbox').selectAll().execute();
      return all.length === 4 && all.every((r) => r.status === 'sent') && all;
    }, 10_000, 'every message marked sent');
    for (const row of rows) for (const token of sentTokens) expect(row.text_body + row.html_body).not.toContain(token);
    expect(rows.filter((r) => r.kind === 'crew_invite').every((r) => r.text_body.includes(REDACTED))).toBe(true);
    // The link itself still works: only its hash was ever stored.
    const page = await fetch(`${t.url}/m/${sentTokens[0]}`);
    expect(page.status).toBe(200);
    expect((await api(`${t.url}/bookings/${body.id}`, { headers: t.operator })).body.status).toBe('synced');
  });
});
