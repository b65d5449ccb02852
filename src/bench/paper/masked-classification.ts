// Fig. 3's check of classifier-agnosticism: accuracy of independently trained classifiers on the
// masked-in image b·x, the masked-out image (1−b)·x and the inpainted masked-out image, where b is
// the binarised mask of the saliency model under test. As in the authors' code, masking multiplies
// the *normalised* image (so hidden pixels become the dataset mean); inpainting fills the hidden
// pixels of the uint8 image with Telea's method, radius 3 (src/viz/inpaint), before normalising.
import { binarizeTopFraction } from '../../metrics/binarize.js';
import type { Model } from '../../native/model.js';
import { argmaxRows, maskedOutInput } from '../../train/masked-input.js';
import { inpaintTelea } from '../../viz/inpaint.js';
import type { BatchConsumer } from './saliency-pass.js';

export const CONDITIONS = ['clean', 'maskedIn', 'maskedOut', 'inpainted'] as const;
export type Condition = (typeof CONDITIONS)[number];

/** Correct predictions per classifier and condition, and the number of images. */
export interface MaskedAccuracyCounts {
  images: number;
  correct: Record<Condition, number>[];
}

export function maskedClassification(classifiers: readonly Model[], out: MaskedAccuracyCounts): BatchConsumer {
  out.correct = classifiers.map(() => ({ clean: 0, maskedIn: 0, maskedOut: 0, inpainted: 0 }));
  out.images = 0;
  return async ({ batch, result }) => {
    const { n, h, w } = batch;
    const plane = h * w;
    // maskedOutInput(x, m) = normalise(x)·(1 − m): with m = b it masks out, with m = 1 − b it masks in.
    const hide = new Float32Array(n * plane);
    const keep = new Float32Array(n * plane);
    const inpainted = new Uint8Array(n * plane * 3);
    for (let i = 0; i < n; i++) {
      const b = binarizeTopFraction(result.masks.subarray(i * plane, (i + 1) * plane)).binary;
      for (let p = 0; p < plane; p++) {
        hide[i * plane + p] = b[p]!;
        keep[i * plane + p] = 1 - b[p]!;
      }
      const image = new Uint8Array(batch.data.buffer, batch.data.byteOffset + i * plane * 3, plane * 3);
      inpainted.set(inpaintTelea(image, h, w, 3, b, { radius: 3 }), i * plane * 3);
    }
    const inputs = {
      clean: { kind: 'uint8', data: batch.data, n, h, w },
      maskedIn: { kind: 'float32', data: maskedOutInput(batch.data, keep, n, h, w), n, h, w },
      maskedOut: { kind: 'float32', data: maskedOutInput(batch.data, hide, n, h, w), n, h, w },
      inpainted: { kind: 'uint8', data: inpainted, n, h, w },
    } as const;
    for (const [k, classifier] of classifiers.entries()) {
      for (const condition of CONDITIONS) {
        const logits = (await classifier.saliency(inputs[condition])).logits;
        const predicted = argmaxRows(logits, n);
        let correct = 0;
        for (let i = 0; i < n; i++) if (predicted[i] === batch.labels[i]) correct++;
        out.correct[k]![condition] += correct;
      }
    }
    out.images += n;
  };
}
