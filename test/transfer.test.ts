import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database.js';
import { transferTables } from '../src/db/transfer.js';
import { api, eventually, startDockhand, TEST_DASHBOARD_TOKEN, TEST_SERVICE_KEY } from './helpers/app.js';
import { runCli } from './helpers/cli.js';
import { freshDatabaseUrl, LOCAL_POSTGRES } from './helpers/database.js';
import { startSmtpSink } from './helpers/smtp.js';

const fixture = JSON.parse(readFileSync(new URL('./fixtures/booking-may-30.json', import.meta.url), 'utf8'));

// Process-level behaviour, run once: the PostgreSQL pass of the suite (TEST_DATABASE_URL) skips it.
describe.skipIf(process.env.TEST_DATABASE_URL)('dockhand export / import', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dockhand-transfer-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('moves a whole SQLite installation into PostgreSQL: every record identical, magic links still working', async () => {
    const smtp = await startSmtpSink();
    const source = await startDockhand({ env: { SMTP_URL: smtp.url, DATABASE_URL: '' } });
    await runCli(['crew', 'import', 'test/fixtures/crew.json'], { DOCKHAND_DATA_DIR: source.dataDir, DASHBOARD_TOKEN: TEST_DASHBOARD_TOKEN, SERVICE_KEY: TEST_SERVICE_KEY });
    const { body } = await api(`${source.url}/bookings`, { headers: source.operator, body: fixture });
    await eventually(async () => (await api(`${source.url}/bookings/${body.id}`, { headers: source.operator })).body.status === 'synced');
    await smtp.waitFor(4);
    const link = smtp.to('ana@crew.example')[0]!.text!.match(/\/m\/[A-Za-z0-9_-]+/)![0];

    const file = join(dir, 'export.jsonl');
    const env = { DOCKHAND_DATA_DIR: source.dataDir, DASHBOARD_TOKEN: TEST_DASHBOARD_TOKEN, SERVICE_KEY: TEST_SERVICE_KEY };
    const exported = await runCli(['export', file], env);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toMatch(/bookings 1/);

    const target = await freshDatabaseUrl(LOCAL_POSTGRES);
    const targetEnv = { DATABASE_URL: target.url!, DOCKHAND_DATA_DIR: join(dir, 'pg'), DASHBOARD_TOKEN: TEST_DASHBOARD_TOKEN, SERVICE_KEY: TEST_SERVICE_KEY };
    const imported = await runCli(['import', file], targetEnv);
    expect(imported.code, imported.stderr).toBe(0);
    const again = await runCli(['import', file], targetEnv);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/already holds/);

    const pg = openDatabase({ dataDir: dir, databaseUrl: target.url });
    for (const table of transferTables) {
      const order = (rows: Record<string, unknown>[]) => rows.map((r) => JSON.stringify(Object.entries(r).sort())).sort();
      const from = await source.dockhand.ctx.db.selectFrom(table).selectAll().execute();
      const to = await pg.db.selectFrom(table).selectAll().execute();
      expect(order(to as Record<string, unknown>[]), table).toEqual(order(from as Record<string, unknown>[]));
    }
    await pg.close();
    await source.close();

    const moved = await startDockhand({ env: { DATABASE_URL: target.url! } });
    const page = await fetch(`${moved.url}${link}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Sheraton Marina');
    expect((await api(`${moved.url}/bookings/${body.id}`, { headers: moved.operator })).body.status).toBe('synced');
    await moved.close();
    await target.drop();
    await smtp.close();
  }, 120_000);

  it('never writes a working magic link into an export, even of mail kept in the local outbox', async () => {
    // No SMTP: the development outbox keeps each invite whole, links included, for /dev/mail.
    const source = await startDockhand({ env: { DATABASE_URL: '' } });
    const env = { DOCKHAND_DATA_DIR: source.dataDir, DASHBOARD_TOKEN: TEST_DASHBOARD_TOKEN, SERVICE_KEY: TEST_SERVICE_KEY };
    await runCli(['crew', 'import', 'test/fixtures/crew.json'], env);
    const { body } = await api(`${source.url}/bookings`, { headers: source.operator, body: { ...fixture, external_id: 'NO-LINKS' } });
    await eventually(async () => (await api(`${source.url}/bookings/${body.id}`, { headers: source.operator })).body.status === 'synced');
    const kept = await source.dockhand.ctx.db.selectFrom('outbox').select('text_body').where('kind', '=', 'crew_invite').execute();
    const tokens = kept.map((m) => m.text_body.match(/\/m\/([A-Za-z0-9_-]{32,})/)![1]!);
    expect(tokens).toHaveLength(3);
    const file = join(dir, 'links.jsonl');
    expect((await runCli(['export', file], env)).code).toBe(0);
    const exported = readFileSync(file, 'utf8');
    for (const token of tokens) expect(exported).not.toContain(token);
    expect(exported).toContain('/m/[link removed after sending]');
    await source.close();
  });
});
