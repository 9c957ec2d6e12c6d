import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/helpers/cli.js';
import { matchesHash, resolveCredentials, sha256Hex } from './credentials.js';
import { ConfigError, parseConfig } from './env.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'dockhand-config-'));

describe('configuration', () => {
  it('applies the documented defaults', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({ port: 8080, host: '127.0.0.1', dataDir: './data', publicBaseUrl: 'http://127.0.0.1:8080', mailFrom: 'Dockhand <dockhand@localhost>' });
  });

  it.each([
    ['SERVICE_KEY_HASH', 'nothex'],
    ['PORT', 'eighty'],
    ['DATABASE_URL', 'mysql://x'],
    ['PUBLIC_BASE_URL', 'example.com'],
    ['SMTP_URL', 'http://mail'],
    ['DASHBOARD_TOKEN', 'short'],
    ['CDN', 'akamai:1'],
    ['BOOKING_DAYS_BACK', 'a year'],
    ['BOOKING_DAYS_AHEAD', '-3'],
    ['HTTP_REQUEST_TIMEOUT', '0'],
    ['HTTP_HEADERS_TIMEOUT', 'soon'],
    ['HTTP_IDLE_TIMEOUT', '-1'],
    ['HTTP_KEEP_ALIVE_TIMEOUT', '99999'],
    ['MAX_CONNECTIONS_PER_ADDRESS', '1.5'],
    ['ALLOWED_HOSTS', 'evil.example/path'],
  ])('names %s when it is malformed', (variable, value) => {
    expect(() => parseConfig({ [variable]: value })).toThrow(ConfigError);
    expect(() => parseConfig({ [variable]: value })).toThrow(new RegExp(`^${variable}:`));
  });

  it('refuses both SERVICE_KEY and SERVICE_KEY_HASH', () => {
    expect(() => parseConfig({ SERVICE_KEY: 'k'.repeat(20), SERVICE_KEY_HASH: 'a'.repeat(64) })).toThrow(/SERVICE_KEY_HASH/);
  });

  it('generates credentials once, keeps only their hashes in a 0600 file, and reuses them', () => {
    const dataDir = tempDir();
    const first = resolveCredentials(parseConfig({ DOCKHAND_DATA_DIR: dataDir }));
    expect(first.generated.dashboardToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first.generated.serviceKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const file = join(dataDir, 'keys.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const stored = readFileSync(file, 'utf8');
    expect(stored).not.toContain(first.generated.dashboardToken);
    expect(stored).toContain(sha256Hex(first.generated.dashboardToken!));
    const second = resolveCredentials(parseConfig({ DOCKHAND_DATA_DIR: dataDir }));
    expect(second.generated).toEqual({});
    expect(matchesHash(first.generated.serviceKey!, second.credentials.serviceKeyHash)).toBe(true);
    expect(matchesHash('wrong', second.credentials.serviceKeyHash)).toBe(false);
  });

  it('stops "serve --only crew" with a message naming SERVICE_KEY_HASH when it is not hex', async () => {
    const result = await runCli(['serve', '--only', 'crew'], { SERVICE_KEY_HASH: 'nothex', DOCKHAND_DATA_DIR: tempDir(), PORT: '0' });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('SERVICE_KEY_HASH');
    expect(result.stderr).toMatch(/64 hexadecimal/);
  });
});
