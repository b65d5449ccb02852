// The images of the paper's Figs. 2 and 3, built from an RGB image and a binarised mask b:
// masked-in b·x, masked-out (1−b)·x and the masked-out image with the removed region inpainted.
// As in the authors' utils.get_masked_images, removed pixels become black (0 in [0,1] pixel space,
// before normalisation), and inpainting (Telea, radius 3) runs on the uint8 masked-out image with
// b as the region to fill.
import { inpaintTelea } from './inpaint.js';

/** Telea radius the authors used for Fig. 3. */
export const INPAINT_RADIUS = 3;

function checkSizes(image: Uint8Array, binary: Uint8Array, name: string): void {
  if (image.length !== binary.length * 3)
    throw new RangeError(`${name}: ${image.length} RGB bytes for a mask of ${binary.length} pixels`);
}

/** Keeps the pixels where `binary` is set (b·x). */
export function maskedIn(image: Uint8Array, binary: Uint8Array): Uint8Array {
  checkSizes(image, binary, 'maskedIn');
  const out = new Uint8Array(image.length);
  for (let p = 0; p < binary.length; p++) {
    if (binary[p]) {
      out[3 * p] = image[3 * p]!;
      out[3 * p + 1] = image[3 * p + 1]!;
      out[3 * p + 2] = image[3 * p + 2]!;
    }
  }
  return out;
}

/** Keeps the pixels where `binary` is clear ((1−b)·x). */
export function maskedOut(image: Uint8Array, binary: Uint8Array): Uint8Array {
  checkSizes(image, binary, 'maskedOut');
  const out = Uint8Array.from(image);
  for (let p = 0; p < binary.length; p++) {
    if (binary[p]) out[3 * p] = out[3 * p + 1] = out[3 * p + 2] = 0;
  }
  return out;
}

/** The masked-out image with the removed region filled by Telea inpainting (radius 3). */
export function inpaintedMaskedOut(
  image: Uint8Array,
  binary: Uint8Array,
  h: number,
  w: number,
  masked: Uint8Array = maskedOut(image, binary),
): Uint8Array {
  return inpaintTelea(masked, h, w, 3, binary, { radius: INPAINT_RADIUS });
}

/** The masked-in, masked-out and inpainted images of one binarised mask. */
export interface MaskedImages {
  maskedIn: Uint8Array;
  maskedOut: Uint8Array;
  inpainted: Uint8Array;
}

/** Computes b·x, (1−b)·x and (1−b)·x with the hole inpainted, for a uint8 RGB image and a binary mask. */
export function maskedImages(image: Uint8Array, binary: Uint8Array, h: number, w: number): MaskedImages {
  const out = maskedOut(image, binary);
  return { maskedIn: maskedIn(image, binary), maskedOut: out, inpainted: inpaintedMaskedOut(image, binary, h, w, out) };
}
