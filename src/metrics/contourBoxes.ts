// Bounding boxes of every contour that OpenCV's findContours(RETR_TREE, CHAIN_APPROX_SIMPLE) returns
// for a binary image, as cv2.boundingRect gives them, without tracing the contours themselves.
//
// findContours (Suzuki–Abe border following, OpenCV >= 3.2 which pads the image with zeros so border
// pixels count) returns, with RETR_TREE, one outer border per 8-connected foreground component and
// one hole border per 4-connected background component that does not touch the image frame, at every
// nesting level. CHAIN_APPROX_SIMPLE drops the middle points of straight runs but keeps their ends,
// so it does not change a bounding rectangle. Hence:
//  - an outer border's rectangle is the component's bounding box;
//  - a hole border consists of the foreground pixels around the hole (including those 4-adjacent to
//    its extreme rows and columns), so its rectangle is the hole's bounding box grown by one pixel on
//    each side (which always stays inside the image, since a hole never touches the frame).
// Both facts were checked against OpenCV 4.5 (opencv.js) on random blob images while writing this.
import type { PixelBox } from './tightBox.js';

export interface ContourScratch {
  labels: Int32Array;
  stack: Int32Array;
}

export function contourScratch(pixelCount: number): ContourScratch {
  return { labels: new Int32Array(pixelCount), stack: new Int32Array(pixelCount) };
}

/**
 * Rectangles (inclusive pixel boxes) of all contours of `binary` (h×w, nonzero = foreground):
 * outer borders first, in raster order of their first pixel, then hole borders.
 */
export function contourBoundingBoxes(binary: Uint8Array, h: number, w: number, scratch: ContourScratch = contourScratch(h * w)): PixelBox[] {
  const n = h * w;
  if (binary.length !== n) throw new RangeError(`contourBoundingBoxes: mask has ${binary.length} pixels, expected ${h}x${w}`);
  const boxes: PixelBox[] = [];
  const { labels, stack } = scratch;
  labels.fill(0, 0, n);
  // Pass 1: 8-connected foreground components (label 1 marks "visited").
  for (let start = 0; start < n; start++) {
    if (binary[start] === 0 || labels[start] !== 0) continue;
    boxes.push(flood(binary, true, h, w, start, labels, stack));
  }
  // Pass 2: 4-connected background components; those touching the frame are the outside, not holes.
  for (let start = 0; start < n; start++) {
    if (binary[start] !== 0 || labels[start] !== 0) continue;
    const b = flood(binary, false, h, w, start, labels, stack);
    if (b.x0 > 0 && b.y0 > 0 && b.x1 < w - 1 && b.y1 < h - 1) {
      boxes.push({ x0: b.x0 - 1, y0: b.y0 - 1, x1: b.x1 + 1, y1: b.y1 + 1 });
    }
  }
  return boxes;
}

// Flood fill from `start` over pixels of the same value: 8-connected for foreground, 4-connected for
// background (the dual connectivities Suzuki–Abe uses). Returns the bounding box of the region.
function flood(binary: Uint8Array, fg: boolean, h: number, w: number, start: number, labels: Int32Array, stack: Int32Array): PixelBox {
  let x0 = w, y0 = h, x1 = -1, y1 = -1;
  let top = 0;
  labels[start] = 1;
  stack[top++] = start;
  while (top > 0) {
    const p = stack[--top]!;
    const y = (p / w) | 0;
    const x = p - y * w;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
    for (let dy = -1; dy <= 1; dy++) {
      const yy = y + dy;
      if (yy < 0 || yy >= h) continue;
      for (let dx = -1; dx <= 1; dx++) {
        if (dx === 0 && dy === 0) continue;
        if (!fg && dx !== 0 && dy !== 0) continue; // background: 4-connectivity only
        const xx = x + dx;
        if (xx < 0 || xx >= w) continue;
        const q = yy * w + xx;
        if (labels[q] === 0 && (binary[q] !== 0) === fg) {
          labels[q] = 1;
          stack[top++] = q;
        }
      }
    }
  }
  return { x0, y0, x1, y1 };
}
