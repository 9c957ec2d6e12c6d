import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
// @ts-expect-error s3rver ships no types; the test uses its constructor, run() and close() only.
import S3rver from 's3rver';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startDockhand, type TestDockhand } from '../../test/helpers/app.js';
import { SiteService } from '../site/service.js';
import { parseS3Url, S3Storage } from './s3.js';
import { upcomingCharter } from '../../test/helpers/site.js';

interface S3rverServer {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}

const bucket = 'dockhand-test';
const credentials = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };

describe('S3 storage against an S3-compatible server on loopback', () => {
  let server: S3rverServer;
  let directory: string;
  let endpoint: string;
  let t: TestDockhand;
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    // The SDK reads credentials from the environment, as it would on a server with an instance role.
    for (const [k, v] of Object.entries(credentials)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    directory = mkdtempSync(join(tmpdir(), 'dockhand-s3rver-'));
    server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] }) as S3rverServer;
    const { port } = await server.run();
    endpoint = `http://127.0.0.1:${port}`;
    t = await startDockhand({ only: 'site', env: { STORAGE_URL: `s3://${bucket}/install-1/`, S3_ENDPOINT: endpoint } });
  });
  afterAll(async () => {
    await t?.close();
    await server?.close();
    rmSync(directory, { recursive: true, force: true });
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  const storage = () => t.dockhand.ctx.storage as S3Storage;
  const rawGet = async (key: string) => {
    const out = await storage().client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return { body: Buffer.from(await out.Body!.transformToByteArray()), type: out.ContentType, cache: out.CacheControl };
  };

  it('parses STORAGE_URL into bucket and prefix', () => {
    expect(parseS3Url('s3://b/some/prefix/')).toEqual({ bucket: 'b', prefix: 'some/prefix' });
    expect(parseS3Url('s3://b')).toEqual({ bucket: 'b', prefix: '' });
    expect(t.dockhand.ctx.storage).toBeInstanceOf(S3Storage);
  });

  it('writes, reads back and deletes objects under the prefix', async () => {
    await storage().put('g/probe.html', '<p>hi</p>', 'text/html; charset=utf-8');
    expect(await rawGet('install-1/g/probe.html')).toMatchObject({ type: 'text/html; charset=utf-8', cache: 'no-cache' });
    expect((await storage().get('g/probe.html'))!.body.toString()).toBe('<p>hi</p>');
    await storage().delete('g/probe.html');
    expect(await storage().get('g/probe.html')).toBeUndefined();
    expect(() => storage().fullKey('../escape')).toThrow(/unsafe/);
  });

  it('publishes the guest page into the bucket and serves it, with the bucket allowed as the upload target', async () => {
    const site = new SiteService(t.dockhand.ctx);
    const { slug } = await site.publish(
      upcomingCharter({ booking_ref: 'bk_s3' }),
      { actor: 'test' },
    );
    const stored = await rawGet(`install-1/g/${slug}.html`);
    expect(stored.body.toString()).toContain('Sheraton Marina');
    const res = await fetch(`${t.url}/g/${slug}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(stored.body.toString());
    expect(res.headers.get('content-security-policy')).toContain(`connect-src 'self' ${endpoint};`);

    // A photo, the way the page's script sends it: presign, POST straight to the bucket, then tell Dockhand.
    const photo = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#336699' } }).jpeg().toBuffer();
    const signed = await api(`${t.url}/g/presign`, { body: { slug, filename: 'boat.jpg', content_type: 'image/jpeg', size: photo.length } });
    expect(signed.status).toBe(200);
    expect(signed.body.url).toBe(`${endpoint}/${bucket}`);
    expect(signed.body.key).toMatch(new RegExp(`^g/${slug}/uploads/[A-Za-z0-9_-]+\\.jpg$`));
    expect(signed.body.fields).toMatchObject({ key: `install-1/${signed.body.key}`, 'Content-Type': 'image/jpeg' });
    const policy = JSON.parse(Buffer.from(signed.body.fields.Policy, 'base64').toString());
    expect(policy.conditions).toEqual(
      expect.arrayContaining([['content-length-range', 1, 25 * 1024 * 1024], ['starts-with', '$Content-Type', 'image/'], { key: `install-1/${signed.body.key}` }]),
    );
    expect(Date.parse(policy.expiration) - Date.now()).toBeLessThanOrEqual(600_000);
    const form = new FormData();
    for (const [k, v] of Object.entries(signed.body.fields as Record<string, string>)) form.append(k, v);
    form.append('file', new Blob([new Uint8Array(photo)], { type: 'image/jpeg' }), 'boat.jpg');
    const sent = await fetch(signed.body.url, { method: 'POST', body: form });
    expect(sent.status).toBeLessThan(300);

    const registered = await api(`${t.url}/g/${slug}/photos`, { body: { key: signed.body.key } });
    expect(registered.status).toBe(200);
    expect(registered.body.photo).toMatchObject({ status: 'ready', width: 300, height: 200 });
    const id = registered.body.photo.id as string;
    expect((await rawGet(`install-1/g/${slug}/p/${id}-t.webp`)).type).toBe('image/webp');
    expect((await rawGet(`install-1/g/${slug}/p/${id}-o.jpg`)).cache).toContain('immutable');
    await expect(storage().client.send(new HeadObjectCommand({ Bucket: bucket, Key: `install-1/${signed.body.key}` }))).rejects.toThrow();
    const thumb = await fetch(registered.body.photo.thumb_url);
    expect(thumb.status).toBe(200);
    expect((await rawGet(`install-1/g/${slug}.html`)).body.toString()).toContain(`/g/${slug}/p/${id}-t.webp`);

    // A key outside the page's own prefix is not taken.
    const wrong = await api(`${t.url}/g/${slug}/photos`, { body: { key: `g/other-page/uploads/AAAAAAAAAAAA.jpg` } });
    expect(wrong.status).toBe(422);
  });
});
