import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createDockhand } from '../src/app.js';
import { parseConfig } from '../src/config/env.js';
import { api, startDockhand } from './helpers/app.js';

describe('schema and readiness', () => {
  it('refuses to start on a database migrated by a newer Dockhand', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dockhand-schema-'));
    const config = parseConfig({ DOCKHAND_DATA_DIR: dataDir, DASHBOARD_TOKEN: 'x'.repeat(20), SERVICE_KEY: 'y'.repeat(20), LOG_LEVEL: 'silent', PORT: '0' });
    const first = await createDockhand({ config, background: false });
    await sql`insert into kysely_migration (name, timestamp) values ('9999_from_the_future', '2030-01-01T00:00:00.000Z')`.execute(first.ctx.db);
    await first.close();
    await expect(createDockhand({ config, background: false })).rejects.toThrow(/9999_from_the_future.*newer Dockhand/);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers /readyz with each check', async () => {
    const t = await startDockhand();
    const ready = await api(`${t.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ready');
    expect(Object.keys(ready.body.checks).sort()).toEqual(['database', 'mail', 'migrations', 'storage']);
    expect(ready.body.checks.migrations).toEqual({ ok: true, detail: 'current' });
    await t.close();
  });
});
