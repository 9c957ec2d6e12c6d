/**
 * Streaming multipart/form-data on busboy: only the part being read is held, and a file part's bytes go
 * to its sink as they arrive, awaited, so a slow disk slows the socket instead of filling memory.
 * Parts are handed over strictly in order (the upload policy's fields come before the file).
 */
import { once } from 'node:events';
import busboy from 'busboy';


export interface PartInfo {
  name: string;
  filename: string | undefined;
  contentType: string | undefined;
}

export interface PartSink {
  write(chunk: Buffer): void | Promise<void>;
  end(): void | Promise<void>;
  /** The read failed part-way: drop what was written. */
  abort?(): void | Promise<void>;
}

export interface MultipartHandlers {
  /** Small text fields, collected whole (capped). */
  field(name: string, value: string): void | Promise<void>;
  /** A file part: return where its bytes go. Throwing stops the whole read. */
  file(info: PartInfo): PartSink | Promise<PartSink>;
}

export interface MultipartLimits {
  maxParts?: number;
  maxFieldBytes?: number;
  maxHeaderBytes?: number;
}

export class MultipartError extends Error {
  override name = 'MultipartError';
}

/** The boundary of a multipart/form-data Content-Type, or undefined for anything else. */
export function boundaryOf(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/form-data\s*;/i.test(contentType)) return undefined;
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

// Browsers percent-encode exactly these three in filenames (HTML's form encoding).
const decodeFilename = (name: string) => name.replace(/%(22|0D|0A)/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));

function translate(error: Error): MultipartError {
  if (error instanceof MultipartError) return error;
  if (/unexpected end of form/i.test(error.message)) return new MultipartError('the body ended before the closing boundary (was the upload interrupted?)');
  if (/header/i.test(error.message)) return new MultipartError(`a part has headers longer than allowed or malformed (${error.message})`);
  return new MultipartError(`the form could not be read: ${error.message}`);
}

/** Reads the whole body; resolves once every part has been handed over and every sink has ended. */
export async function readMultipart(
  source: AsyncIterable<Buffer>,
  boundary: string,
  handlers: MultipartHandlers,
  limits: MultipartLimits = {},
): Promise<void> {
  const maxParts = limits.maxParts ?? 50;
  const maxFieldBytes = limits.maxFieldBytes ?? 8192;
  const parser = busboy({
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    limits: { parts: maxParts, fieldSize: maxFieldBytes, headerPairs: Math.max(4, Math.floor((limits.maxHeaderBytes ?? 8192) / 512)) },
    defParamCharset: 'utf8',
  });
  let failure: MultipartError | undefined;
  let openSink: PartSink | undefined;
  let queue: Promise<void> = Promise.resolve();
  const fail = (error: Error) => {
    failure ??= translate(error);
  };
  const inOrder = (work: () => Promise<void>) => {
    queue = queue.then(() => (failure ? undefined : work())).catch((error: Error) => fail(error));
  };

  parser.on('field', (name, value, info) => {
    if (info.valueTruncated) return fail(new MultipartError(`the field "${name}" is longer than ${maxFieldBytes} bytes`));
    inOrder(async () => handlers.field(name, value));
  });
  parser.on('file', (name, stream, info) => {
    inOrder(async () => {
      try {
        const sink = await handlers.file({ name, filename: decodeFilename(info.filename ?? ''), contentType: info.mimeType });
        openSink = sink;
        for await (const chunk of stream) await sink.write(chunk as Buffer);
        await sink.end();
        openSink = undefined;
      } finally {
        stream.resume(); // a refused part is drained, so the parts after it can still be read
      }
    });
  });
  parser.on('partsLimit', () => fail(new MultipartError(`the form has more than ${maxParts} parts`)));
  const closed = new Promise<void>((resolve) => {
    parser.on('close', resolve);
    parser.on('error', (error: Error) => {
      fail(error);
      resolve();
    });
  });

  for await (const chunk of source) {
    if (failure) break;
    if (!parser.write(chunk)) await Promise.race([once(parser, 'drain'), closed]);
  }
  parser.end();
  await closed;
  await queue;
  if (failure) {
    await openSink?.abort?.();
    throw failure;
  }
}
