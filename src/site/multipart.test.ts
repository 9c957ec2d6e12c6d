import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { boundaryOf, MultipartError, readMultipart, type PartInfo } from './multipart.js';

const boundary = '----dockhandTestBoundary7MA4YWxkTrZu0gW';

function body(parts: { name: string; filename?: string; type?: string; data: Buffer | string }[]): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition = `form-data; name="${p.name}"${p.filename !== undefined ? `; filename="${p.filename}"` : ''}`;
    const headers = `Content-Disposition: ${disposition}\r\n${p.type ? `Content-Type: ${p.type}\r\n` : ''}\r\n`;
    chunks.push(Buffer.from(`--${boundary}\r\n${headers}`), Buffer.from(p.data), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

async function* chunked(buffer: Buffer, size: number) {
  for (let i = 0; i < buffer.length; i += size) yield buffer.subarray(i, i + size);
}

async function read(buffer: Buffer, size: number, limits = {}) {
  const fields: Record<string, string> = {};
  const files: { info: PartInfo; data: Buffer; ended: boolean }[] = [];
  await readMultipart(
    chunked(buffer, size),
    boundary,
    {
      field: (name, value) => void (fields[name] = value),
      file: (info) => {
        const entry = { info, data: Buffer.alloc(0), ended: false };
        files.push(entry);
        return { write: (c) => void (entry.data = Buffer.concat([entry.data, c])), end: () => void (entry.ended = true) };
      },
    },
    limits,
  );
  return { fields, files };
}

describe('readMultipart', () => {
  // Bytes that look like the start of a delimiter, to catch a parser that trusts a partial match.
  const tricky = Buffer.concat([randomBytes(3000), Buffer.from(`\r\n--${boundary.slice(0, 20)}\r\n--`), randomBytes(5000)]);
  const form = body([
    { name: 'key', data: 'g/may-30-x/uploads/abc.jpg' },
    { name: 'Content-Type', data: 'image/jpeg' },
    { name: 'file', filename: 'a %22quoted%22 photo.jpg', type: 'image/jpeg', data: tricky },
    { name: 'second', filename: 'b.png', type: 'image/png', data: Buffer.alloc(0) },
  ]);

  it.each([1, 2, 7, 64, 1000, form.length])('gives the same fields and files whatever the chunk size (%i)', async (size) => {
    const { fields, files } = await read(form, size);
    expect(fields).toEqual({ key: 'g/may-30-x/uploads/abc.jpg', 'Content-Type': 'image/jpeg' });
    expect(files).toHaveLength(2);
    expect(files[0]!.info).toEqual({ name: 'file', filename: 'a "quoted" photo.jpg', contentType: 'image/jpeg' });
    expect(files[0]!.data.equals(tricky)).toBe(true);
    expect(files[1]!.data.length).toBe(0);
    expect(files.every((f) => f.ended)).toBe(true);
  });

  it('refuses a body cut off before the closing boundary, and tells the open sink to drop its part', async () => {
    let aborted = false;
    const cut = form.subarray(0, form.length - 200);
    await expect(
      readMultipart(chunked(cut, 100), boundary, {
        field: () => undefined,
        file: () => ({ write: () => undefined, end: () => undefined, abort: () => void (aborted = true) }),
      }),
    ).rejects.toThrow(MultipartError);
    expect(aborted).toBe(true); // the cut fell inside the file: its sink must drop what it wrote
    const mid = form.subarray(0, 2000);
    await expect(read(mid, 100)).rejects.toThrow(/ended before the closing boundary/);
  });

  it('caps parts, field length and header size', async () => {
    const many = body(Array.from({ length: 6 }, (_, i) => ({ name: `f${i}`, data: 'x' })));
    await expect(read(many, 50, { maxParts: 5 })).rejects.toThrow(/more than 5 parts/);
    await expect(read(body([{ name: 'big', data: 'x'.repeat(100) }]), 50, { maxFieldBytes: 10 })).rejects.toThrow(/longer than 10 bytes/);
    const noHeaderEnd = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="a"${'x'.repeat(100_000)}\r\n\r\nx\r\n--${boundary}--`);
    await expect(read(noHeaderEnd, 1000)).rejects.toThrow(/headers longer/);
    // A part that is not form-data names no field: it is skipped, never handed over.
    const nameless = Buffer.from(`--${boundary}\r\nContent-Type: text/plain\r\n\r\nx\r\n--${boundary}--`);
    await expect(read(nameless, 100)).resolves.toEqual({ fields: {}, files: [] });
  });

  it('reads the boundary only from multipart/form-data', () => {
    expect(boundaryOf(`multipart/form-data; boundary=${boundary}`)).toBe(boundary);
    expect(boundaryOf('multipart/form-data; boundary="quoted value"')).toBe('quoted value');
    expect(boundaryOf('application/json')).toBeUndefined();
    expect(boundaryOf('multipart/form-data')).toBeUndefined();
    expect(boundaryOf(undefined)).toBeUndefined();
  });
});
