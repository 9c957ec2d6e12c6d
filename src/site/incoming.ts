import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { PartSink } from './multipart.js';

/** Where uploads are written while they arrive; inside the data dir, so a rename into local storage is atomic. */
export function incomingDir(dataDir: string): string {
  const dir = join(dataDir, 'incoming');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * One uploaded file streamed to disk with a size cap. Past the cap it stops writing, deletes what it
 * wrote, and swallows the rest: the body is still read to its end, so the browser gets our answer
 * rather than a reset connection.
 */
export class IncomingFile implements PartSink {
  readonly path: string;
  size = 0;
  tooLarge = false;
  private readonly out: WriteStream;

  constructor(
    dir: string,
    private readonly maxBytes: number,
    readonly filename: string | null = null,
    readonly contentType = 'application/octet-stream',
  ) {
    this.path = join(dir, `${Date.now().toString(36)}-${randomBytes(8).toString('hex')}.part`);
    this.out = createWriteStream(this.path, { flags: 'wx', mode: 0o600 });
    this.out.on('error', () => undefined); // surfaced by the awaited write/end below
  }

  async write(chunk: Buffer): Promise<void> {
    if (this.tooLarge) return;
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      this.tooLarge = true;
      await this.discard();
      return;
    }
    if (!this.out.write(chunk)) await once(this.out, 'drain');
  }

  async end(): Promise<void> {
    if (this.tooLarge) return;
    this.out.end();
    await once(this.out, 'close');
  }

  abort(): Promise<void> {
    return this.discard();
  }

  async discard(): Promise<void> {
    this.out.destroy();
    // The file may still be opening; remove it only once the stream has let go of it.
    if (!this.out.closed) await once(this.out, 'close').catch(() => undefined);
    await rm(this.path, { force: true });
  }
}

/** For parts we do not want: read and dropped. */
export const discardSink: PartSink = { write: () => undefined, end: () => undefined };
