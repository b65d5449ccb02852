// Fig. 3's check of classifier-agnosticism inside the benchmark's saliency pass: the same per-batch
// counting as `casm-native eval --classifiers` (src/eval/masked-accuracy.ts: masking on the uint8
// image as the authors' eval.py, inpainting with Telea radius 3), accumulated over the pass.
import { countCorrectOnMaskedImages, IMAGE_KINDS, type ImageKind } from '../../eval/masked-accuracy.js';
import type { Model } from '../../native/model.js';
import type { BatchConsumer } from './saliency-pass.js';

export const CONDITIONS = IMAGE_KINDS;
export type Condition = ImageKind;

/** Correct predictions per classifier and condition, and the number of images. */
export interface MaskedAccuracyCounts {
  images: number;
  correct: Record<Condition, number>[];
}

export function maskedClassification(classifiers: readonly Model[], out: MaskedAccuracyCounts): BatchConsumer {
  out.correct = classifiers.map(() => ({ clean: 0, maskedIn: 0, maskedOut: 0, inpainted: 0 }));
  out.images = 0;
  return async ({ batch, result }) => {
    const counts = await countCorrectOnMaskedImages(batch, result.masks, classifiers);
    counts.correct.forEach((c, k) => {
      for (const condition of CONDITIONS) out.correct[k]![condition] += c[condition];
    });
    out.images += batch.n;
  };
}
