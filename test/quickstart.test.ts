import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

// The README's two CLI commands, as a newcomer runs them: the default booking window (a year back,
// three ahead), so the sample charter is moved to next week rather than left in 2024.
describe.skipIf(process.env.TEST_DATABASE_URL)('the quick start', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dockhand-quickstart-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = { DOCKHAND_DATA_DIR: dataDir, BOOKING_DAYS_BACK: '365', BOOKING_DAYS_AHEAD: '1095' };

  it('imports the roster and syncs the sample booking a week from today', async () => {
    expect((await runCli(['crew', 'import', 'test/fixtures/crew.json'], env)).code).toBe(0);
    const refused = await runCli(['book', 'test/fixtures/booking-may-30.json'], env);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr + refused.stdout).toMatch(/date/);
    const booked = await runCli(['book', 'test/fixtures/booking-may-30.json', '--in-days', '7'], env);
    expect(booked.code, booked.stderr).toBe(0);
    expect(booked.stdout).toMatch(/synced/);
  });
});
