import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTransport } from './transport.js';
import type { OutboxTable } from '../db/schema.js';

/** SES over its real HTTP API, answered by a loopback server that records what the SDK sent. */
describe('SES transport', () => {
  const requests: { url: string; headers: Record<string, unknown>; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      requests.push({ url: req.url ?? '', headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ MessageId: 'ses-message-1' }));
    });
  });
  const saved = { ...process.env };

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SESV2: `http://127.0.0.1:${port}`,
      AWS_ACCESS_KEY_ID: 'AKIDTEST',
      AWS_SECRET_ACCESS_KEY: 'secret-test-key',
      AWS_REGION: 'us-west-2',
    });
  });
  afterAll(() => {
    process.env = saved;
    server.close();
  });

  it('sends sender, recipient, both parts and our Message-ID through SendEmail', async () => {
    const transport = createTransport('ses:', 'Dockhand <bookings@charter.example>');
    expect(transport.kind).toBe('ses');
    const message = {
      id: 'ml_1',
      message_id: '<ml_1@dockhand.local>',
      kind: 'crew_invite',
      to_address: 'ana@crew.example',
      to_name: 'Ana Lima',
      subject: 'Please confirm',
      text_body: 'plain part',
      html_body: '<p>html part</p>',
    } as OutboxTable;
    await transport.send(message);
    transport.close();

    expect(requests).toHaveLength(1);
    const request = requests[0]!;
    expect(request.url).toBe('/v2/email/outbound-emails');
    expect(String(request.headers.authorization)).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/us-west-2\/ses\//);
    const body = JSON.parse(request.body) as { FromEmailAddress: string; Destination: { ToAddresses: string[] }; Content: { Raw: { Data: string } } };
    expect(body.FromEmailAddress).toContain('bookings@charter.example');
    expect(body.Destination.ToAddresses).toEqual(['ana@crew.example']);
    const mail = await simpleParser(Buffer.from(body.Content.Raw.Data, 'base64'));
    expect(mail.messageId).toBe('<ml_1@dockhand.local>');
    expect(mail.subject).toBe('Please confirm');
    expect(mail.text?.trim()).toBe('plain part');
    expect(mail.html).toContain('<p>html part</p>');
  });

  it('refuses to start without a region, naming AWS_REGION', () => {
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    expect(() => createTransport('ses:', 'x <x@example.com>')).toThrow(/AWS_REGION/);
    process.env.AWS_REGION = 'us-west-2';
  });
});
