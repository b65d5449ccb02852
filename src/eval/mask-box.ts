// The predicted object box of a continuous mask, the way the authors' scorer derives it: binarise
// (top fraction = mask mean), keep the largest 4-connected component, take its tight box.
import { binarizeTopFraction } from '../metrics/binarize.js';
import { type ComponentScratch, componentScratch, largestComponent4 } from '../metrics/largest-component.js';
import type { PixelBox } from '../metrics/tight-box.js';

/** A mask binarised as the scorer does, its largest component and that component's tight box. */
export interface MaskBox {
  /** The binarised mask b (1 = kept), h×w. */
  binary: Uint8Array;
  /** Pixels set in `binary`. */
  binarizedPixels: number;
  /** Inclusive pixel box of the largest component; null when b is empty. */
  box: PixelBox | null;
  /** Pixels of the largest component. */
  componentPixels: number;
}

/** Binarises a mask at its mean, keeps the largest 4-connected component and returns its tight box (the box LE counts). */
export function maskBox(
  mask: Float32Array,
  h: number,
  w: number,
  scratch: ComponentScratch = componentScratch(h * w),
): MaskBox {
  if (mask.length !== h * w) throw new RangeError(`maskBox: mask has ${mask.length} values, expected ${h}x${w}`);
  const bin = binarizeTopFraction(mask);
  if (bin.count === 0) return { binary: bin.binary, binarizedPixels: 0, box: null, componentPixels: 0 };
  const comp = largestComponent4(bin.binary, h, w, scratch);
  return { binary: bin.binary, binarizedPixels: bin.count, box: comp.box, componentPixels: comp.size };
}
