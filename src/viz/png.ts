// PNG encoding of raw pixel buffers (sharp does the compression) and data: URIs for the HTML report,
// which must carry its images inline to stay one self-contained file.
import sharp from 'sharp';

/** Encodes h×w×channels uint8 pixels (1 = grey, 2 = grey + alpha, 3 = RGB) as PNG. */
export async function encodePng(pixels: Uint8Array, w: number, h: number, channels: 1 | 2 | 3): Promise<Buffer> {
  if (pixels.length !== w * h * channels)
    throw new RangeError(`encodePng: ${pixels.length} bytes for ${w}x${h}x${channels}`);
  const image = sharp(pixels, { raw: { width: w, height: h, channels } });
  // Without an explicit colour space sharp stores one-channel input as RGB; masks are meant as grey.
  return (channels < 3 ? image.toColourspace('b-w') : image).png().toBuffer();
}

export function pngDataUri(png: Buffer): string {
  return `data:image/png;base64,${png.toString('base64')}`;
}
