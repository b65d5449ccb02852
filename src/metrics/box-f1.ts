// F1 of the continuous mask against one ground-truth box (score.py compute_f1): soft precision and
// recall of the mask mass inside the clipped rectangle. Recall divides by the *unclipped* box area.
import type { Box } from '../data/types.js';
import { clipBox, isDegenerateAfterClip, unclippedArea } from './ground-truth-boxes.js';

/** Σ m over the whole mask; computed once per image and passed to boxF1. */
export function maskSum(mask: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < mask.length; i++) s += mask[i]!;
  return s;
}

/**
 * P = inside / (Σm + 1e-6), R = inside / area, F1 = 2PR / (P + R + 1e-6), with `inside` the mask
 * mass in the clipped box. 0 when the clipped box has no pixels (as the reference).
 */
export function boxF1(mask: Float32Array, h: number, w: number, gt: Box, total: number = maskSum(mask)): number {
  const c = clipBox(gt, w, h);
  if (isDegenerateAfterClip(c)) return 0;
  let inside = 0;
  for (let y = c.y0; y < c.y1; y++) {
    const row = y * w;
    for (let x = c.x0; x < c.x1; x++) inside += mask[row + x]!;
  }
  const precision = inside / (total + 1e-6);
  const recall = inside / unclippedArea(gt);
  return (2 * precision * recall) / (precision + recall + 1e-6);
}
