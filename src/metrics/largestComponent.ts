// Largest 4-connected component of a binary mask, as scipy.ndimage.label (default cross-shaped
// structure) + argmax of the per-label pixel counts in the authors' scorer.
//
// Ties: scipy numbers components in raster order of their first pixel (row by row, left to right)
// and np.argmax returns the first maximum, so among equally large components the one whose first
// pixel comes first in raster order wins. Components are discovered here in the same raster order
// and only a strictly larger one replaces the current winner, which gives the same choice.

export interface ComponentScratch {
  labels: Int32Array;
  stack: Int32Array;
}

export function componentScratch(pixelCount: number): ComponentScratch {
  return { labels: new Int32Array(pixelCount), stack: new Int32Array(pixelCount) };
}

// The flood fill needs each pixel's column for the left/right borders; an integer modulo per pixel
// is the slowest operation of the loop, so columns of the last width used are looked up instead.
let columnOf = new Uint16Array(0);
let columnWidth = 0;
function columns(n: number, w: number): Uint16Array {
  if (columnWidth !== w || columnOf.length < n) {
    columnOf = new Uint16Array(n);
    for (let i = 0; i < n; i++) columnOf[i] = i % w;
    columnWidth = w;
  }
  return columnOf;
}

export interface LargestComponent {
  /** Pixel count of the winning component; 0 when the mask is empty. */
  size: number;
  /** Label of the winner in `labels` (1-based), 0 when empty. */
  label: number;
  /** Per-pixel component label (0 = background). Belongs to the scratch passed in. */
  labels: Int32Array;
}

/**
 * Labels the 4-connected components of `binary` (h×w, row-major, nonzero = on) and returns the
 * largest. `out` (if given) receives 1 for the winner's pixels and 0 elsewhere.
 */
export function largestComponent4(
  binary: Uint8Array,
  h: number,
  w: number,
  scratch: ComponentScratch = componentScratch(h * w),
  out?: Uint8Array,
): LargestComponent {
  const n = h * w;
  if (binary.length !== n) throw new RangeError(`largestComponent4: mask has ${binary.length} pixels, expected ${h}x${w}`);
  if (w > 65536) throw new RangeError(`largestComponent4: width ${w} above 65536`);
  const col = columns(n, w);
  const labels = scratch.labels;
  const stack = scratch.stack;
  labels.fill(0, 0, n);
  let next = 0;
  let bestLabel = 0;
  let bestSize = 0;
  for (let start = 0; start < n; start++) {
    if (binary[start] === 0 || labels[start] !== 0) continue;
    const label = ++next;
    labels[start] = label;
    let top = 0;
    stack[top++] = start;
    let size = 0;
    // Depth-first flood fill with an explicit stack: no recursion, no per-pixel allocation.
    while (top > 0) {
      const p = stack[--top]!;
      size++;
      const x = col[p]!;
      if (x > 0 && binary[p - 1] !== 0 && labels[p - 1] === 0) { labels[p - 1] = label; stack[top++] = p - 1; }
      if (x < w - 1 && binary[p + 1] !== 0 && labels[p + 1] === 0) { labels[p + 1] = label; stack[top++] = p + 1; }
      if (p >= w && binary[p - w] !== 0 && labels[p - w] === 0) { labels[p - w] = label; stack[top++] = p - w; }
      if (p + w < n && binary[p + w] !== 0 && labels[p + w] === 0) { labels[p + w] = label; stack[top++] = p + w; }
    }
    if (size > bestSize) {
      bestSize = size;
      bestLabel = label;
    }
  }
  if (out) {
    for (let i = 0; i < n; i++) out[i] = labels[i] === bestLabel && bestLabel !== 0 ? 1 : 0;
  }
  return { size: bestSize, label: bestLabel, labels };
}
