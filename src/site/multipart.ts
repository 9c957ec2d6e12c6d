/**
 * A streaming multipart/form-data reader. Only the part being read is held, and a file part's bytes
 * go to its sink as they arrive, awaited, so a slow disk slows the socket instead of filling memory.
 */

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

function parseHeaders(block: string): PartInfo {
  const headers = new Map<string, string>();
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const disposition = headers.get('content-disposition') ?? '';
  if (!/^form-data\b/i.test(disposition)) throw new MultipartError('a part has no "Content-Disposition: form-data" header');
  const params = new Map<string, string>();
  for (const m of disposition.matchAll(/;\s*([a-zA-Z*]+)=(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g)) {
    params.set(m[1]!.toLowerCase(), m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!.trim());
  }
  const name = params.get('name');
  if (name === undefined) throw new MultipartError('a part has no field name');
  // Browsers percent-encode exactly these three in names and filenames (HTML's form encoding).
  const filename = params.get('filename')?.replace(/%(22|0D|0A)/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return { name, filename, contentType: headers.get('content-type') };
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
  const maxHeaderBytes = limits.maxHeaderBytes ?? 8192;
  const first = Buffer.from(`--${boundary}`);
  const delimiter = Buffer.from(`\r\n--${boundary}`);

  type State = 'preamble' | 'after-delimiter' | 'headers' | 'body' | 'done';
  let state = 'preamble' as State;
  let buffer: Buffer = Buffer.alloc(0);
  let parts = 0;
  let sink: PartSink | undefined;
  let field: { name: string; chunks: Buffer[]; size: number } | undefined;

  const emit = async (chunk: Buffer) => {
    if (chunk.length === 0) return;
    if (sink) await sink.write(chunk);
    else if (field) {
      field.size += chunk.length;
      if (field.size > maxFieldBytes) throw new MultipartError(`the field "${field.name}" is longer than ${maxFieldBytes} bytes`);
      field.chunks.push(chunk);
    }
  };
  const finishPart = async () => {
    if (sink) await sink.end();
    else if (field) await handlers.field(field.name, Buffer.concat(field.chunks).toString('utf8'));
    sink = undefined;
    field = undefined;
  };

  const step = async (): Promise<boolean> => {
    switch (state) {
      case 'preamble': {
        const at = buffer.indexOf(first);
        if (at < 0) {
          if (buffer.length > maxHeaderBytes) throw new MultipartError('the body does not start with the boundary');
          return false;
        }
        buffer = buffer.subarray(at + first.length);
        state = 'after-delimiter';
        return true;
      }
      case 'after-delimiter': {
        if (buffer.length < 2) return false;
        if (buffer[0] === 0x2d && buffer[1] === 0x2d) {
          state = 'done';
          return false;
        }
        // Transport padding (spaces, tabs) may follow a delimiter before its line break.
        const eol = buffer.indexOf('\r\n');
        if (eol < 0) return false;
        buffer = buffer.subarray(eol + 2);
        if (++parts > maxParts) throw new MultipartError(`the form has more than ${maxParts} parts`);
        state = 'headers';
        return true;
      }
      case 'headers': {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) {
          if (buffer.length > maxHeaderBytes) throw new MultipartError('a part has headers longer than allowed');
          return false;
        }
        const info = parseHeaders(buffer.subarray(0, end).toString('utf8'));
        buffer = buffer.subarray(end + 4);
        if (info.filename !== undefined) sink = await handlers.file(info);
        else field = { name: info.name, chunks: [], size: 0 };
        state = 'body';
        return true;
      }
      case 'body': {
        const at = buffer.indexOf(delimiter);
        if (at < 0) {
          // Keep what could be the start of a delimiter split across two chunks.
          const safe = Math.max(0, buffer.length - (delimiter.length - 1));
          await emit(buffer.subarray(0, safe));
          buffer = buffer.subarray(safe);
          return false;
        }
        await emit(buffer.subarray(0, at));
        await finishPart();
        buffer = buffer.subarray(at + delimiter.length);
        state = 'after-delimiter';
        return true;
      }
      case 'done':
        return false;
    }
  };

  try {
    for await (const chunk of source) {
      if (state === 'done') continue; // an epilogue after the close delimiter is ignored
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      while (await step()) {
        /* consume everything the buffer allows */
      }
    }
  } catch (error) {
    await sink?.abort?.();
    throw error;
  }
  if (state !== 'done') throw new MultipartError('the body ended before the closing boundary (was the upload interrupted?)');
}
