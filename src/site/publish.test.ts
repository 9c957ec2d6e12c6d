import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDockhand, type TestDockhand } from '../../test/helpers/app.js';
import { AppError } from '../http/errors.js';
import { SiteService, type GuestPageInput } from './service.js';
import { originCharter } from '../../test/helpers/site.js';

/** The origin's charter: Boatsetter, May 30 2024, 09:00 in Los Angeles, three hours aboard JADA. */
const charter = (overrides: Partial<GuestPageInput> = {}): GuestPageInput => originCharter({ booking_ref: 'bk_origin', ...overrides });

const actor = { actor: 'test' };

describe('SiteService.publish', () => {
  let t: TestDockhand;
  let site: SiteService;
  beforeAll(async () => {
    t = await startDockhand({ only: 'site' });
    site = new SiteService(t.dockhand.ctx);
  });
  afterAll(() => t.close());

  const rowsFor = (ref: string) => t.dockhand.ctx.db.selectFrom('site_pages').selectAll().where('booking_ref', '=', ref).execute();
  const auditFor = (slug: string) =>
    t.dockhand.ctx.db.selectFrom('audit_log').selectAll().where('entity', '=', 'guest_page').where('entity_id', '=', slug).orderBy('at').execute();

  it('makes a slug that reads like the origin\'s, with an unguessable suffix, and a URL on the public base', async () => {
    const page = await site.publish(charter({ booking_ref: 'bk_slug' }), actor);
    expect(page.created).toBe(true);
    expect(page.slug).toMatch(/^may-30-boatsetter-[a-z0-9]{6,}$/);
    expect(page.url).toBe(`${t.url}/g/${page.slug}/`);
    expect(await site.getBySlug(page.slug)).toEqual({ slug: page.slug, booking_ref: 'bk_slug', status: 'scheduled', url: page.url, version: 1 });
    expect(await site.getByBookingRef('bk_slug')).toEqual(await site.getBySlug(page.slug));
    expect(await site.getBySlug('../etc')).toBeUndefined();
    expect(await site.getByBookingRef('bk_nobody')).toBeUndefined();
    const [entry] = await auditFor(page.slug);
    expect(entry).toMatchObject({ actor: 'test', action: 'created' });
  });

  it('slugifies odd sources and keeps the slug within what the routes accept', async () => {
    const page = await site.publish(charter({ booking_ref: 'bk_odd', source: '  Get My Boat! (Ñice) ', date: '2024-01-05' }), actor);
    expect(page.slug).toMatch(/^jan-5-get-my-boat-nice-[a-z2-7]{8}$/);
  });

  it('publishing the same input again writes nothing: one row, version 1, created false', async () => {
    const first = await site.publish(charter({ booking_ref: 'bk_same' }), actor);
    const again = await site.publish(charter({ booking_ref: 'bk_same' }), actor);
    expect(again).toEqual({ ...first, created: false });
    const rows = await rowsFor('bk_same');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.version).toBe(1);
    expect(await auditFor(first.slug)).toHaveLength(1);
  });

  it('a changed booking keeps its slug, bumps the version and audits what changed', async () => {
    const first = await site.publish(charter({ booking_ref: 'bk_change' }), actor);
    const moved = await site.publish(charter({ booking_ref: 'bk_change', location: 'Harbor Island West' }), actor);
    expect(moved).toEqual({ ...first, created: false });
    expect((await site.getBySlug(first.slug))!.version).toBe(2);
    const cancelled = await site.publish(charter({ booking_ref: 'bk_change', location: 'Harbor Island West', status: 'cancelled' }), actor);
    expect(cancelled.slug).toBe(first.slug);
    expect(await site.getBySlug(first.slug)).toMatchObject({ status: 'cancelled', version: 3 });
    const audits = await auditFor(first.slug);
    expect(audits.map((a) => a.action)).toEqual(['created', 'updated', 'cancelled']);
    expect(JSON.parse(audits[1]!.data!)).toMatchObject({ changed: ['location'], version: 2 });
  });

  it('ten concurrent publishes of one booking end with one page', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, () => site.publish(charter({ booking_ref: 'bk_race' }), actor)));
    expect(new Set(results.map((r) => r.slug)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await rowsFor('bk_race')).toHaveLength(1);
    expect(await t.dockhand.ctx.storage.get(`g/${results[0]!.slug}.html`)).toBeDefined();
  });

  it('concurrent different changes all land, and the stored page shows the last version', async () => {
    const { slug } = await site.publish(charter({ booking_ref: 'bk_edits' }), actor);
    const locations = Array.from({ length: 6 }, (_, i) => `Dock ${i + 1}`);
    await Promise.all(locations.map((location) => site.publish(charter({ booking_ref: 'bk_edits', location }), actor)));
    const row = (await rowsFor('bk_edits'))[0]!;
    expect(row.version).toBe(7);
    const stored = (await t.dockhand.ctx.storage.get(`g/${slug}.html`))!.body.toString();
    expect(stored).toContain(JSON.parse(row.content).location);
  });

  it('two bookings get different slugs', async () => {
    const a = await site.publish(charter({ booking_ref: 'bk_two_a' }), actor);
    const b = await site.publish(charter({ booking_ref: 'bk_two_b' }), actor);
    expect(a.slug).not.toBe(b.slug);
    expect(a.slug.startsWith('may-30-boatsetter-') && b.slug.startsWith('may-30-boatsetter-')).toBe(true);
  });

  it('a slug collision picks a new suffix and never touches the other booking\'s page', async () => {
    const suffixes = ['aaaaaaaa', 'aaaaaaaa', 'bbbbbbbb'];
    const fixed = new SiteService(t.dockhand.ctx, { randomSuffix: () => suffixes.shift()! });
    const owner = await fixed.publish(charter({ booking_ref: 'bk_owner', guest_name: 'First Owner' }), actor);
    expect(owner.slug).toBe('may-30-boatsetter-aaaaaaaa');
    const other = await fixed.publish(charter({ booking_ref: 'bk_other', guest_name: 'Second Guest' }), actor);
    expect(other.slug).toBe('may-30-boatsetter-bbbbbbbb');
    expect(await site.getBySlug(owner.slug)).toMatchObject({ booking_ref: 'bk_owner', version: 1 });
    const ownerPage = (await t.dockhand.ctx.storage.get(`g/${owner.slug}.html`))!.body.toString();
    expect(ownerPage).toContain('First Owner');
    expect(ownerPage).not.toContain('Second Guest');
  });

  it('rejects input it cannot render, with the field named', async () => {
    const bad = site.publish(charter({ booking_ref: 'bk_bad', timezone: 'Mars/Olympus' }), actor);
    await expect(bad).rejects.toBeInstanceOf(AppError);
    await expect(bad).rejects.toMatchObject({ statusCode: 422, details: [{ path: 'timezone' }] });
    await expect(site.publish(charter({ booking_ref: 'bk_bad', start_time: '9am' }), actor)).rejects.toMatchObject({
      details: [{ path: 'start_time' }],
    });
    await expect(site.publish(charter({ booking_ref: 'bk_bad', guest_name: '   ' }), actor)).rejects.toMatchObject({
      details: [{ path: 'guest_name' }],
    });
    expect(await rowsFor('bk_bad')).toHaveLength(0);
  });
});
