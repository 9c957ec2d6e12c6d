import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startDockhand, type TestDockhand } from './helpers/app.js';

describe('server', () => {
  let t: TestDockhand;
  beforeAll(async () => {
    t = await startDockhand();
  });
  afterAll(() => t.close());

  it('answers /healthz and returns JSON 404s for unknown routes', async () => {
    expect((await api(`${t.url}/healthz`)).body).toEqual({ status: 'ok' });
    const missing = await api(`${t.url}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.body.error).toBe('not_found');
  });
});
