// Per-image figures of one model on the score split: the authors' LE / OM / F1 (the one scorer,
// src/metrics/localisation-scorer.ts), the mask statistics (src/metrics maskStatistics) and, for two-copies images, how the
// mask is shared between the copies. Kept per image so that any subset of images (Table 3's class
// subsets) can be averaged afterwards.
import type { Dataset } from '../../data/types.js';
import { binarizeTopFraction } from '../../metrics/binarize.js';
import type { ResizeMode } from '../../metrics/ground-truth-boxes.js';
import { clipBox } from '../../metrics/ground-truth-boxes.js';
import { LocalisationScorer } from '../../metrics/localisation-scorer.js';
import { type MaskStatistics, maskStatistics } from '../../metrics/mask-statistics.js';
import { argmaxRows } from '../../metrics/top1.js';
import type { BatchConsumer } from './saliency-pass.js';

export interface CopyShares {
  /** Share of the total mask mass in the left / right half of the image (copy 0 / copy 1). */
  massShare: [number, number];
  /** Fraction of each copy's ground-truth box covered by the binarised mask. */
  boxRecall: [number, number];
  /** 1 when the predicted box localises copy k (IoU > 0.5 with box k). */
  hit: [number, number];
}

export interface ImageScore {
  label: number;
  LE: number;
  OM: number;
  F1: number;
  correct: boolean;
  stats: MaskStatistics;
  copies?: CopyShares;
}

/** A consumer that fills `out` with one ImageScore per image; `copies`: the images are two copies side by side. */
export function imageScorer(
  dataset: Dataset,
  o: { resize: ResizeMode; copies: boolean },
  out: ImageScore[],
): BatchConsumer {
  const scorer = new LocalisationScorer(o.resize);
  return async ({ batch, result }) => {
    const { n, h, w } = batch;
    const plane = h * w;
    const predicted = argmaxRows(result.logits, n);
    for (let i = 0; i < n; i++) {
      const index = batch.indices[i]!;
      const sample = dataset.samples[index]!;
      const mask = result.masks.subarray(i * plane, (i + 1) * plane);
      const correct = predicted[i] === batch.labels[i];
      const score = await scorer.add(mask, h, w, sample, index, correct);
      if (!score) throw new Error(`${sample.path}: no ground-truth box (the bench's score sets have one per image)`);
      const record: ImageScore = {
        label: sample.label,
        LE: score.LE,
        OM: score.OM,
        F1: score.F1,
        correct,
        stats: maskStatistics(mask, h, w),
      };
      if (o.copies) record.copies = copyShares(mask, h, w, score.resized_boxes, score.hit_per_box);
      out.push(record);
    }
  };
}

function copyShares(
  mask: Float32Array,
  h: number,
  w: number,
  boxes: [number, number, number, number][],
  hits: number[],
): CopyShares {
  if (boxes.length !== 2)
    throw new Error(`two-copies scoring: expected 2 boxes per image, got ${boxes.length} (is this --duplicate data?)`);
  const half = w / 2;
  let left = 0;
  let total = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const m = mask[y * w + x]!;
      total += m;
      if (x < half) left += m;
    }
  }
  const binary = binarizeTopFraction(mask).binary;
  const recall = boxes.map(([x0, y0, x1, y1]) => {
    const b = clipBox({ x0, y0, x1, y1 }, w, h);
    let on = 0;
    for (let y = b.y0; y < b.y1; y++) for (let x = b.x0; x < b.x1; x++) on += binary[y * w + x]!;
    const area = (b.x1 - b.x0) * (b.y1 - b.y0);
    return area > 0 ? on / area : 0;
  });
  const share = total > 0 ? left / total : 0.5;
  return { massShare: [share, 1 - share], boxRecall: [recall[0]!, recall[1]!], hit: [hits[0]!, hits[1]!] };
}
