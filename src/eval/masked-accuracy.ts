// One batch of the paper's Fig. 3 check, shared by `casm-native eval --classifiers` and the paper
// benchmark: binarise each CASM mask, build masked-in b·x, masked-out (1−b)·x and the inpainted
// masked-out image on the uint8 pixels (black where hidden, as the authors' eval.py masks the
// unnormalised image), and count each classifier's correct top-1 predictions on every kind.

import { argmaxRows } from '../metrics/top1.js';
import type { Model } from '../native/model.js';
import { maskedImages } from '../viz/masked-images.js';
import { maskBox } from './mask-box.js';

/** The kinds of image a mask makes: clean, masked-in, masked-out and inpainted. */
export const IMAGE_KINDS = ['clean', 'maskedIn', 'maskedOut', 'inpainted'] as const;
/** One of {@link IMAGE_KINDS}. */
export type ImageKind = (typeof IMAGE_KINDS)[number];

export interface MaskedAccuracyBatch {
  /** uint8 RGB NHWC */
  data: Uint8Array;
  n: number;
  h: number;
  w: number;
  labels: Int32Array;
}

export interface MaskedAccuracyCounts {
  /** Correct predictions per classifier (in the order given) and kind of image. */
  correct: Record<ImageKind, number>[];
  /** Sum over the batch of the binarised masks' area (fraction of pixels kept by b). */
  area: number;
}

export async function countCorrectOnMaskedImages(
  batch: MaskedAccuracyBatch,
  masks: Float32Array,
  classifiers: readonly Model[],
): Promise<MaskedAccuracyCounts> {
  const { n, h, w } = batch;
  const plane = h * w;
  const variants: Record<Exclude<ImageKind, 'clean'>, Uint8Array> = {
    maskedIn: new Uint8Array(n * plane * 3),
    maskedOut: new Uint8Array(n * plane * 3),
    inpainted: new Uint8Array(n * plane * 3),
  };
  let area = 0;
  for (let i = 0; i < n; i++) {
    const image = batch.data.subarray(i * plane * 3, (i + 1) * plane * 3);
    const { binary, binarizedPixels } = maskBox(masks.subarray(i * plane, (i + 1) * plane), h, w);
    area += binarizedPixels / plane;
    const m = maskedImages(image, binary, h, w);
    variants.maskedIn.set(m.maskedIn, i * plane * 3);
    variants.maskedOut.set(m.maskedOut, i * plane * 3);
    variants.inpainted.set(m.inpainted, i * plane * 3);
  }
  const inputs: Record<ImageKind, Uint8Array> = { clean: batch.data, ...variants };
  const correct = classifiers.map(() => ({ clean: 0, maskedIn: 0, maskedOut: 0, inpainted: 0 }));
  for (const [ci, model] of classifiers.entries()) {
    for (const kind of IMAGE_KINDS) {
      const { logits } = await model.saliency({ kind: 'uint8', data: inputs[kind], n, h, w });
      const predicted = argmaxRows(logits, n);
      for (let i = 0; i < n; i++) if (predicted[i] === batch.labels[i]) correct[ci]![kind]++;
    }
  }
  return { correct, area };
}
