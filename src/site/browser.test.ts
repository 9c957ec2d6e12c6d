import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDockhand, type TestDockhand } from '../../test/helpers/app.js';
import { SiteService } from './service.js';
import { upcomingCharter } from '../../test/helpers/site.js';

const CHROMIUM = '/usr/bin/chromium';
const out = join(process.cwd(), 'test-output', 'site');

describe.skipIf(!existsSync(CHROMIUM))('the guest page in a phone browser (headless Chromium, 390x844)', () => {
  let t: TestDockhand;
  let browser: Browser;
  let files: string;
  let site: SiteService;
  const fixture = (name: string) => join(files, name);

  beforeAll(async () => {
    mkdirSync(out, { recursive: true });
    files = mkdtempSync(join(tmpdir(), 'dockhand-browser-'));
    const png = (color: string) => sharp({ create: { width: 1200, height: 900, channels: 3, background: color } }).png().toBuffer();
    writeFileSync(fixture('sunset.png'), await png('#e07a3c'));
    writeFileSync(fixture('harbor.png'), await png('#2b6cb0'));
    writeFileSync(fixture('notes.jpg'), 'Meet at the dock at 8:45.\n'.repeat(40));
    writeFileSync(fixture('huge.jpg'), Buffer.alloc(26 * 1024 * 1024, 0xff));
    writeFileSync(
      fixture('gps.jpg'),
      await sharp({ create: { width: 900, height: 600, channels: 3, background: '#2f855a' } })
        .jpeg()
        .withExif({ IFD0: { Make: 'TestPhone' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '32/1 42/1 30/1' } })
        .toBuffer(),
    );
    t = await startDockhand({ only: 'site' });
    site = new SiteService(t.dockhand.ctx);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    rmSync(files, { recursive: true, force: true });
  });

  async function newPage(ref: string, options: { javaScriptEnabled?: boolean; colorScheme?: 'dark' | 'light' } = {}) {
    const { slug } = await site.publish(
      upcomingCharter({ booking_ref: ref }),
      { actor: 'test' },
    );
    const context: BrowserContext = await browser.newContext({ viewport: { width: 390, height: 844 }, ...options });
    const page: Page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    // Anything fetched from another host would be a leak of the guest's visit.
    const hosts = new Set<string>();
    page.on('request', (r) => hosts.add(new URL(r.url()).host));
    await page.goto(`${t.url}/g/${slug}/`);
    return { slug, page, context, problems, hosts };
  }

  it('uploads two photos with the script: progress, both thumbnails, no console errors, nothing from other hosts', async () => {
    const { page, context, problems, hosts } = await newPage('bk_browser_js');
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.setInputFiles('#files', [fixture('sunset.png'), fixture('harbor.png')]);
    await page.click('button[type=submit]');
    // Locators, not string predicates: the page's CSP (rightly) forbids the eval those would need.
    await page.locator('#gallery li:nth-child(2) img').waitFor({ timeout: 20_000 });
    await expect.poll(() => page.locator('#gallery img').evaluateAll((imgs) => imgs.every((i) => (i as unknown as { naturalWidth: number }).naturalWidth > 0))).toBe(true);
    expect(await page.locator('#status li').allTextContents()).toEqual(['sunset.png: added', 'harbor.png: added']);
    expect(await page.isVisible('#dl')).toBe(true);
    await page.screenshot({ path: join(out, 'upload-with-script.png'), fullPage: true });
    expect(problems).toEqual([]);
    expect([...hosts]).toEqual([new URL(t.url).host]);
    await context.close();
  });

  it('refuses a 26 MB file and a text file named .jpg with a message on the page', async () => {
    const { page, context, problems } = await newPage('bk_browser_refuse');
    await page.setInputFiles('#files', [fixture('huge.jpg'), fixture('notes.jpg')]);
    await page.click('button[type=submit]');
    await page.locator('#status li.bad >> nth=1').waitFor({ timeout: 20_000 });
    const messages = (await page.locator('#status li.bad').allTextContents()).join('\n');
    expect(messages).toContain('huge.jpg: "huge.jpg" is 26 MB; photos can be at most 25 MB.');
    expect(messages).toContain('notes.jpg: "notes.jpg" is not a photo we can read, so it was not added.');
    expect(await page.locator('#gallery li').count()).toBe(0);
    await page.screenshot({ path: join(out, 'refused-with-script.png'), fullPage: true });
    // The refused presign is the one expected network error; nothing else went wrong.
    expect(problems.filter((p) => !/status of 413/.test(p))).toEqual([]);
    await context.close();
  });

  it('serves a JPEG uploaded from the browser back without GPS tags', async () => {
    const { page, context } = await newPage('bk_browser_gps');
    await page.setInputFiles('#files', [fixture('gps.jpg')]);
    await page.click('button[type=submit]');
    await page.waitForSelector('#gallery li img', { timeout: 20_000 });
    const link = await page.getAttribute('#gallery a', 'href');
    for (const path of [link!, link!.replace('-w.webp', '-o.jpg'), link!.replace('-w.webp', '-t.webp')]) {
      const served = Buffer.from(await (await fetch(`${t.url}${path}`)).arrayBuffer());
      expect((await sharp(served).metadata()).exif, path).toBeUndefined();
      expect(served.includes(Buffer.from('TestPhone'))).toBe(false);
    }
    await context.close();
  });

  it('uploads with JavaScript disabled through the plain form, and shows refusals on a page', async () => {
    const { slug, page, context, problems } = await newPage('bk_browser_nojs', { javaScriptEnabled: false });
    await page.setInputFiles('#files', [fixture('sunset.png'), fixture('harbor.png')]);
    await Promise.all([page.waitForURL(`${t.url}/g/${slug}/#photos`), page.click('button[type=submit]')]);
    expect(await page.locator('#gallery li img').count()).toBe(2);
    await page.screenshot({ path: join(out, 'upload-without-script.png'), fullPage: true });

    await page.setInputFiles('#files', [fixture('huge.jpg')]);
    await Promise.all([page.waitForURL(`${t.url}/g/${slug}/upload`), page.click('button[type=submit]')]);
    expect(await page.textContent('main')).toContain('"huge.jpg" is larger than 25 MB, so it was not added.');
    await page.screenshot({ path: join(out, 'refused-without-script-huge.png'), fullPage: true });
    await page.click('text=Back to the charter page');
    await page.setInputFiles('#files', [fixture('notes.jpg')]);
    await Promise.all([page.waitForURL(`${t.url}/g/${slug}/upload`), page.click('button[type=submit]')]);
    expect(await page.textContent('main')).toContain('"notes.jpg" is not a photo we can read, so it was not added.');
    await page.screenshot({ path: join(out, 'refused-without-script-text.png'), fullPage: true });
    expect(problems.filter((p) => !/status of 4(13|22)/.test(p))).toEqual([]);
    await context.close();
  });

  it('follows the browser into dark mode and fits a 320 px screen', async () => {
    const { page, context } = await newPage('bk_browser_dark', { colorScheme: 'dark' });
    const background = await page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
    expect(background).toBe('rgb(15, 23, 32)');
    await page.screenshot({ path: join(out, 'dark-mode.png'), fullPage: true });
    await page.setViewportSize({ width: 320, height: 640 });
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(320);
    await context.close();
  });
});
