/**
 * An SMTP sink in a process of its own (forked by smtp-sink.ts): accepts every message, counts it and
 * remembers when it arrived, its Message-ID and the guest-page slug it mentions, so the bench can tell
 * when each booking's last email was accepted. No MIME parsing: a regex over the raw bytes, cheap
 * enough that the sink is never what is measured.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

type Entry = [at: number, messageId: string, slug: string];
let entries: Entry[] = [];
let count = 0;

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData(stream, _session, callback) {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const at = performance.timeOrigin + performance.now();
      count++;
      // Quoted-printable soft line breaks would split a URL; take them out before looking.
      const raw = Buffer.concat(chunks).toString('latin1').replace(/=\r?\n/g, '');
      const messageId = /^message-id:\s*(\S+)/im.exec(raw)?.[1] ?? '';
      const slug = /\/g\/([a-z0-9-]+)\//.exec(raw)?.[1] ?? '';
      entries.push([at, messageId, slug]);
      callback();
    });
  },
});
server.on('error', () => {});

process.on('message', (msg: { type: string }) => {
  if (msg.type === 'stats') process.send!({ type: 'stats', count });
  else if (msg.type === 'take') {
    process.send!({ type: 'take', count, entries });
    entries = [];
  } else if (msg.type === 'close') server.close(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));

server.listen(0, '127.0.0.1', () => {
  process.send!({ type: 'ready', port: (server.server.address() as AddressInfo).port });
});
