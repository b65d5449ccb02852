// The one scorer of the main metric (LE / OM / F1 / F1a, as the authors' score.py), shared by
// `eval`, the end-of-training score and the paper bench, so that all three give the same number for
// the same masks. Per image it finds the original size the ground-truth boxes are expressed in,
// leaves out images without a box (score.py has no definition for them), scores the mask in the
// scoring frame (src/metrics scoreMask) and keeps a per-image record, from which callers can average
// any subset (the bench's class subsets) or read the boxes (MaxBoxAccV2, two-copies shares).

import { originalSize } from '../data/original-size.js';
import type { Sample } from '../data/types.js';
import type { ResizeMode } from '../metrics/ground-truth-boxes.js';
import {
  createScoreScratch,
  LocalisationAccumulator,
  type LocalisationSummary,
  type MaskScore,
  type ScoreScratch,
  scoreMask,
} from '../metrics/score-mask.js';

/** One image's score, with the sample it belongs to. */
export interface ImageLocalisation extends MaskScore {
  /** Index of the sample in its dataset. */
  index: number;
  label: number;
  /** Classifier top-1 correct on the clean image (what OM was computed with). */
  correct: boolean;
}

/** Scores masks image by image with the authors' rules and keeps the running LE, OM and F1. */
export class LocalisationScorer {
  /** Every scored image, in the order scored. */
  readonly records: ImageLocalisation[] = [];
  private readonly means = new LocalisationAccumulator();
  private scratch: ScoreScratch | null = null;

  /** `resize`: how the scoring frame was cut from the original image (the boxes are moved alike). */
  constructor(private readonly resize: ResizeMode) {}

  /**
   * Scores one h×w mask (the scoring frame, so h = w = its side) of `sample`. Returns null, and
   * counts nothing, when the sample has no ground-truth box.
   */
  async add(
    mask: Float32Array,
    h: number,
    w: number,
    sample: Sample,
    index: number,
    correct: boolean,
  ): Promise<ImageLocalisation | null> {
    if (sample.boxes.length === 0) return null;
    if (!this.scratch || this.scratch.pixels !== h * w) this.scratch = createScoreScratch(h * w);
    const score = scoreMask(mask, h, w, sample.boxes, await originalSize(sample), {
      resize: this.resize,
      size: h,
      isCorrect: correct,
      scratch: this.scratch,
    });
    const record: ImageLocalisation = { ...score, index, label: sample.label, correct };
    this.means.add(score);
    this.records.push(record);
    return record;
  }

  /** Images scored (those with a box). */
  get images(): number {
    return this.means.count;
  }

  /** The means over every scored image; null when none had a box. */
  summary(): LocalisationSummary | null {
    return this.means.count > 0 ? this.means.summary() : null;
  }
}
