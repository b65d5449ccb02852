// Per-image localisation scoring as the authors' score.py + model_basics.py: binarise the mask, keep
// its largest 4-connected component, take the tight box, and compare with every ground-truth box of
// the image's class (IoU > 0.5 hit, F1 of the continuous mask). Field names follow the conformance
// vectors' `expected` object so results can be compared and serialised as they are.
import type { Box } from '../data/types.js';
import { binarizeTopFraction } from './binarize.js';
import { boxF1, maskSum } from './box-f1.js';
import { boxIouAsPixelSets, IOU_HIT_THRESHOLD } from './box-iou.js';
import { type ResizeMode, resizeGroundTruthBox } from './ground-truth-boxes.js';
import { type ComponentScratch, componentScratch, largestComponent4 } from './largest-component.js';
import type { PixelBox } from './tight-box.js';

export interface ScoreOptions {
  resize: ResizeMode;
  /** Side of the scoring frame (the model input); the mask must be size×size. Default 224. */
  size?: number;
  /** Classifier top-1 correct on the clean image (enters OM only). */
  isCorrect: boolean;
  /** Reusable buffers for hot loops (see createScoreScratch). */
  scratch?: ScoreScratch;
}

/** Per-image result; names as in the conformance `expected` object. */
export interface MaskScore {
  binarized_pixels: number;
  /** Predicted box x0,y0,x1,y1, inclusive; -1s when the binarised mask is empty. */
  box: [number, number, number, number];
  /** Ground-truth boxes in the scoring frame (before clipping), x0,y0,x1,y1. */
  resized_boxes: [number, number, number, number][];
  f1_per_box: number[];
  iou_per_box: number[];
  hit_per_box: number[];
  F1: number;
  F1a: number;
  LE: number;
  OM: number;
}

export interface ScoreScratch {
  pixels: number;
  binary: Uint8Array;
  components: ComponentScratch;
}

export function createScoreScratch(pixels: number): ScoreScratch {
  return { pixels, binary: new Uint8Array(pixels), components: componentScratch(pixels) };
}

/**
 * Scores one mask (h×w, row-major, values in [0,1]) against the ground-truth boxes of the image's
 * class, given in original-image pixels with the image's original [width, height].
 * Throws when there is no ground-truth box: the reference scorer has no definition for that case
 * (np.max of an empty list), so callers must leave such images out of LE/OM/F1.
 */
export function scoreMask(
  mask: Float32Array,
  h: number,
  w: number,
  gtBoxes: readonly Box[],
  imageSize: readonly [number, number],
  opts: ScoreOptions,
): MaskScore {
  const size = opts.size ?? 224;
  if (h !== size || w !== size)
    throw new RangeError(`scoreMask: mask is ${h}x${w}, the scoring frame is ${size}x${size}`);
  if (mask.length !== h * w) throw new RangeError(`scoreMask: mask has ${mask.length} values, expected ${h * w}`);
  if (gtBoxes.length === 0) throw new RangeError('scoreMask: no ground-truth box for this image');
  const n = h * w;
  const scratch = opts.scratch && opts.scratch.pixels === n ? opts.scratch : createScoreScratch(n);

  const bin = binarizeTopFraction(mask, scratch.binary);
  let box: MaskScore['box'] = [-1, -1, -1, -1];
  let pred: PixelBox | null = null;
  if (bin.count > 0) {
    pred = largestComponent4(bin.binary, h, w, scratch.components).box;
    if (pred) box = [pred.x0, pred.y0, pred.x1, pred.y1];
  }

  const total = maskSum(mask);
  const resized: MaskScore['resized_boxes'] = [];
  const f1s: number[] = [];
  const ious: number[] = [];
  const hits: number[] = [];
  for (const gt of gtBoxes) {
    const r = resizeGroundTruthBox(gt, imageSize, opts.resize, size);
    resized.push([r.x0, r.y0, r.x1, r.y1]);
    f1s.push(boxF1(mask, h, w, r, total));
    const iou = boxIouAsPixelSets(pred, r, w, h);
    ious.push(iou);
    hits.push(iou > IOU_HIT_THRESHOLD ? 1 : 0);
  }
  const maxHit = Math.max(...hits);
  let f1Sum = 0;
  for (const f of f1s) f1Sum += f;
  return {
    binarized_pixels: bin.count,
    box,
    resized_boxes: resized,
    f1_per_box: f1s,
    iou_per_box: ious,
    hit_per_box: hits,
    F1: Math.max(...f1s),
    F1a: f1Sum / f1s.length,
    LE: 1 - maxHit,
    OM: 1 - maxHit * (opts.isCorrect ? 1 : 0),
  };
}

/** Means of the per-image scores over the images scored (fractions in [0,1]). */
export interface LocalisationSummary {
  images: number;
  F1: number;
  F1a: number;
  LE: number;
  OM: number;
}

/** Running means of the per-image F1, F1a, LE and OM (the reference's AverageMeters). */
export class LocalisationAccumulator {
  private n = 0;
  private f1 = 0;
  private f1a = 0;
  private le = 0;
  private om = 0;

  add(score: Pick<MaskScore, 'F1' | 'F1a' | 'LE' | 'OM'>): void {
    this.n++;
    this.f1 += score.F1;
    this.f1a += score.F1a;
    this.le += score.LE;
    this.om += score.OM;
  }

  get count(): number {
    return this.n;
  }

  summary(): LocalisationSummary {
    const n = this.n;
    const d = n || 1;
    return { images: n, F1: this.f1 / d, F1a: this.f1a / d, LE: this.le / d, OM: this.om / d };
  }
}
