// Decodes a whole image at its own size (EXIF orientation applied, alpha flattened onto black,
// sRGB, three channels): the canvas on which `saliency` draws its outputs, so that they line up
// with the file the user gave, not with the model's square input.
import sharp from 'sharp';
import { DEFAULT_MAX_PIXELS } from './decode.js';
import { DataError } from './skips.js';

export interface DecodedImage {
  /** width×height×3 uint8 RGB, row-major. */
  data: Buffer;
  width: number;
  height: number;
}

export async function decodeOriginal(
  bytes: Buffer,
  origin: string,
  maxPixels = DEFAULT_MAX_PIXELS,
): Promise<DecodedImage> {
  try {
    const { data, info } = await sharp(bytes, { failOn: 'error', limitInputPixels: maxPixels, autoOrient: true })
      .flatten()
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height };
  } catch (err) {
    throw new DataError(origin, `corrupt image: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`);
  }
}
