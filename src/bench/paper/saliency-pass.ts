// One pass of a trained model over the score split: decode with the scoring transform, run the
// saliency network, hand each batch (pixels, masks, clean logits) to the consumers. Scoring,
// statistics, the two-copies shares and Fig. 3 all read the same pass, so the masks of a model are
// computed once.
import { BatchLoader } from '../../data/loader.js';
import type { Dataset, ImageBatch } from '../../data/types.js';
import type { ResizeMode } from '../../metrics/ground-truth-boxes.js';
import type { Model } from '../../native/model.js';
import type { SaliencyResult } from '../../native/types.js';

export interface ScoredBatch {
  batch: ImageBatch;
  result: SaliencyResult;
}

export type BatchConsumer = (b: ScoredBatch) => Promise<void> | void;

export async function saliencyPass(
  model: Model,
  dataset: Dataset,
  o: { size: number; batchSize: number; resize: ResizeMode },
  consumers: BatchConsumer[],
): Promise<void> {
  const loader = new BatchLoader(dataset, {
    batchSize: o.batchSize,
    size: o.size,
    transform: o.resize === 'crop' ? 'score-crop' : 'score-direct',
  });
  for await (const batch of loader.batches()) {
    const result = await model.saliency({ kind: 'uint8', data: batch.data, n: batch.n, h: batch.h, w: batch.w });
    for (const consume of consumers) await consume({ batch, result });
  }
  if (loader.skipped.length)
    throw new Error(
      `scoring: ${loader.skipped.length} images failed to decode; first: ${loader.skipped[0]!.origin}: ${loader.skipped[0]!.reason}`,
    );
}
