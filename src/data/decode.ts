// Reading and decoding one image with sharp, and turning every way that can fail into a DataError
// that names the file. Pixels leave here as 8-bit sRGB, three channels, EXIF orientation applied.
import { readFile } from 'node:fs/promises';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { quickImageHeader } from './image-header.js';
import { DataError } from './skips.js';
import type { TransformPlan } from './transform-geometry.js';

/** PIL's decompression-bomb warning threshold (MAX_IMAGE_PIXELS); ImageNet's largest is ~12 Mpx. */
export const DEFAULT_MAX_PIXELS = 89_478_485;

/** Raster formats we decode. Vector and document formats (SVG, PDF) are refused: a dataset image
 * is a photo, and rendering those has its own resource risks. */
const ACCEPTED_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff']);

export type ResizeKernel = 'nearest' | 'linear' | 'cubic' | 'mitchell' | 'lanczos2' | 'lanczos3';

export interface DecodeOptions {
  /** Images with more pixels are refused before decoding (default DEFAULT_MAX_PIXELS). */
  maxPixels?: number;
  /** Resampling kernel; 'linear' is a triangle filter scaled to the reduction, like PIL's
   * antialiased bilinear that torchvision uses. */
  kernel?: ResizeKernel;
}

export interface ImageHeader {
  format: string;
  /** Size after EXIF orientation. */
  width: number;
  height: number;
}

/** Reads the file, telling apart a missing, empty or unreadable one. */
export async function readImageBytes(path: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DataError(path, 'missing file');
    if (code === 'EISDIR') throw new DataError(path, 'unreadable file: is a directory');
    throw new DataError(path, `unreadable file: ${code ?? (err as Error).message}`);
  }
  if (bytes.length === 0) throw new DataError(path, 'zero-byte file');
  return bytes;
}

/** Parses the header only: format, oriented size, and the pixel-limit check. */
export async function readImageHeader(
  bytes: Buffer,
  origin: string,
  maxPixels = DEFAULT_MAX_PIXELS,
): Promise<ImageHeader> {
  const header = quickHeader(bytes) ?? (await sharpHeader(bytes, origin));
  const { width, height } = header;
  if (!(width > 0 && height > 0)) throw new DataError(origin, 'corrupt image: no size in header');
  if (width * height > maxPixels) {
    throw new DataError(origin, `image over the pixel limit: ${width}x${height} > ${maxPixels} pixels`);
  }
  return header;
}

/** JPEG/PNG headers read in JS (see image-header.ts); undefined for anything else. */
function quickHeader(bytes: Buffer): ImageHeader | undefined {
  const quick = quickImageHeader(bytes);
  if (!quick) return undefined;
  // Orientations 5..8 turn the picture by 90 degrees.
  const turned = quick.orientation >= 5;
  return {
    format: quick.format,
    width: turned ? quick.height : quick.width,
    height: turned ? quick.width : quick.height,
  };
}

async function sharpHeader(bytes: Buffer, origin: string): Promise<ImageHeader> {
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw new DataError(origin, `unsupported or corrupt image: ${sharpMessage(err)}`);
  }
  if (!ACCEPTED_FORMATS.has(meta.format)) throw new DataError(origin, `unsupported format: ${meta.format}`);
  const { width, height } = meta.autoOrient ?? meta;
  return { format: meta.format, width, height };
}

/** Decodes and executes a transform plan; returns size×size×3 bytes (RGB, row-major). */
export async function renderPlan(
  bytes: Buffer,
  plan: TransformPlan,
  origin: string,
  options: DecodeOptions = {},
): Promise<Buffer> {
  const kernel = options.kernel ?? 'linear';
  // failOn 'error' rejects truncated and corrupt data but tolerates libjpeg warnings such as
  // "extraneous bytes before marker", which a few ImageNet files produce and PIL accepts.
  let pipeline = sharp(bytes, {
    failOn: 'error',
    limitInputPixels: options.maxPixels ?? DEFAULT_MAX_PIXELS,
    autoOrient: true,
  });
  if (plan.pre) pipeline = pipeline.extract(plan.pre);
  pipeline = pipeline.resize(plan.resizeWidth, plan.resizeHeight, { fit: 'fill', kernel, fastShrinkOnLoad: true });
  if (plan.post) pipeline = pipeline.extract(plan.post);
  // Alpha is composited onto black (sharp's flatten default), grey and CMYK become sRGB.
  pipeline = pipeline.flatten().toColourspace('srgb').removeAlpha();
  let result: { data: Buffer; info: OutputInfo };
  try {
    result = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new DataError(origin, `corrupt image: ${sharpMessage(err)}`);
  }
  const { info, data } = result;
  if (info.width !== plan.size || info.height !== plan.size || info.channels !== 3) {
    throw new DataError(
      origin,
      `decoder produced ${info.width}x${info.height}x${info.channels}, expected ${plan.size}x${plan.size}x3`,
    );
  }
  if (plan.flip) mirrorRows(data, plan.size, plan.size);
  return data;
}

/** Mirrors an RGB image left-right in place. Done here rather than with sharp's flop(), whose place
 * relative to the extracts in sharp's fixed operation order would have to be re-derived. */
export function mirrorRows(data: Buffer, width: number, height: number): void {
  for (let y = 0; y < height; y++) {
    let left = y * width * 3;
    let right = left + (width - 1) * 3;
    while (left < right) {
      for (let c = 0; c < 3; c++) {
        const t = data[left + c]!;
        data[left + c] = data[right + c]!;
        data[right + c] = t;
      }
      left += 3;
      right -= 3;
    }
  }
}

function sharpMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0]!.trim();
}

/**
 * libvips threads per image. A loader decodes several images at once on libuv's thread pool, so
 * one thread per image gives the best total throughput; a single large image prefers more.
 */
export function setDecodeThreadsPerImage(threads: number): void {
  sharp.concurrency(threads);
  // The operation cache helps repeated work on the same input, which a data loader never does.
  sharp.cache(false);
}
