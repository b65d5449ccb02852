// Means over a set of per-image scores: localisation (LE/OM/F1 in %, as the paper prints them),
// classifier accuracy and the mask statistics.
import { MaskStatisticsAccumulator } from '../../metrics/mask-statistics.js';
import type { ImageScore } from './image-scores.js';

export interface LocalisationMeans {
  images: number;
  /** Percentages. */
  LE: number;
  OM: number;
  F1: number;
  accuracy: number;
}

export function localisationMeans(scores: readonly ImageScore[]): LocalisationMeans {
  const n = scores.length;
  if (n === 0) return { images: 0, LE: NaN, OM: NaN, F1: NaN, accuracy: NaN };
  let le = 0;
  let om = 0;
  let f1 = 0;
  let correct = 0;
  for (const s of scores) {
    le += s.LE;
    om += s.OM;
    f1 += s.F1;
    correct += s.correct ? 1 : 0;
  }
  return { images: n, LE: (100 * le) / n, OM: (100 * om) / n, F1: (100 * f1) / n, accuracy: (100 * correct) / n };
}

export interface MaskStatisticsMeans {
  images: number;
  maskMean: number;
  /** Unbiased std of the per-image mask means over the whole set. */
  stdOfMeans: number;
  entropy: number;
  tv: number;
}

export function maskStatisticsMeans(scores: readonly ImageScore[]): MaskStatisticsMeans {
  const acc = new MaskStatisticsAccumulator();
  for (const s of scores) acc.add(s.stats);
  const m = acc.summary();
  return { images: m.count, maskMean: m.mean, stdOfMeans: m.std, entropy: m.entropy, tv: m.tv };
}
