import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionKeys } from '../src/dashboard/session.js';
import { TEST_DASHBOARD_TOKEN, api, startDockhand, type TestDockhand } from './helpers/app.js';

const mode = (path: string) => statSync(path).mode & 0o777;

describe('secrets at rest and dashboard sessions', () => {
  let t: TestDockhand;
  beforeAll(async () => {
    // A permissive umask, as on many servers: the modes must not depend on it.
    process.umask(0o022);
    t = await startDockhand({ env: { DASHBOARD_TOKEN: '', SERVICE_KEY: '' } });
    // One write, so SQLite has made its WAL files too.
    await api(`${t.url}/crew`, { headers: { authorization: `Bearer ${t.dockhand.generated.dashboardToken}` }, body: { id: 'a', name: 'A', email: 'a@crew.example', roles: ['crew'] } });
  });
  afterAll(() => t.close());

  it('tightens an existing data folder that others could read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dockhand-open-'));
    chmodSync(dir, 0o755);
    const other = await startDockhand({ env: { DOCKHAND_DATA_DIR: dir } });
    try {
      expect(mode(dir)).toBe(0o700);
    } finally {
      await other.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the data folder 0700 and the database, keys and secrets 0600', async () => {
    expect(mode(t.dataDir)).toBe(0o700);
    for (const file of ['dockhand.sqlite', 'dockhand.sqlite-wal', 'keys.json']) {
      if (file.startsWith('dockhand') && t.dockhand.database.dialect !== 'sqlite') continue;
      expect(mode(join(t.dataDir, file)), file).toBe(0o600);
    }
  });

  it('signs sessions with a secret of their own, and sign-out makes the cookie useless', async () => {
    const token = t.dockhand.generated.dashboardToken ?? TEST_DASHBOARD_TOKEN;
    const signin = await fetch(`${t.url}/dashboard/signin`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, next: '/dashboard/crew' }).toString(),
    });
    expect(signin.status).toBe(303);
    const cookie = signin.headers.get('set-cookie')!.split(';')[0]!;
    expect(mode(join(t.dataDir, 'session-secret'))).toBe(0o600);
    // keys.json alone does not sign a session.
    const keysJson = JSON.parse(readFileSync(join(t.dataDir, 'keys.json'), 'utf8'));
    const forged = new SessionKeys(keysJson.dashboard_token_sha256, Buffer.alloc(32)).issue().cookie;
    expect((await fetch(`${t.url}/dashboard/crew`, { headers: { cookie: `dockhand_session=${forged}` }, redirect: 'manual' })).status).toBe(303);

    const crewPage = await fetch(`${t.url}/dashboard/crew`, { headers: { cookie }, redirect: 'manual' });
    expect(crewPage.status).toBe(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await crewPage.text())![1]!;
    const signout = await fetch(`${t.url}/dashboard/signout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf }).toString(),
    });
    expect(signout.status).toBe(303);
    // The browser forgets the cookie; a copy kept elsewhere is refused all the same.
    const after = await fetch(`${t.url}/dashboard/crew`, { headers: { cookie }, redirect: 'manual' });
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toMatch(/^\/dashboard\/signin/);
  });
});
