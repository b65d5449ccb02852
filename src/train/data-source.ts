// The data a training run consumes, as the loop sees it. src/data owns manifests, decoding and
// augmentation; this interface is the narrow seam between the two, so the loop can be tested with
// synthetic batches and the data side can change without touching the loop.
import type { ImageBatch, Sample, SkipRecord } from '../data/types.js';

/** The datasets a training run reads, with their class list and sizes. */
export interface TrainData {
  numClasses: number;
  classIds: string[];
  trainImages: number;
  valImages: number;
  /** The score split (default: the validation split) has ground-truth boxes: localisation is scored at the end. */
  scoreHasBoxes: boolean;
  /** The score split's samples; the ImageBatch.indices of scoreBatches() index into this. */
  scoreSamples: readonly Sample[];
  /** Name of the split scoreBatches() reads (for reports). */
  scoreSplit: string | null;
  /** Samples dropped while reading manifests (non-strict mode). */
  skipped: SkipRecord[];
  batchesPerEpoch(epoch: number): number;
  /** Batches per pretraining epoch: the whole training split. */
  pretrainBatchesPerEpoch(): number;
  /**
   * Pretraining batches of pretraining epoch `epoch` (the whole split, the training transform, an
   * order of its own), from `startBatch` on; deterministic like trainBatches.
   */
  pretrainBatches(epoch: number, startBatch: number): AsyncIterable<ImageBatch>;
  /**
   * Training batches of `epoch` from `startBatch` on; batch k is the same whatever startBatch is.
   * The source decodes ahead on its own, so batch k+1 is prepared while step k runs.
   */
  trainBatches(epoch: number, startBatch: number): AsyncIterable<ImageBatch>;
  /** Validation transform (short side ×256/224, centre crop), at most `limit` images (0: all). */
  valBatches(limit: number): AsyncIterable<ImageBatch>;
  /** The score split with the localisation-scoring transform (short side = size, centre crop), boxes transformed alike. */
  scoreBatches(): AsyncIterable<ImageBatch>;
  /**
   * The validation split with the localisation-scoring transform, for choosing the model by its
   * validation LE (src/train/model-selection.ts); null/absent when the validation split has no boxes.
   */
  selection?: { samples: readonly Sample[]; batches(): AsyncIterable<ImageBatch> } | null;
  /** Images skipped while decoding so far (non-strict mode). */
  decodeSkips(): SkipRecord[];
  close(): Promise<void>;
}
