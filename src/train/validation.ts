// Validation at each epoch end: clean and masked-out accuracy of the current classifier and the
// statistics of the masks it induces, over the validation split (eval-mode forward passes only;
// no weights or BN statistics change).
import type { ImageBatch } from '../data/types.js';
import { MaskStatisticsAccumulator, maskStatistics } from '../metrics/mask-statistics.js';
import { argmaxRows } from '../metrics/top1.js';
import { saliencyOptions } from '../native/defaults.js';
import type { NativeModel } from '../native/types.js';
import type { ValidationSummary } from './events.js';
import { maskedOutInput } from './masked-input.js';

export async function validate(
  model: NativeModel,
  batches: AsyncIterable<ImageBatch>,
  opts: { signal?: AbortSignal; onBatch?: (imagesDone: number) => void } = {},
): Promise<ValidationSummary | null> {
  const started = performance.now();
  const stats = new MaskStatisticsAccumulator();
  let images = 0;
  let correctClean = 0;
  let correctMasked = 0;
  for await (const batch of batches) {
    if (opts.signal?.aborted) return null;
    const { n, h, w } = batch;
    const clean = await model.saliency({ kind: 'uint8', data: batch.data, n, h, w }, saliencyOptions());
    // A diverged model gives NaN masks; say so instead of failing later on a NaN masked batch.
    if (!clean.masks.every(Number.isFinite) || !clean.logits.every(Number.isFinite)) {
      throw new Error(
        'validation: the model produces NaN/Inf masks or logits (training diverged; try a lower --lr or --lr-mapping)',
      );
    }
    const masked = await model.saliency(
      { kind: 'float32', data: maskedOutInput(batch.data, clean.masks, n, h, w), n, h, w },
      saliencyOptions(),
    );
    const predClean = argmaxRows(clean.logits, n);
    const predMasked = argmaxRows(masked.logits, n);
    for (let i = 0; i < n; i++) {
      if (predClean[i] === batch.labels[i]) correctClean++;
      if (predMasked[i] === batch.labels[i]) correctMasked++;
    }
    const plane = h * w;
    for (let i = 0; i < n; i++) stats.add(maskStatistics(clean.masks.subarray(i * plane, (i + 1) * plane), h, w));
    images += n;
    opts.onBatch?.(images);
  }
  const s = stats.summary();
  return {
    images,
    accClean: images ? correctClean / images : 0,
    accMasked: images ? correctMasked / images : 0,
    maskMean: s.mean,
    maskStd: s.std,
    maskEntropy: s.entropy,
    totalVariation: s.tv,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Clean top-1 accuracy of the classifier alone (pretraining: the decoder is not trained yet). */
export async function validateClassifier(
  model: NativeModel,
  batches: AsyncIterable<ImageBatch>,
  opts: { signal?: AbortSignal } = {},
): Promise<{ images: number; accClean: number; seconds: number } | null> {
  const started = performance.now();
  let images = 0;
  let correct = 0;
  for await (const batch of batches) {
    if (opts.signal?.aborted) return null;
    const { n, h, w } = batch;
    const { logits } = await model.saliency({ kind: 'uint8', data: batch.data, n, h, w }, saliencyOptions());
    if (!logits.every(Number.isFinite))
      throw new Error(
        'validation: the classifier produces NaN/Inf logits (pretraining diverged; try a lower --pretrain-lr)',
      );
    const predicted = argmaxRows(logits, n);
    for (let i = 0; i < n; i++) if (predicted[i] === batch.labels[i]) correct++;
    images += n;
  }
  return { images, accClean: images ? correct / images : 0, seconds: (performance.now() - started) / 1000 };
}
