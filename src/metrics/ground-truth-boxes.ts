// Ground-truth boxes from original-image pixels to the scored mask's pixels, exactly as the authors'
// score.py (resize_pos) does: scale, subtract the centre-crop offset, truncate toward zero (Python's
// int()), and only later clip (see clipBox). The arithmetic order matters for the truncation, so it
// follows the reference expression for expression: ratio = size/side, cut = (side_other*ratio - size)/2.
import type { Box } from '../data/types.js';

/** 'crop': resize the short side to `size`, then centre-crop size×size. 'direct': resize to size×size. */
export type ResizeMode = 'crop' | 'direct';

/** Maps one box (x0,y0,x1,y1 in original pixels) into the size×size scoring frame. May lie outside it. */
export function resizeGroundTruthBox(
  box: Box,
  imageSize: readonly [number, number],
  mode: ResizeMode,
  size = 224,
): Box {
  const [width, height] = imageSize;
  if (!(width > 0 && height > 0)) throw new RangeError(`resizeGroundTruthBox: bad image size ${width}x${height}`);
  let ratioX: number, ratioY: number, xcut: number, ycut: number;
  if (mode === 'direct') {
    ratioX = size / width;
    ratioY = size / height;
    xcut = 0;
    ycut = 0;
  } else if (width > height) {
    ratioX = size / height;
    ratioY = size / height;
    xcut = (width * ratioX - size) / 2;
    ycut = 0;
  } else {
    ratioX = size / width;
    ratioY = size / width;
    xcut = 0;
    ycut = (height * ratioY - size) / 2;
  }
  return {
    x0: Math.trunc(ratioX * box.x0 - xcut),
    y0: Math.trunc(ratioY * box.y0 - ycut),
    x1: Math.trunc(ratioX * box.x1 - xcut),
    y1: Math.trunc(ratioY * box.y1 - ycut),
  };
}

/** Clips a resized box to [0,w]×[0,h] (exclusive ends), as used for the pixel rectangle [y0:y1, x0:x1]. */
export function clipBox(box: Box, w: number, h: number): Box {
  const c = (v: number, hi: number): number => (v < 0 ? 0 : Math.min(v, hi));
  return { x0: c(box.x0, w), y0: c(box.y0, h), x1: c(box.x1, w), y1: c(box.y1, h) };
}

/** Area of the unclipped box, (x1-x0)(y1-y0): the reference divides by this, not the clipped area. */
export function unclippedArea(box: Box): number {
  return (box.x1 - box.x0) * (box.y1 - box.y0);
}

/**
 * True when the clipped rectangle has no pixels: the reference scores such a box 0 for F1 and IoU.
 * (The reference tests only equality of the clipped ends; an inverted box, which valid annotations
 * never produce, is treated as empty here as well.)
 */
export function isDegenerateAfterClip(clipped: Box): boolean {
  return clipped.x1 <= clipped.x0 || clipped.y1 <= clipped.y0;
}
