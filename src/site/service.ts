import type { AppContext } from '../context.js';
import { audit } from '../db/audit.js';
import { isUniqueViolation } from '../db/database.js';
import { nowIso } from '../db/ids.js';
import type { SitePageTable } from '../db/schema.js';
import { parseInput } from '../http/errors.js';
import { bumpCacheEpoch } from './cache.js';
import { fingerprintOf, renderCurrent } from './page-view.js';
import { isValidSlug, objectKey, randomSuffix, slugBase, viewerPaths } from './slug.js';
import {
  contentJson,
  guestPageInputSchema,
  type GuestPageContent,
  type GuestPageInput,
  type GuestPageRecord,
  type PublishResult,
} from './types.js';

export { guestPageInputSchema, type GuestPageInput, type GuestPageRecord, type PublishResult } from './types.js';

export const HTML_CONTENT_TYPE = 'text/html; charset=utf-8';

// Enough for a burst of concurrent publishes of one booking to settle; each lost race re-reads and
// nearly always finishes on the next round.
const MAX_ROUNDS = 16;

export interface SiteServiceOptions {
  /** Where slug suffixes come from; tests pass a fixed sequence to force a collision. */
  randomSuffix?: () => string;
}

type Outcome = 'unchanged' | 'changed' | 'raced';

/** Publishes guest pages: the row is the truth, the stored object its rendering, the cache a copy of that. */
export class SiteService {
  private readonly suffix: () => string;

  constructor(
    private readonly ctx: AppContext,
    options: SiteServiceOptions = {},
  ) {
    this.suffix = options.randomSuffix ?? randomSuffix;
  }

  private urlOf(slug: string): string {
    // Read on every call: with PORT=0 the base is only known once the server has bound.
    return `${this.ctx.config.publicBaseUrl}/g/${slug}/`;
  }

  private record(row: SitePageTable): GuestPageRecord {
    return { slug: row.slug, booking_ref: row.booking_ref, status: row.status, url: this.urlOf(row.slug), version: row.version };
  }

  async getBySlug(slug: string): Promise<GuestPageRecord | undefined> {
    if (!isValidSlug(slug)) return undefined;
    const row = await this.ctx.db.selectFrom('site_pages').selectAll().where('slug', '=', slug).executeTakeFirst();
    return row && this.record(row);
  }

  async getByBookingRef(ref: string): Promise<GuestPageRecord | undefined> {
    const row = await this.rowByRef(ref);
    return row && this.record(row);
  }

  private rowByRef(ref: string): Promise<SitePageTable | undefined> {
    return this.ctx.db.selectFrom('site_pages').selectAll().where('booking_ref', '=', ref).executeTakeFirst();
  }

  /**
   * Creates the booking's page or brings it up to date. One booking has one page and one slug for
   * life; publishing the same input again changes nothing.
   */
  async publish(input: GuestPageInput, opts: { actor: string }): Promise<PublishResult> {
    const content = parseInput(guestPageInputSchema, input, 'guest page');
    const json = contentJson(content);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const existing = await this.rowByRef(content.booking_ref);
      if (existing) {
        if ((await this.update(existing, content, json, opts.actor)) === 'raced') continue;
        await this.writeLatest(existing.slug);
        return { slug: existing.slug, url: this.urlOf(existing.slug), created: false };
      }
      const slug = `${slugBase(content.date, content.source)}-${this.suffix()}`;
      if (!(await this.insert(slug, content, json, opts.actor))) continue;
      await this.writeLatest(slug);
      return { slug, url: this.urlOf(slug), created: true };
    }
    throw new Error(`could not settle the guest page for booking ${content.booking_ref} after ${MAX_ROUNDS} rounds of concurrent changes`);
  }

  /**
   * False when the slug or the booking_ref is already taken; the next round re-reads and either reuses
   * the booking's page (a concurrent publish won) or tries a new suffix (another booking's slug).
   */
  private async insert(slug: string, content: GuestPageContent, json: string, actor: string): Promise<boolean> {
    const now = nowIso();
    try {
      await this.ctx.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('site_pages')
          .values({ slug, booking_ref: content.booking_ref, status: content.status, content: json, version: 1, created_at: now, updated_at: now })
          .execute();
        await audit(trx, {
          actor,
          entity: 'guest_page',
          entityId: slug,
          action: 'created',
          data: { booking_ref: content.booking_ref, status: content.status, version: 1 },
        });
      });
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  /** Optimistic on version, so two different changes racing both land, one after the other. */
  private async update(existing: SitePageTable, content: GuestPageContent, json: string, actor: string): Promise<Outcome> {
    if (existing.content === json) return 'unchanged';
    const before = JSON.parse(existing.content) as Record<string, unknown>;
    const changed = Object.entries(JSON.parse(json) as Record<string, unknown>)
      .filter(([k, v]) => before[k] !== v)
      .map(([k]) => k);
    const action =
      content.status === existing.status ? 'updated' : content.status === 'cancelled' ? 'cancelled' : 'reinstated';
    const version = existing.version + 1;
    return this.ctx.db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('site_pages')
        .set({ content: json, status: content.status, version, updated_at: nowIso() })
        .where('slug', '=', existing.slug)
        .where('version', '=', existing.version)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return 'raced';
      await audit(trx, {
        actor,
        entity: 'guest_page',
        entityId: existing.slug,
        action,
        data: { booking_ref: existing.booking_ref, status: content.status, version, changed },
      });
      return 'changed';
    });
  }

  /** Re-renders a page whose gallery changed (a photo became ready or was hidden). */
  async refresh(slug: string): Promise<void> {
    if (await this.getBySlug(slug)) await this.writeLatest(slug);
  }

  /**
   * Makes the stored object match the row and its ready photos as they stand. Writes only when the
   * bytes differ (so the same input again writes nothing, and a page lost by a crash between commit and
   * write is repaired), then checks nothing moved meanwhile: a slower writer of an older version can
   * never have the last word.
   */
  private async writeLatest(slug: string): Promise<void> {
    const key = objectKey(slug);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const { body, fingerprint } = await renderCurrent(this.ctx, slug);
      const stored = await this.ctx.storage.get(key);
      if (!stored || !stored.body.equals(body)) {
        await this.ctx.storage.put(key, body, HTML_CONTENT_TYPE);
        // Before the invalidation, so a read racing this write cannot re-cache the old page after it.
        bumpCacheEpoch(this.ctx.pageCache);
        await this.ctx.cdn.invalidate(viewerPaths(slug));
      }
      if ((await fingerprintOf(this.ctx, slug)) === fingerprint) return;
    }
    throw new Error(`guest page ${slug} kept changing while it was being written`);
  }
}
