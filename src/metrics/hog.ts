// Histograms of oriented gradients of a one-channel map, as scikit-image's `hog` computes them
// (its defaults: 9 orientations over 0–180°, 8×8-pixel cells, blocks of 3×3 cells, L2-Hys block
// normalisation), so that "HOG similarity" between saliency maps (Adebayo et al. 2018) means what it
// means there. Checked value by value against scikit-image in test/unit/metrics-sanity.test.ts.
import { pearson } from './correlation.js';

export interface HogOptions {
  orientations?: number;
  /** Cell side in pixels (default 8). */
  cell?: number;
  /** Block side in cells (default 3). */
  block?: number;
}

const EPS = 1e-5;
const CLIP = 0.2;

/**
 * The HOG feature vector of an h×w map (row-major), in scikit-image's order: blocks row by row,
 * within a block its cells row by row, within a cell the orientation bins.
 */
export function hogFeatures(image: ArrayLike<number>, h: number, w: number, o: HogOptions = {}): Float64Array {
  const bins = o.orientations ?? 9;
  const cell = o.cell ?? 8;
  const block = o.block ?? 3;
  if (image.length !== h * w) throw new RangeError(`hog: ${image.length} values, expected ${h}x${w}`);
  const cellsY = Math.floor(h / cell);
  const cellsX = Math.floor(w / cell);
  const blocksY = cellsY - block + 1;
  const blocksX = cellsX - block + 1;
  if (blocksY <= 0 || blocksX <= 0)
    throw new RangeError(`hog: a ${h}x${w} map is smaller than one block (${block * cell}x${block * cell} pixels)`);

  // Central differences inside, zero on the border rows/columns.
  const magnitude = new Float64Array(h * w);
  const angle = new Float64Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const gy = y > 0 && y < h - 1 ? image[i + w]! - image[i - w]! : 0;
      const gx = x > 0 && x < w - 1 ? image[i + 1]! - image[i - 1]! : 0;
      magnitude[i] = Math.hypot(gy, gx);
      // Unsigned orientation in [0, 180), with Python's modulo of a negative angle.
      const deg = (Math.atan2(gy, gx) * 180) / Math.PI;
      angle[i] = ((deg % 180) + 180) % 180;
    }
  }

  // Per cell and bin: the mean gradient magnitude of the cell's pixels whose orientation falls in
  // the bin [180·k/bins, 180·(k+1)/bins). scikit-image sums in single precision; so do we, so that
  // the histograms agree to the last bit rather than to 1e-7.
  const perBin = Math.fround(180 / bins);
  const hist = new Float64Array(cellsY * cellsX * bins);
  for (let cy = 0; cy < cellsY; cy++) {
    for (let cx = 0; cx < cellsX; cx++) {
      for (let k = 0; k < bins; k++) {
        const lo = Math.fround(perBin * k);
        const hi = Math.fround(perBin * (k + 1));
        let total = 0;
        for (let y = cy * cell; y < (cy + 1) * cell; y++) {
          for (let x = cx * cell; x < (cx + 1) * cell; x++) {
            const t = angle[y * w + x]!;
            if (t < hi && t >= lo) total = Math.fround(total + magnitude[y * w + x]!);
          }
        }
        hist[(cy * cellsX + cx) * bins + k] = Math.fround(total / (cell * cell));
      }
    }
  }

  // Each block of block×block cells, L2-normalised, clipped at 0.2 and normalised again (L2-Hys).
  const perBlock = block * block * bins;
  const out = new Float64Array(blocksY * blocksX * perBlock);
  const v = new Float64Array(perBlock);
  for (let by = 0; by < blocksY; by++) {
    for (let bx = 0; bx < blocksX; bx++) {
      let n = 0;
      for (let cy = by; cy < by + block; cy++)
        for (let cx = bx; cx < bx + block; cx++)
          for (let k = 0; k < bins; k++) v[n++] = hist[(cy * cellsX + cx) * bins + k]!;
      const norm1 = Math.sqrt(sumOfSquares(v) + EPS * EPS);
      for (let i = 0; i < perBlock; i++) v[i] = Math.min(v[i]! / norm1, CLIP);
      const norm2 = Math.sqrt(sumOfSquares(v) + EPS * EPS);
      out.set(
        v.map((x) => x / norm2),
        (by * blocksX + bx) * perBlock,
      );
    }
  }
  return out;
}

function sumOfSquares(v: Float64Array): number {
  let s = 0;
  for (const x of v) s += x * x;
  return s;
}

/** Pearson correlation of the two maps' HOG feature vectors. */
export function hogCorrelation(a: ArrayLike<number>, b: ArrayLike<number>, h: number, w: number, o: HogOptions = {}) {
  return pearson(hogFeatures(a, h, w, o), hogFeatures(b, h, w, o));
}
