import sharp, { type Metadata } from 'sharp';

/**
 * What one upload may make this process allocate. A compressed file says little about its decoded size:
 * a 15 KB PNG can declare 100 million pixels. So the header is read first (sharp's metadata() decodes
 * no pixels) and the image is refused by its declared size before anything is decoded.
 */
// 50 megapixels: a 48 MP phone photo (8064 × 6048) fits; decoded it is at most ~150 MB of RGB.
export const MAX_PIXELS = 50_000_000;
// Below this an image is cheap to decode however well it compresses (flat screenshots, test cards).
export const FREE_PIXELS = 16_000_000;
// Camera photos carry 2 to 10 pixels per byte; far above that the file is mostly "the same pixel again".
export const MAX_PIXELS_PER_BYTE = 200;

// One libvips thread and no operation cache: memory follows the one image being worked on, nothing else.
sharp.concurrency(1);
sharp.cache(false);

const megapixels = (n: number) => `${(n / 1_000_000).toFixed(1)} megapixels`;

/** Why this image will not be decoded, in words the guest can act on; undefined when it may be. */
export function decodeRefusal(meta: Pick<Metadata, 'width' | 'height'>, fileBytes: number, name: string): string | undefined {
  const pixels = (meta.width ?? 0) * (meta.height ?? 0);
  if (pixels <= 0) return `"${name}" does not say how large it is, so it is not a photo we can read.`;
  if (pixels > MAX_PIXELS) {
    return `"${name}" is ${meta.width} × ${meta.height} pixels (${megapixels(pixels)}); photos can be at most ${megapixels(MAX_PIXELS)}. Export it smaller and upload it again.`;
  }
  if (pixels > FREE_PIXELS && pixels / Math.max(1, fileBytes) > MAX_PIXELS_PER_BYTE) {
    return `"${name}" claims ${meta.width} × ${meta.height} pixels in only ${Math.ceil(fileBytes / 1024)} KB, which no camera photo does, so it was not added. Upload the original photo instead.`;
  }
  return undefined;
}

/** The same judgement from a file's header alone, for refusing an upload before it is stored. */
export async function headerRefusal(path: string, fileBytes: number, name: string): Promise<string | undefined> {
  let meta: Metadata;
  try {
    meta = await sharp(path, { limitInputPixels: false }).metadata();
  } catch {
    return undefined; // not an image at all: the processor refuses it with its own reason
  }
  return decodeRefusal(meta, fileBytes, name);
}

let queue: Promise<unknown> = Promise.resolve();
let active = 0;
let peak = 0;

/**
 * Runs decoding work one image at a time in this process, whoever calls: however the photo jobs are
 * scheduled, two large images are never held decoded at once.
 */
export function oneImageAtATime<T>(work: () => Promise<T>): Promise<T> {
  const run = queue.then(async () => {
    active++;
    peak = Math.max(peak, active);
    try {
      return await work();
    } finally {
      active--;
    }
  });
  queue = run.catch(() => undefined);
  return run;
}

/** The most images ever worked on at once in this process; what the guarantee above is checked by. */
export const peakConcurrentImages = (): number => peak;
