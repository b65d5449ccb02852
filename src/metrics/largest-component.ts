// Largest 4-connected component of a binary mask, as scipy.ndimage.label (default cross-shaped
// structure) + argmax of the per-label pixel counts in the authors' scorer, and its tight box.
//
// Ties: scipy numbers components in raster order of their first pixel (row by row, left to right)
// and np.argmax returns the first maximum, so among equally large components the one whose first
// pixel comes first in raster order wins. Here a component's smallest label is the one created at
// its raster-first run, union-find keeps the smaller label as root, and only a strictly larger
// component replaces the current winner while roots are visited in increasing order: the same choice.
//
// Labelling works on runs (maximal horizontal stretches of set pixels): a run joins the runs of the
// row above that share a column with it. Masks are smooth, so there are few runs per row, and this
// is several times faster than a per-pixel flood fill; sizes and boxes are kept per label.

import { addRunToBounds, findRoot, mergeBounds } from './run-labels.js';
import type { PixelBox } from './tight-box.js';

/** Reusable buffers for the largest-component search, so scoring many masks allocates once. */
export interface ComponentScratch {
  /** Per run: start column, end column (inclusive), row, label. */
  runs: Int32Array;
  parent: Int32Array;
  size: Int32Array;
  /** Per label: x0, y0, x1, y1. */
  bounds: Int32Array;
}

export function componentScratch(pixelCount: number): ComponentScratch {
  // At most one run per two pixels of a row, plus one: (n + h) / 2 runs; n + 1 is always enough.
  const maxRuns = pixelCount + 1;
  return {
    runs: new Int32Array(4 * maxRuns),
    parent: new Int32Array(maxRuns + 1),
    size: new Int32Array(maxRuns + 1),
    bounds: new Int32Array(4 * (maxRuns + 1)),
  };
}

export interface LargestComponent {
  /** Pixel count of the winning component; 0 when the mask is empty. */
  size: number;
  /** Tight box around the winner (inclusive pixels); null when the mask is empty. */
  box: PixelBox | null;
}

/**
 * Finds the largest 4-connected component of `binary` (h×w, row-major, nonzero = on). `out` (if
 * given) receives 1 for the winner's pixels and 0 elsewhere.
 */
export function largestComponent4(
  binary: Uint8Array,
  h: number,
  w: number,
  scratch: ComponentScratch = componentScratch(h * w),
  out?: Uint8Array,
): LargestComponent {
  const n = h * w;
  if (binary.length !== n)
    throw new RangeError(`largestComponent4: mask has ${binary.length} pixels, expected ${h}x${w}`);
  if (scratch.parent.length < n + 2) throw new RangeError('largestComponent4: scratch too small');
  const { runs, parent, size, bounds } = scratch;
  const find = (x: number): number => findRoot(parent, x);

  let next = 0;
  let runCount = 0;
  let prevFirst = 0;
  let prevEnd = 0;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    const rowFirst = runCount;
    let j = prevFirst;
    let x = 0;
    while (x < w) {
      if (binary[row + x] === 0) {
        x++;
        continue;
      }
      const start = x;
      while (x < w && binary[row + x] !== 0) x++;
      const end = x - 1;
      while (j < prevEnd && runs[4 * j + 1]! < start) j++;
      let lab = 0;
      for (let k = j; k < prevEnd; k++) {
        const r = 4 * k;
        if (runs[r]! > end) break;
        const other = find(runs[r + 3]!);
        if (lab === 0) lab = other;
        else if (other !== lab) {
          // Keep the smaller label as root (it is the raster-first one).
          if (other < lab) {
            parent[lab] = other;
            lab = other;
          } else parent[other] = lab;
        }
      }
      const fresh = lab === 0;
      if (fresh) {
        lab = ++next;
        parent[lab] = lab;
        size[lab] = 0;
      }
      addRunToBounds(bounds, lab, start, end, y, fresh);
      size[lab] = size[lab]! + (end - start + 1);
      const r = 4 * runCount++;
      runs[r] = start;
      runs[r + 1] = end;
      runs[r + 2] = y;
      runs[r + 3] = lab;
    }
    prevFirst = rowFirst;
    prevEnd = runCount;
  }
  if (next === 0) {
    out?.fill(0, 0, n);
    return { size: 0, box: null };
  }
  // Fold sizes and boxes into the roots (parents always carry smaller labels).
  for (let l = next; l >= 1; l--) {
    const r = find(l);
    if (r === l) continue;
    size[r] = size[r]! + size[l]!;
    mergeBounds(bounds, l, r);
  }
  let best = 0;
  for (let l = 1; l <= next; l++) if (parent[l] === l && (best === 0 || size[l]! > size[best]!)) best = l;
  if (out) {
    out.fill(0, 0, n);
    for (let k = 0; k < runCount; k++) {
      const r = 4 * k;
      if (find(runs[r + 3]!) === best) out.fill(1, runs[r + 2]! * w + runs[r]!, runs[r + 2]! * w + runs[r + 1]! + 1);
    }
  }
  const b = 4 * best;
  return { size: size[best]!, box: { x0: bounds[b]!, y0: bounds[b + 1]!, x1: bounds[b + 2]!, y1: bounds[b + 3]! } };
}
