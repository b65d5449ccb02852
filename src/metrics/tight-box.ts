// Tightest box around the pixels of one component (model_basics.get_bounding_box): first and last
// row and column that contain a pixel. Coordinates are inclusive pixel indices.

/** Inclusive pixel box: columns x0..x1, rows y0..y1. */
export interface PixelBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Box around the pixels where `labels[i] === label`; null when there is none. */
export function tightBoxOfLabel(labels: Int32Array | Uint8Array, h: number, w: number, label: number): PixelBox | null {
  return tightBoxWhere(h, w, (i) => labels[i] === label);
}

/** Box around the nonzero pixels of a binary mask; null when it is empty. */
export function tightBox(binary: Uint8Array, h: number, w: number): PixelBox | null {
  return tightBoxWhere(h, w, (i) => binary[i] !== 0);
}

/** Box around the pixels (row-major index i) for which `inside(i)` holds. */
function tightBoxWhere(h: number, w: number, inside: (i: number) => boolean): PixelBox | null {
  let x0 = w,
    y0 = h,
    x1 = -1,
    y1 = -1;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      if (inside(row + x)) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        y1 = y;
      }
    }
  }
  return x1 < 0 ? null : { x0, y0, x1, y1 };
}
