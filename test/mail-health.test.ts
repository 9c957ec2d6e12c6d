import { mkdtempSync, rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockhand, createLogger, type Dockhand } from '../src/app.js';
import { parseConfig } from '../src/config/env.js';
import { TEST_DASHBOARD_TOKEN, TEST_SERVICE_KEY, api, eventually, startDockhand } from './helpers/app.js';
import { runCli } from './helpers/cli.js';
import { freshDatabaseUrl } from './helpers/database.js';

const booking = JSON.parse(readFileSync(new URL('./fixtures/booking-may-30.json', import.meta.url), 'utf8'));
const roster = JSON.parse(readFileSync(new URL('./fixtures/crew.json', import.meta.url), 'utf8')) as { email: string; name: string }[];

/** A real SMTP server that answers but refuses every recipient, naming the address as servers do. */
async function refusingSmtp() {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      callback(Object.assign(new Error(`No mailbox here for <${address.address}>`), { responseCode: 550 }));
    },
  });
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('mail health: readiness, logs, dashboard and status', () => {
  let smtp: Awaited<ReturnType<typeof refusingSmtp>>;
  let dockhand: Dockhand;
  let url: string;
  let dataDir: string;
  let dropDb: () => Promise<void>;
  const logLines: string[] = [];
  const operator = { authorization: `Bearer ${TEST_DASHBOARD_TOKEN}` };

  beforeAll(async () => {
    smtp = await refusingSmtp();
    dataDir = mkdtempSync(join(tmpdir(), 'dockhand-mail-'));
    const database = await freshDatabaseUrl();
    dropDb = database.drop;
    const config = parseConfig({
      ...(database.url ? { DATABASE_URL: database.url } : {}),
      PORT: '0',
      DOCKHAND_DATA_DIR: dataDir,
      DASHBOARD_TOKEN: TEST_DASHBOARD_TOKEN,
      SERVICE_KEY: TEST_SERVICE_KEY,
      SMTP_URL: smtp.url,
      LOG_LEVEL: 'info',
      BOOKING_DAYS_BACK: '3650',
    });
    const sink = new Writable({ write: (chunk, _enc, done) => (logLines.push(String(chunk)), done()) });
    dockhand = await createDockhand({ config, logger: createLogger(config, sink), migrate: true });
    url = await dockhand.listen();
    for (const m of roster) await api(`${url}/crew`, { headers: operator, body: m });
  });
  afterAll(async () => {
    await dockhand?.close();
    await smtp?.close();
    await dropDb?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('logs ids, never a guest name or a crew address, even when the mail server echoes the address', async () => {
    const created = await api(`${url}/bookings`, { headers: operator, body: booking });
    expect(created.status).toBe(202);
    // Same boat, same time: held in conflict, and the reason names the first booking's guest.
    const { crew: _c, captain: _k, ...rest } = booking;
    const twin = await api(`${url}/bookings`, { headers: operator, body: { ...rest, external_id: 'TWIN-1', guest: { name: 'Zed Quillfeather' } } });
    expect(twin.status).toBe(202);
    await eventually(async () => logLines.some((l) => l.includes('mail send failed')), 20_000, 'a failed send to be logged');
    await eventually(async () => logLines.some((l) => l.includes('booking held in conflict')), 20_000, 'the conflict to be logged');
    const log = logLines.join('');
    expect(log).toContain(created.body.id);
    for (const m of roster) {
      expect(log).not.toContain(m.email);
      expect(log).not.toContain(m.name);
    }
    expect(log).not.toContain(booking.guest.name);
    expect(log).not.toContain('Zed Quillfeather');
    expect(log).not.toContain(booking.guest.email);
  });

  it('says on the dashboard that delivery is failing', async () => {
    const signin = await fetch(`${url}/dashboard/signin`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: TEST_DASHBOARD_TOKEN, next: '/dashboard/mail' }).toString(),
    });
    const cookie = signin.headers.get('set-cookie')!.split(';')[0]!;
    const page = await (await fetch(`${url}/dashboard/mail`, { headers: { cookie } })).text();
    expect(page).toMatch(/Delivery is failing/);
  });

  it('is not ready while the SMTP server cannot be reached, and says so in "dockhand status"', async () => {
    const down = await startDockhand({ env: { SMTP_URL: 'smtp://127.0.0.1:1' } });
    try {
      const ready = await api(`${down.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(ready.body.checks.mail.ok).toBe(false);
      const status = await runCli(['status'], { DOCKHAND_DATA_DIR: down.dataDir, DASHBOARD_TOKEN: TEST_DASHBOARD_TOKEN, SERVICE_KEY: TEST_SERVICE_KEY, SMTP_URL: 'smtp://127.0.0.1:1', ...(down.dockhand.ctx.config.databaseUrl ? { DATABASE_URL: down.dockhand.ctx.config.databaseUrl } : {}) });
      expect(status.stdout).toMatch(/mail: FAILING/);
    } finally {
      await down.close();
    }
    // The refusing server answers, so the transport itself is fine.
    expect((await api(`${url}/readyz`)).body.checks.mail.ok).toBe(true);
  }, 60_000);

  it('never calls mail kept in the local outbox "delivered"', async () => {
    const local = await startDockhand();
    try {
      for (const m of roster) await api(`${local.url}/crew`, { headers: local.operator, body: m });
      const { id } = (await api(`${local.url}/bookings`, { headers: local.operator, body: booking })).body;
      const view = await eventually(async () => {
        const v = (await api(`${local.url}/bookings/${id}`, { headers: local.operator })).body;
        return v.status === 'synced' && v.steps.notifications.sent === v.steps.notifications.total ? v : undefined;
      }, 20_000, 'synced');
      expect(view.steps.notifications.kept_locally).toBe(view.steps.notifications.total);
      const env = { DOCKHAND_DATA_DIR: local.dataDir, DASHBOARD_TOKEN: TEST_DASHBOARD_TOKEN, SERVICE_KEY: TEST_SERVICE_KEY, ...(local.dockhand.ctx.config.databaseUrl ? { DATABASE_URL: local.dockhand.ctx.config.databaseUrl } : {}) };
      const status = await runCli(['status', id], env);
      expect(status.stdout).toMatch(/0 of \d+ emails delivered; \d+ kept in the local outbox, not sent/);
    } finally {
      await local.close();
    }
  }, 60_000);
});
