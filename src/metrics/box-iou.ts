// IoU of the predicted box and a ground-truth box as pixel sets (score.py compute_iou): the predicted
// box is a filled rectangle of inclusive pixels, the ground truth the rectangle [y0:y1, x0:x1] after
// clipping, and the union uses the *unclipped* ground-truth area, as the reference does.
import type { Box } from '../data/types.js';
import { clipBox, isDegenerateAfterClip, unclippedArea } from './ground-truth-boxes.js';
import type { PixelBox } from './tight-box.js';

/** The reference's hit rule: IoU strictly above one half. */
export const IOU_HIT_THRESHOLD = 0.5;

/**
 * IoU between `pred` (inclusive pixel box, or null for an empty binarised mask) and a resized
 * ground-truth box in a w×h frame. Returns 0 when the clipped ground truth has no pixels.
 */
export function boxIouAsPixelSets(pred: PixelBox | null, gt: Box, w: number, h: number): number {
  const clipped = clipBox(gt, w, h);
  if (isDegenerateAfterClip(clipped)) return 0;
  const area = unclippedArea(gt);
  if (pred === null) return 0 / area; // 0, as the reference's empty rectangle gives
  const predArea = (pred.x1 - pred.x0 + 1) * (pred.y1 - pred.y0 + 1);
  const ix = Math.max(0, Math.min(pred.x1 + 1, clipped.x1) - Math.max(pred.x0, clipped.x0));
  const iy = Math.max(0, Math.min(pred.y1 + 1, clipped.y1) - Math.max(pred.y0, clipped.y0));
  const inter = ix * iy;
  return inter / (predArea + area - inter);
}
