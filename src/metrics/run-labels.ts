// What the two run-length component labellers (largest-component.ts: the score's largest
// 4-connected component; contour-boxes.ts: the outer contours' boxes of wsolevaluation) share:
// the union-find root lookup and the bounding box of each label, grown run by run in raster order
// and folded into its root at the end.

/** Root of `x` in the union-find forest `parent`, halving the path on the way. */
export function findRoot(parent: Int32Array, x: number): number {
  while (parent[x] !== x) {
    const g = parent[parent[x]!]!;
    parent[x] = g;
    x = g;
  }
  return x;
}

/**
 * Adds the run [start, end] of row y to label `lab`'s box in `bounds` (x0, y0, x1, y1 at 4·lab);
 * `fresh`: the run starts the label. Rows only grow in a raster scan, so y is the new bottom.
 */
export function addRunToBounds(
  bounds: Int32Array,
  lab: number,
  start: number,
  end: number,
  y: number,
  fresh: boolean,
): void {
  const b = 4 * lab;
  if (fresh) {
    bounds[b] = start;
    bounds[b + 1] = y;
    bounds[b + 2] = end;
  } else {
    if (start < bounds[b]!) bounds[b] = start;
    if (end > bounds[b + 2]!) bounds[b + 2] = end;
  }
  bounds[b + 3] = y;
}

/** Grows the box of label `into` (in `bounds`) to cover the box of label `from`. */
export function mergeBounds(bounds: Int32Array, from: number, into: number): void {
  const a = 4 * from;
  const b = 4 * into;
  if (bounds[a]! < bounds[b]!) bounds[b] = bounds[a]!;
  if (bounds[a + 1]! < bounds[b + 1]!) bounds[b + 1] = bounds[a + 1]!;
  if (bounds[a + 2]! > bounds[b + 2]!) bounds[b + 2] = bounds[a + 2]!;
  if (bounds[a + 3]! > bounds[b + 3]!) bounds[b + 3] = bounds[a + 3]!;
}
