import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/env.js';
import { createDockhand, type Dockhand, type ServiceName } from '../../src/app.js';
import { freshDatabaseUrl } from './database.js';
import type { EngineOptions } from '../../src/orchestrator/index.js';

export const TEST_DASHBOARD_TOKEN = 'test-dashboard-token-0123456789';
export const TEST_SERVICE_KEY = 'test-service-key-0123456789abcdef';

export interface TestDockhand {
  url: string;
  dockhand: Dockhand;
  dataDir: string;
  /** Headers carrying the operator credential. */
  operator: Record<string, string>;
  /** Headers carrying the crew-service credential. */
  service: Record<string, string>;
  close(): Promise<void>;
}

/** A real Dockhand on a random loopback port with its own data dir; removed again by close(). */
export async function startDockhand(
  options: { env?: Record<string, string>; only?: ServiceName; background?: boolean; engine?: Partial<EngineOptions> } = {},
): Promise<TestDockhand> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dockhand-test-'));
  const database = await freshDatabaseUrl();
  const config = parseConfig({
    ...(database.url ? { DATABASE_URL: database.url } : {}),
    PORT: '0',
    HOST: '127.0.0.1',
    DOCKHAND_DATA_DIR: dataDir,
    DASHBOARD_TOKEN: TEST_DASHBOARD_TOKEN,
    SERVICE_KEY: TEST_SERVICE_KEY,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    // The fixtures are dated 2024 to 2030: widen the booking window so they stay valid as the calendar moves on.
    BOOKING_DAYS_BACK: '3650',
    BOOKING_DAYS_AHEAD: '3650',
    ...options.env,
  });
  const dockhand = await createDockhand({ config, only: options.only, background: options.background, engine: options.engine, migrate: true });
  const url = await dockhand.listen();
  return {
    url,
    dockhand,
    dataDir,
    operator: { authorization: `Bearer ${TEST_DASHBOARD_TOKEN}` },
    service: { 'x-service-key': TEST_SERVICE_KEY },
    async close() {
      await dockhand.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** fetch + JSON with the status kept, for terse assertions. */
export async function api<T = any>( // eslint-disable-line @typescript-eslint/no-explicit-any
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<{ status: number; body: T; headers: Headers }> {
  const headers: Record<string, string> = { ...init.headers };
  let body: string | undefined;
  if (init.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
  }
  const response = await fetch(url, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON: keep the text */
  }
  return { status: response.status, body: parsed as T, headers: response.headers };
}

/** Polls until check() returns a value (not undefined/false) or the time runs out. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
