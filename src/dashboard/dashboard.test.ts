import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DASHBOARD_TOKEN, api, eventually, startDockhand, type TestDockhand } from '../../test/helpers/app.js';
import { startSmtpSink, type SmtpSink } from '../../test/helpers/smtp.js';

const fixture = (name: string) => readFileSync(new URL(`../../test/fixtures/${name}`, import.meta.url), 'utf8');
const booking = JSON.parse(fixture('booking-may-30.json'));
const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const shots = new URL('../../test-output/dashboard/', import.meta.url).pathname;
const sizes = [
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
];

/** Screenshots at both sizes and an axe run: no serious or critical violation on any page. */
async function check(page: Page, name: string): Promise<void> {
  await page.addScriptTag({ path: axePath });
  // A string, because the test code is compiled without the DOM's types.
  const violations = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({
    id: v.id, impact: v.impact, where: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) })))`)) as { id: string; impact: string; where: string[] }[];
  expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'), name).toEqual([]);
  for (const size of sizes) {
    await page.setViewportSize(size);
    await page.screenshot({ path: `${shots}${name}-${size.width}x${size.height}.png`, fullPage: true });
  }
  await page.setViewportSize(sizes[0]!);
}

describe('the operator dashboard in a browser', () => {
  let t: TestDockhand;
  let smtp: SmtpSink;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let bookingUrl: string;
  const foreign: string[] = [];

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    smtp = await startSmtpSink();
    t = await startDockhand({ env: { SMTP_URL: smtp.url } });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    // axe is injected as an inline script, which the dashboard's own policy rightly forbids.
    context = await browser.newContext({ viewport: sizes[0]!, bypassCSP: true });
    context.setDefaultTimeout(10_000);
    context.on('request', (r) => {
      if (!r.url().startsWith(t.url) && !r.url().startsWith('data:')) foreign.push(r.url());
    });
    page = await context.newPage();
    page.on('dialog', (d) => void d.accept());
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await smtp?.close();
  });

  it('sends a request without a session to sign-in, and / to the dashboard', async () => {
    const res = await fetch(`${t.url}/dashboard/bookings?status=synced`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/dashboard/signin?next=${encodeURIComponent('/dashboard/bookings?status=synced')}`);
    expect((await fetch(`${t.url}/`, { redirect: 'manual' })).headers.get('location')).toBe('/dashboard/');
    // The JSON API keeps its paths and its credential.
    expect((await api(`${t.url}/bookings`, { headers: t.operator })).body).toEqual({ bookings: [] });
  });

  it('refuses a wrong token with a message, then signs in with the right one', async () => {
    await page.goto(`${t.url}/dashboard/crew`);
    expect(new URL(page.url()).pathname).toBe('/dashboard/signin');
    await page.fill('#token', 'not-the-token-at-all');
    await page.click('button[type=submit]');
    expect(await page.textContent('[role=alert]')).toContain('That token is not right');
    expect(page.url()).not.toContain('not-the-token');
    await check(page, 'signin');
    await page.fill('#token', TEST_DASHBOARD_TOKEN);
    await page.click('button[type=submit]');
    expect(new URL(page.url()).pathname).toBe('/dashboard/crew');
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: 'dockhand_session', httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(cookie!.value).not.toContain(TEST_DASHBOARD_TOKEN);
  });

  it('loads the roster from JSON on the crew page', async () => {
    await page.fill('#roster-json', fixture('crew.json'));
    await page.click('form[action="/dashboard/crew/import"] button');
    expect(await page.textContent('[role=status]')).toContain('6 added');
    expect(await page.textContent('table')).toContain("Liam O'Brien");
    await check(page, 'crew');
  });

  it('shows the API validation beside the field, then creates the fixture booking through the form', async () => {
    await page.goto(`${t.url}/dashboard/bookings/new`);
    await check(page, 'booking-new');
    const fill: Record<string, string> = {
      '#f-source': booking.source, '#f-external_id': booking.external_id, '#f-boat': booking.boat, '#f-date': booking.date,
      '#f-start_time': booking.start_time, '#f-timezone': booking.timezone, '#f-duration_hours': String(booking.duration_hours),
      '#f-location': booking.location, '#f-guest-name': booking.guest.name, '#f-guest-email': 'not-an-email',
      '#f-guest-phone': booking.guest.phone, '#f-guest-party_size': String(booking.guest.party_size),
      '#f-revenue-amount': String(booking.revenue.amount), '#f-revenue-currency': 'USD', '#f-crew_count': '2', '#f-crew_rate': '25', '#f-captain_rate': '50',
    };
    for (const [selector, value] of Object.entries(fill)) await page.fill(selector, value);
    await page.check('input[name=crew][value=crew-1]');
    await page.check('input[name=crew][value=crew-2]');
    await page.selectOption('#f-captain', 'captain-1');
    await page.click('form[action="/dashboard/bookings/new"] button[type=submit]');
    expect(await page.getAttribute('#f-guest-email', 'aria-invalid')).toBe('true');
    expect(await page.textContent('#f-guest-email-err')).toMatch(/Guest email must be an email address/);
    await check(page, 'booking-new-invalid');

    await page.fill('#f-guest-email', booking.guest.email);
    await page.click('form[action="/dashboard/bookings/new"] button[type=submit]');
    expect(page.url()).toMatch(/\/dashboard\/bookings\/bk_[a-z0-9]+\?done=created$/);
    bookingUrl = page.url().split('?')[0]!;
    // The page follows the sync by itself.
    await page.locator('#live p[role=status]', { hasText: 'Synced' }).waitFor({ timeout: 20_000 });
    const systems = await page.textContent('table');
    expect(systems).toContain('Open the guest page');
    expect(await page.textContent('main')).toContain('$840.75');
    expect(await page.textContent('main')).toContain('$540.75'); // margin: 840.75 − 300 crew cost
    await check(page, 'booking');
  });

  it('finds the charter on the week view with its crew waiting to confirm', async () => {
    await page.goto(`${t.url}/dashboard/calendar?view=week&date=2024-05-30`);
    const card = page.locator('#d-2024-05-30 ~ a.charter');
    expect(await card.textContent()).toContain('9:00 AM – 12:00 PM PDT');
    expect(await card.textContent()).toContain('Boatsetter Guest');
    expect(await card.textContent()).toMatch(/Ana Lima \(crew\)\s*Not confirmed/);
    await check(page, 'calendar-week');
    await page.goto(`${t.url}/dashboard/calendar?view=month&date=2024-05-30&boat=JADA`);
    expect(await page.textContent('main')).toContain('Boatsetter Guest');
    await check(page, 'calendar-month');
    await page.emulateMedia({ colorScheme: 'dark' });
    await check(page, 'calendar-month-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.click('a.charter');
    expect(page.url()).toBe(bookingUrl);
  });

  it('shows a confirmation made through the crew member’s magic link, which opens nothing here', async () => {
    await smtp.waitFor(3);
    const invite = await eventually(async () => smtp.to('ana@crew.example').find((m) => m.headers.get('x-dockhand-kind') === 'crew_invite'));
    const link = invite.text!.match(/https?:\/\/[^\s"<>]+\/m\/[A-Za-z0-9_-]+/)![0];
    const crewContext = await browser.newContext();
    const crewPage = await crewContext.newPage();
    await crewPage.goto(link);
    await crewPage.click('button:has-text("Confirm")');
    await crewPage.goto(`${t.url}/dashboard/bookings`);
    expect(new URL(crewPage.url()).pathname).toBe('/dashboard/signin');
    await crewContext.close();

    await page.goto(bookingUrl);
    expect(await page.locator('#crew-event ~ div table tr', { hasText: 'Ana Lima' }).textContent()).toContain('Confirmed');
    await page.goto(`${t.url}/dashboard/calendar?view=week&date=2024-05-30`);
    expect(await page.locator('a.charter').textContent()).toMatch(/Ana Lima \(crew\)\s*Confirmed/);
    await page.goto(`${t.url}/dashboard/crew/crew-1`);
    await check(page, 'crew-member');
  });

  it('refuses a form posted without its CSRF token', async () => {
    const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const id = bookingUrl.split('/').pop();
    for (const body of ['', '_csrf=forged']) {
      const res = await fetch(`${t.url}/dashboard/bookings/${id}/cancel`, {
        method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body,
      });
      expect(res.status).toBe(403);
    }
    expect((await api(`${t.url}/bookings/${id}`, { headers: t.operator })).body.status).toBe('synced');
  });

  it('cancels the booking and every system follows', async () => {
    await page.goto(bookingUrl);
    await page.click('button:has-text("Cancel booking")');
    await page.locator('#live p[role=status]', { hasText: 'Cancelled' }).waitFor({ timeout: 20_000 });
    await eventually(async () => {
      await page.reload();
      const rows = await page.locator('table').first().locator('tbody tr').allTextContents();
      return rows.length === 4 && rows.every((r) => r.includes('Done'));
    }, 20_000, 'every system done');
    expect(await page.textContent('#crew-event + p')).toContain('cancelled');
    expect(await page.textContent('main')).not.toContain('Cancel booking');
    await page.goto(`${t.url}/dashboard/bookings`);
    expect(await page.locator('tbody tr').first().textContent()).toContain('Cancelled');
    await check(page, 'bookings');
    await page.goto(`${t.url}/dashboard/calendar?view=week&date=2024-05-30`);
    expect(await page.getAttribute('a.charter', 'class')).toContain('cancelled');
  });

  it('imports a CSV file with a progress bar and a result per row', async () => {
    await page.goto(`${t.url}/dashboard/bookings/new#import`);
    const header = 'source,external_id,date,start_time,timezone,duration_hours,boat,location,guest.name,crew_count,crew_rate,captain_rate';
    const csv = `${header}\ncsv,C-1,2024-06-20,10:00,America/Los_Angeles,2,Sea Star,Dock 5,Mia Park,1,25,50\ncsv,C-2,2024-06-31,10:00,America/Los_Angeles,2,Sea Star,Dock 5,Leo Park,1,25,50\n`;
    await page.setInputFiles('#csv-file', { name: 'bookings.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.waitForFunction(`document.getElementById('csv').value.includes('C-2')`);
    await page.click('#csv-import button');
    await page.locator('#csv-status', { hasText: 'Done: 1 of 2 rows accepted.' }).waitFor();
    expect(await page.getAttribute('#csv-progress', 'value')).toBe('2');
    const rows = await page.locator('#csv-results tr').allTextContents();
    expect(rows[0]).toContain('Created');
    expect(rows[1]).toMatch(/Refused: date /);
  });

  it('lists every email with its delivery state, loads light and asks no other host', async () => {
    await page.goto(`${t.url}/dashboard/mail`);
    const text = (await page.textContent('main'))!;
    expect(text).toContain('ana@crew.example');
    expect(text).toContain('Sent');
    await check(page, 'mail');
    const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const html = await (await fetch(`${t.url}/dashboard/calendar?view=week&date=2024-05-30`, { headers: { cookie } })).text();
    const assets = [...html.matchAll(/(?:href|src)="(\/dashboard\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets).toHaveLength(2);
    let bytes = Buffer.byteLength(html);
    for (const path of assets) {
      const res = await fetch(`${t.url}${path}`);
      expect(res.headers.get('cache-control')).toContain('immutable');
      bytes += (await res.arrayBuffer()).byteLength;
    }
    expect(bytes).toBeLessThan(150 * 1024);
    expect(foreign).toEqual([]);
  });

  it('signs out', async () => {
    await page.click('button:has-text("Sign out")');
    expect(new URL(page.url()).pathname).toBe('/dashboard/signin');
    await page.goto(`${t.url}/dashboard/mail`);
    expect(new URL(page.url()).pathname).toBe('/dashboard/signin');
  });
});
