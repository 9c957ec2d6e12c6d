import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error s3rver ships no types; the test uses its constructor, run() and close() only.
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startDockhand, type TestDockhand } from '../../test/helpers/app.js';
import { upcomingCharter } from '../../test/helpers/site.js';
import type { PhotoTable } from '../db/schema.js';
import { ORPHAN_SWEEP, sweepOrphanUploads } from './orphan-sweep.js';
import { SiteService } from './service.js';

interface S3rverServer {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}

const bucket = 'dockhand-sweep';
const HOUR = 3_600_000;
const credentials = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };

const storages: [string, () => Promise<{ env: Record<string, string>; close: () => Promise<void> }>][] = [
  ['the local disk', async () => ({ env: {}, close: async () => {} })],
  [
    's3rver',
    async () => {
      const saved = Object.fromEntries(Object.keys(credentials).map((k) => [k, process.env[k]]));
      Object.assign(process.env, credentials);
      const directory = mkdtempSync(join(tmpdir(), 'dockhand-s3rver-'));
      const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] }) as S3rverServer;
      const { port } = await server.run();
      return {
        env: { STORAGE_URL: `s3://${bucket}/install-1/`, S3_ENDPOINT: `http://127.0.0.1:${port}` },
        close: async () => {
          await server.close();
          rmSync(directory, { recursive: true, force: true });
          for (const [k, v] of Object.entries(saved)) {
            if (v === undefined) delete process.env[k];
            else process.env[k] = v;
          }
        },
      };
    },
  ],
];

describe.each(storages)('sweeping orphaned uploads on %s', (_name, makeStorage) => {
  let t: TestDockhand;
  let closeStorage: () => Promise<void>;
  beforeAll(async () => {
    const storage = await makeStorage();
    closeStorage = storage.close;
    // No photo processor: the rows stay exactly as each case sets them.
    t = await startDockhand({ only: 'site', env: storage.env, background: false });
  });
  afterAll(async () => {
    await t?.close();
    await closeStorage?.();
  });

  it('deletes old uploads nothing will process, keeps the rest, and a second run deletes nothing', async () => {
    const { ctx } = t.dockhand;
    const site = new SiteService(ctx);
    const open = (await site.publish(upcomingCharter({ booking_ref: 'bk_sweep_open' }), { actor: 'test' })).slug;
    const gone = (await site.publish(upcomingCharter({ booking_ref: 'bk_sweep_gone' }), { actor: 'test' })).slug;
    await site.publish(upcomingCharter({ booking_ref: 'bk_sweep_gone', status: 'cancelled' }), { actor: 'test' });
    const key = (slug: string, name: string) => `g/${slug}/uploads/${name}aaaaaaaaaaaa.jpg`;
    const keys = {
      unregistered: key(open, 'unregistered'),
      processed: key(open, 'processedagain'),
      queued: key(open, 'queued'),
      cutOff: key(open, 'cutoff'),
      cancelled: key(gone, 'cancelled'),
    };
    const past = new Date(Date.now() - 2 * HOUR).toISOString();
    const row = (id: string, slug: string, upload_key: string, status: string): PhotoTable => ({
      id, slug, upload_key, filename: 'IMG.jpg', content_type: 'image/jpeg', size_bytes: 4, status,
      width: null, height: null, attempts: 0, last_error: null, next_attempt_at: past, lease_until: null, created_at: past, updated_at: past,
    });
    await ctx.db
      .insertInto('photos')
      .values([
        row('ph_sweepready01', open, keys.processed, 'ready'),
        row('ph_sweepqueue01', open, keys.queued, 'uploaded'),
        row('ph_sweepcutof01', open, keys.cutOff, 'receiving'),
        row('ph_sweepcancl01', gone, keys.cancelled, 'uploaded'),
      ])
      .execute();
    for (const k of Object.values(keys)) await ctx.storage.put(k, Buffer.from('EXIF'), 'image/jpeg');
    await ctx.storage.put(`g/${open}/p/ph_sweepready01-o.jpg`, Buffer.from('clean'), 'image/jpeg');

    // Younger than the bound: everything stays, whatever it is.
    expect((await sweepOrphanUploads(ctx, HOUR)).deleted).toEqual([]);
    for (const k of Object.values(keys)) expect(await ctx.storage.get(k), k).toBeDefined();

    // Seen two hours on, every one but the photo still waiting for the processor is an orphan.
    const later = new Date(Date.now() + 2 * HOUR);
    const { deleted } = await sweepOrphanUploads(ctx, HOUR, later);
    expect(deleted.sort()).toEqual([keys.unregistered, keys.processed, keys.cutOff, keys.cancelled].sort());
    for (const k of deleted) expect(await ctx.storage.get(k), k).toBeUndefined();
    expect(await ctx.storage.get(keys.queued)).toBeDefined();
    expect(await ctx.storage.get(`g/${open}/p/ph_sweepready01-o.jpg`)).toBeDefined();
    expect(await ctx.storage.get(`g/${open}.html`)).toBeDefined();
    const statuses = Object.fromEntries((await ctx.db.selectFrom('photos').select(['id', 'status', 'last_error']).where('id', 'like', 'ph_sweep%').execute()).map((r) => [r.id, r]));
    expect(statuses.ph_sweepqueue01!.status).toBe('uploaded');
    expect(statuses.ph_sweepready01!.status).toBe('ready');
    expect(statuses.ph_sweepcutof01).toMatchObject({ status: 'rejected', last_error: expect.stringMatching(/did not finish/) });
    expect(statuses.ph_sweepcancl01).toMatchObject({ status: 'rejected', last_error: expect.stringMatching(/cancelled/) });

    expect((await sweepOrphanUploads(ctx, HOUR, later)).deleted).toEqual([]);
    expect(await ctx.storage.get(keys.queued)).toBeDefined();
  });
});

describe('the sweep as a recurring job', () => {
  it('is scheduled once by a process that serves the site, runs when due, and schedules its next run itself', async () => {
    const t = await startDockhand({ only: 'site' });
    try {
      const job = () => t.dockhand.ctx.db.selectFrom('jobs').selectAll().where('kind', '=', ORPHAN_SWEEP).execute();
      const [first, ...more] = await eventuallyRows(job);
      expect(more).toEqual([]);
      expect(Date.parse(first!.run_at)).toBeGreaterThan(Date.now() + 14 * 60_000);
      // Due now: it runs, and leaves itself due again in 15 minutes.
      await t.dockhand.ctx.db.updateTable('jobs').set({ run_at: new Date().toISOString() }).where('id', '=', first!.id).execute();
      t.dockhand.ctx.jobs.kick(ORPHAN_SWEEP);
      await eventually(async () => {
        const rows = await job();
        return rows.length === 1 && Date.parse(rows[0]!.run_at) > Date.now() + 14 * 60_000 && rows[0]!.locked_by === null;
      }, 10_000, 'the sweep to run and reschedule itself');
    } finally {
      await t.close();
    }
  });
});

async function eventuallyRows<T>(read: () => Promise<T[]>): Promise<T[]> {
  return eventually(async () => {
    const rows = await read();
    return rows.length > 0 && rows;
  }, 5000, 'the sweep job');
}
