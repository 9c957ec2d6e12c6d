import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDockhand } from '../../test/helpers/app.js';
import { SiteService } from '../site/service.js';
import { CloudFrontCdn } from './cloudfront.js';

interface Recorded {
  method: string;
  path: string;
  authorization: string | undefined;
  paths: string[];
  callerReference: string;
}

/** Stands in for the CloudFront API on loopback: records CreateInvalidation and answers as AWS does. */
function fakeCloudFront(failFirst = 0) {
  const requests: Recorded[] = [];
  let failures = failFirst;
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        authorization: req.headers.authorization,
        paths: [...body.matchAll(/<Path>([^<]*)<\/Path>/g)].map((m) => m[1]!),
        callerReference: /<CallerReference>([^<]*)<\/CallerReference>/.exec(body)?.[1] ?? '',
      });
      if (failures-- > 0) {
        res.writeHead(503, { 'content-type': 'text/xml' }).end('<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code><Message>try later</Message></Error></ErrorResponse>');
        return;
      }
      res
        .writeHead(201, { 'content-type': 'text/xml', location: 'https://cloudfront.amazonaws.com/2020-05-31/distribution/X/invalidation/I1' })
        .end(
          `<?xml version="1.0"?><Invalidation xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Id>I1</Id><Status>InProgress</Status><CreateTime>2024-05-30T00:00:00Z</CreateTime><InvalidationBatch><Paths><Quantity>1</Quantity><Items><Path>/x</Path></Items></Paths><CallerReference>r</CallerReference></InvalidationBatch></Invalidation>`,
        );
    });
  });
  return {
    requests,
    async start() {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const address = server.address();
      return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const clientConfig = (endpoint: string) => ({ endpoint, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } });

describe('CloudFront invalidation', () => {
  it('sends one CreateInvalidation naming every viewer form, with a unique CallerReference', async () => {
    const fake = fakeCloudFront();
    const endpoint = await fake.start();
    try {
      const cdn = new CloudFrontCdn('E2EXAMPLE', { clientConfig: clientConfig(endpoint) });
      await cdn.invalidate(['/g/may-30-x.html', '/g/may-30-x', '/g/may-30-x/']);
      await cdn.invalidate(['/g/may-30-x.html']);
      expect(fake.requests).toHaveLength(2);
      const [first, second] = fake.requests;
      expect(first).toMatchObject({ method: 'POST', path: '/2020-05-31/distribution/E2EXAMPLE/invalidation', paths: ['/g/may-30-x.html', '/g/may-30-x', '/g/may-30-x/'] });
      expect(first!.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/us-east-1\/cloudfront\/aws4_request/);
      expect(first!.callerReference).toMatch(/^dockhand-/);
      expect(second!.callerReference).not.toBe(first!.callerReference);
      await expect(cdn.invalidate(['/g/*'])).rejects.toThrow(/name one object/);
    } finally {
      await fake.close();
    }
  });

  it('retries a failed invalidation with the same CallerReference, and gives up loudly', async () => {
    const fake = fakeCloudFront(2);
    const endpoint = await fake.start();
    try {
      const cdn = new CloudFrontCdn('E2EXAMPLE', { clientConfig: clientConfig(endpoint), backoffMs: 10 });
      await cdn.invalidate(['/g/a.html']);
      expect(fake.requests).toHaveLength(3);
      expect(new Set(fake.requests.map((r) => r.callerReference)).size).toBe(1);
      const broken = fakeCloudFront(10);
      const brokenEndpoint = await broken.start();
      await expect(new CloudFrontCdn('E2EXAMPLE', { clientConfig: clientConfig(brokenEndpoint), backoffMs: 10, attempts: 2 }).invalidate(['/g/a.html'])).rejects.toThrow(
        /failed after 2 attempts/,
      );
      expect(broken.requests).toHaveLength(2);
      await broken.close();
    } finally {
      await fake.close();
    }
  });

  describe('when Dockhand publishes with CDN=cloudfront:ID', () => {
    const fake = fakeCloudFront();
    const saved = { ...process.env };
    beforeAll(async () => {
      // How an operator would point the SDK elsewhere too: the SDK's own endpoint variable.
      process.env.AWS_ENDPOINT_URL_CLOUDFRONT = await fake.start();
      process.env.AWS_ACCESS_KEY_ID = 'AKIDTEST';
      process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    });
    afterAll(async () => {
      process.env = saved;
      await fake.close();
    });

    it('invalidates /g/<slug>.html, /g/<slug> and /g/<slug>/ on every change, and nothing when nothing changed', async () => {
      const t = await startDockhand({ env: { CDN: 'cloudfront:E2EXAMPLE' }, background: false });
      try {
        expect(t.dockhand.ctx.cdn.kind).toBe('cloudfront');
        expect(t.dockhand.ctx.pageCache).toBeUndefined();
        const site = new SiteService(t.dockhand.ctx);
        const input = {
          booking_ref: 'bk_cf',
          source: 'boatsetter',
          title: 'Charter',
          date: '2024-05-30',
          start_time: '09:00',
          timezone: 'America/Los_Angeles',
          duration_hours: 3,
          location: 'Sheraton Marina',
          guest_name: 'Guest',
          status: 'scheduled' as const,
        };
        const { slug } = await site.publish(input, { actor: 'test' });
        await site.publish(input, { actor: 'test' });
        await site.publish({ ...input, location: 'Harbor Island' }, { actor: 'test' });
        expect(fake.requests).toHaveLength(2);
        for (const request of fake.requests) {
          expect(request.path).toBe('/2020-05-31/distribution/E2EXAMPLE/invalidation');
          expect(request.paths).toEqual([`/g/${slug}.html`, `/g/${slug}`, `/g/${slug}/`]);
        }
      } finally {
        await t.close();
      }
    });
  });
});
