import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DASHBOARD_TOKEN, api, startDockhand, type TestDockhand } from './helpers/app.js';

const booking = JSON.parse(readFileSync(new URL('./fixtures/booking-may-30.json', import.meta.url), 'utf8'));

describe('margin on the dashboard', () => {
  let t: TestDockhand;
  let cookie: string;
  beforeAll(async () => {
    t = await startDockhand({ background: false });
    const signin = await fetch(`${t.url}/dashboard/signin`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: TEST_DASHBOARD_TOKEN, next: '/dashboard/' }).toString(),
    });
    cookie = signin.headers.get('set-cookie')!.split(';')[0]!;
  });
  afterAll(() => t.close());

  const margin = async (revenue: unknown, externalId: string) => {
    const { crew: _c, captain: _k, ...base } = booking;
    const created = await api(`${t.url}/bookings`, { headers: t.operator, body: { ...base, external_id: externalId, revenue } });
    expect(created.status).toBe(202);
    const page = await (await fetch(`${t.url}/dashboard/bookings/${created.body.id}`, { headers: { cookie } })).text();
    return /<dt>Margin<\/dt><dd>([^<]*)<\/dd>/.exec(page)![1]!;
  };

  it('subtracts the crew cost only from revenue in the same currency', async () => {
    expect(await margin({ amount: 840.75, currency: 'USD' }, 'M-USD')).toBe('$540.75');
    const eur = await margin({ amount: 840.75, currency: 'EUR' }, 'M-EUR');
    expect(eur).not.toMatch(/\d/);
    expect(eur).toMatch(/revenue is in EUR, crew cost in USD/);
  });
});
