// The pointing game (Zhang et al. 2016): a map scores a hit when its most salient pixel lies inside
// a ground-truth box. As Quantus's PointingGame: no tolerance around the box, and of several equal
// maxima the first in row-major order (numpy's argmax) is the one that points. (TorchRay counts a hit
// within 15 pixels of the box at 224 px; that variant is not this one.)
import type { PixelBox } from './tight-box.js';

export interface PointingResult {
  hit: boolean;
  /** The pixel the map points at. */
  peak: { x: number; y: number };
}

/** `boxes`: inclusive pixel boxes in the map's own coordinates. */
export function pointingGame(
  mask: ArrayLike<number>,
  h: number,
  w: number,
  boxes: readonly PixelBox[],
): PointingResult {
  if (mask.length !== h * w || mask.length === 0)
    throw new RangeError(`pointingGame: ${mask.length} values, expected ${h}x${w}`);
  let best = 0;
  for (let i = 1; i < mask.length; i++) if (mask[i]! > mask[best]!) best = i;
  const peak = { x: best % w, y: Math.floor(best / w) };
  const hit = boxes.some((b) => b.x0 <= peak.x && peak.x <= b.x1 && b.y0 <= peak.y && peak.y <= b.y1);
  return { hit, peak };
}
