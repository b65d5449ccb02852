// Binarisation as the authors' scorer does it (kondiz/casme, model_basics.binarize_mask): keep the
// top fraction of pixels equal to the mask's own mean. The threshold is the k-th smallest value with
// k = 1 + floor((N-1)(1-a) + 0.5), clamped to [1e-6, 1-1e-6]; a pixel is on when m > t (strictly),
// so ties at the threshold stay off and the kept count can be below N-k.
import { kthSmallest } from './select.js';

export const THRESHOLD_MIN = 1e-6;
export const THRESHOLD_MAX = 1 - 1e-6;

/**
 * Mean of the mask as the reference computes it: torch's avg_pool2d over the whole 224×224 window
 * accumulates in float32, pixel by pixel in row-major order, and divides in float32; Python then
 * widens that float32 to a double for the k rule. The rounding matters: on one conformance case an
 * exact (double) mean gives k one lower and binarises one pixel more than the reference.
 */
export function maskMeanFloat32(mask: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < mask.length; i++) sum = Math.fround(sum + mask[i]!);
  return Math.fround(sum / mask.length);
}

/** 1-based rank of the threshold pixel: k = 1 + floor((N-1)(1-a) + 0.5). */
export function thresholdRank(pixelCount: number, mean: number): number {
  const k = 1 + Math.floor((pixelCount - 1) * (1 - mean) + 0.5);
  // A mean outside [0,1] (invalid mask) would put k outside 1..N; clamp so selection stays defined.
  return Math.min(pixelCount, Math.max(1, k));
}

export interface Binarization {
  /** 1 where the pixel is kept (m > threshold), else 0. Same length as the mask. */
  binary: Uint8Array;
  /** The clamped threshold t. */
  threshold: number;
  /** Number of pixels set in `binary`. */
  count: number;
  /** The float32 mask mean used for k. */
  mean: number;
}

/** Binarises a mask (any shape, flattened). `out` may be passed to avoid allocations in hot loops. */
export function binarizeTopFraction(mask: Float32Array, out: Uint8Array = new Uint8Array(mask.length)): Binarization {
  const n = mask.length;
  if (n === 0) throw new RangeError('binarizeTopFraction: empty mask');
  const mean = maskMeanFloat32(mask);
  const k = thresholdRank(n, mean);
  const kth = kthSmallest(mask, k - 1);
  const threshold = Math.min(THRESHOLD_MAX, Math.max(THRESHOLD_MIN, kth));
  // The reference clamps a float32 tensor in place, so the clamp bounds are float32 values too.
  const t = Math.fround(threshold);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const on = mask[i]! > t ? 1 : 0;
    out[i] = on;
    count += on;
  }
  return { binary: out, threshold: t, count, mean };
}
