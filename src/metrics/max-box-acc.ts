// MaxBoxAccV2 of clovaai/wsolevaluation (Choe et al., "Evaluating WSOL right", 2020), the multi-
// contour, multi-IoU variant:
//  1. The score map (values in [0,1]) is quantised like the reference: u = uint8(trunc(255·s)).
//  2. For each cam threshold τ of np.arange(0, 1, interval): binary = u > trunc(τ · max(u)).
//  3. Every contour of the binary image (findContours RETR_TREE) gives a box; the box's x1,y1 is
//     x+w, y+h of cv2.boundingRect, i.e. one past the last pixel, then limited to width-1/height-1.
//     With no contour the box is [0,0,0,0].
//  4. Per threshold, the image's IoU is the best over (its boxes) × (ground-truth boxes), with the
//     reference's +1 pixel-inclusive area convention.
//  5. For each IoU threshold δ (0.3, 0.5, 0.7): BoxAcc(τ, δ) = fraction of images with IoU >= δ;
//     MaxBoxAcc(δ) = max over τ; MaxBoxAccV2 = mean over δ.
// Results are fractions in [0,1] (the reference prints percentages).
import type { Box } from '../data/types.js';
import { camThresholds } from './cam-thresholds.js';
import { type ContourScratch, contourBoundingBoxes, contourScratch } from './contour-boxes.js';

/** Box in wsolevaluation's x0y0x1y1 convention, areas counted with +1. */
export type WsolBox = readonly [number, number, number, number];

/** calculate_multiple_iou for one pair: +1 areas, degenerate (non-positive) union scores 0. */
export function wsolIou(a: WsolBox, b: WsolBox): number {
  const ix = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]) + 1);
  const iy = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]) + 1);
  const inter = ix * iy;
  const areaA = (a[2] - a[0] + 1) * (a[3] - a[1] + 1);
  const areaB = (b[2] - b[0] + 1) * (b[3] - b[1] + 1);
  const union = areaA + areaB - inter;
  return union <= 0 ? 0 : inter / union;
}

/** Quantises a [0,1] score map as the reference: (scoremap * 255).astype(uint8). */
export function quantiseScoremap(
  scoremap: ArrayLike<number>,
  out: Uint8Array = new Uint8Array(scoremap.length),
): Uint8Array {
  for (let i = 0; i < scoremap.length; i++) {
    const v = Math.trunc(scoremap[i]! * 255);
    out[i] = v < 0 ? 0 : Math.min(v, 255);
  }
  return out;
}

/**
 * Boxes of all contours at each cam threshold (compute_bboxes_from_scoremaps with
 * multi_contour_eval=True). Equal integer thresholds share one contour search.
 */
export function boxesAtThresholds(
  scoremap: ArrayLike<number>,
  h: number,
  w: number,
  thresholds: readonly number[],
  scratch: ContourScratch = contourScratch(h * w),
): WsolBox[][] {
  const n = h * w;
  if (scoremap.length !== n)
    throw new RangeError(`boxesAtThresholds: score map has ${scoremap.length} values, expected ${h}x${w}`);
  for (let i = 0; i < n; i++) {
    const v = scoremap[i]!;
    if (!(v >= 0 && v <= 1)) throw new RangeError(`boxesAtThresholds: score map value ${v} at ${i} is outside [0,1]`);
  }
  const u = quantiseScoremap(scoremap);
  let max = 0;
  for (let i = 0; i < n; i++) if (u[i]! > max) max = u[i]!;
  const cache = new Map<number, WsolBox[]>();
  return thresholds.map((tau) => {
    const t = Math.trunc(tau * max);
    let boxes = cache.get(t);
    if (!boxes) {
      // cv2.threshold(THRESH_BINARY): foreground where u > t.
      const found = contourBoundingBoxes(u, h, w, scratch, t);
      boxes =
        found.length === 0
          ? [[0, 0, 0, 0]]
          : found.map((b) => [b.x0, b.y0, Math.min(b.x1 + 1, w - 1), Math.min(b.y1 + 1, h - 1)] as const);
      cache.set(t, boxes);
    }
    return boxes;
  });
}

export interface MaxBoxAccOptions {
  /** Spacing of the cam thresholds (wsolevaluation's cam_curve_interval). Default 0.01. */
  camCurveInterval?: number;
  /** IoU thresholds as fractions. Default [0.3, 0.5, 0.7]. */
  iouThresholds?: readonly number[];
}

export interface MaxBoxAccResult {
  /** Mean of maxBoxAcc over the IoU thresholds. */
  maxBoxAccV2: number;
  iouThresholds: number[];
  /** MaxBoxAcc at each IoU threshold (fractions). */
  maxBoxAcc: number[];
  /** The cam threshold that attains each maximum (first one on ties). */
  bestCamThreshold: number[];
  count: number;
}

/** Accumulates images (score map + ground-truth boxes) and computes MaxBoxAccV2. */
export class MaxBoxAccAccumulator {
  readonly camThresholds: number[];
  readonly iouThresholds: number[];
  /** correct[d][t]: images whose best IoU at cam threshold t reaches IoU threshold d. */
  private readonly correct: Float64Array[];
  private n = 0;
  private scratch: ContourScratch | null = null;

  constructor(opts: MaxBoxAccOptions = {}) {
    this.camThresholds = camThresholds(opts.camCurveInterval ?? 0.01);
    this.iouThresholds = [...(opts.iouThresholds ?? [0.3, 0.5, 0.7])];
    this.correct = this.iouThresholds.map(() => new Float64Array(this.camThresholds.length));
  }

  /**
   * `gtBoxes` are in the score map's pixels (x0,y0,x1,y1 as wsolevaluation's resized boxes). They are
   * clipped to [0,w]×[0,h]: boxes from a direct resize never leave that range, so this only matters
   * for a centre crop, where the reference has no definition (it rejects negative coordinates).
   */
  add(scoremap: ArrayLike<number>, h: number, w: number, gtBoxes: readonly Box[]): void {
    if (gtBoxes.length === 0) throw new RangeError('MaxBoxAccAccumulator.add: no ground-truth box');
    if (!this.scratch || this.scratch.parent.length !== h * w + 1) this.scratch = contourScratch(h * w);
    const gts: WsolBox[] = gtBoxes.map((b) => [clamp(b.x0, w), clamp(b.y0, h), clamp(b.x1, w), clamp(b.y1, h)]);
    const perThreshold = boxesAtThresholds(scoremap, h, w, this.camThresholds, this.scratch);
    perThreshold.forEach((boxes, t) => {
      let best = 0;
      for (const b of boxes) for (const g of gts) best = Math.max(best, wsolIou(b, g));
      this.iouThresholds.forEach((delta, d) => {
        if (best >= delta) this.correct[d]![t]!++;
      });
    });
    this.n++;
  }

  get count(): number {
    return this.n;
  }

  result(): MaxBoxAccResult {
    const maxBoxAcc: number[] = [];
    const bestCamThreshold: number[] = [];
    for (const row of this.correct) {
      let bi = 0;
      for (let t = 1; t < row.length; t++) if (row[t]! > row[bi]!) bi = t;
      maxBoxAcc.push(this.n ? row[bi]! / this.n : 0);
      bestCamThreshold.push(this.camThresholds[bi]!);
    }
    const v2 = maxBoxAcc.reduce((a, b) => a + b, 0) / (maxBoxAcc.length || 1);
    return { maxBoxAccV2: v2, iouThresholds: [...this.iouThresholds], maxBoxAcc, bestCamThreshold, count: this.n };
  }
}

function clamp(v: number, hi: number): number {
  return v < 0 ? 0 : Math.min(v, hi);
}
