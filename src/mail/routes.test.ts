import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startDockhand, type TestDockhand } from '../../test/helpers/app.js';

describe('the development outbox', () => {
  let t: TestDockhand;
  beforeAll(async () => {
    t = await startDockhand();
  });
  afterAll(() => t.close());

  it('is open to a browser on this machine and asks anyone else, proxied ones too, for the operator credential', async () => {
    expect((await api(`${t.url}/dev/mail.json`)).status).toBe(200);
    const html = await fetch(`${t.url}/dev/mail`);
    expect(html.status).toBe(200);
    expect(html.headers.get('cache-control')).toBe('no-store');
    const remote = { 'x-forwarded-for': '203.0.113.9' };
    expect((await api(`${t.url}/dev/mail.json`, { headers: remote })).status).toBe(401);
    expect((await api(`${t.url}/dev/mail.json`, { headers: { ...remote, ...t.operator } })).status).toBe(200);
  });
});
