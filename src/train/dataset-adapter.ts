// Opens the training data of a run with src/data: the training split through a BatchLoader with
// the RandomResizedCrop transform and a fresh random `epochFraction` each epoch (plus the whole
// split for classifier pretraining), the validation split with the validation transform, and the
// score split (default: the validation split) with the localisation-scoring transform for the
// end-of-training LE/OM/F1.

import { firstImages, noBatches } from '../data/batch-stream.js';
import { loadDataset } from '../data/load.js';
import type { Shard } from '../data/loader.js';
import { BatchLoader } from '../data/loader.js';
import type { Dataset } from '../data/types.js';
import { checkBatchNormBatches } from './batch-norm-guard.js';
import type { TrainConfig } from './config.js';
import type { TrainData } from './data-source.js';

/** Pretraining draws its order and augmentation from streams of its own (seed xor 'pret'). */
export function pretrainSeed(seed: number): number {
  return (seed ^ 0x70726574) >>> 0;
}

/** `shard`: data-parallel training, where this process trains on its slice of every training batch. */
export async function openTrainData(config: TrainConfig, shard?: Shard): Promise<TrainData> {
  const access = { strict: config.strict, allowOutsideRoot: config.allowOutsideRoot ?? false };
  const trainSet = await loadDataset({ data: config.data, split: config.split, ...access });
  if (trainSet.samples.length === 0)
    throw new Error(`the ${config.split} split of ${config.data} has no usable samples`);
  const openSplit = async (split: string, role: string, hint: string): Promise<Dataset> => {
    let set: Dataset;
    try {
      set = await loadDataset({ data: config.data, split, ...access });
    } catch (err) {
      throw new Error(`cannot read the ${role} split '${split}' (${hint}): ${(err as Error).message}`);
    }
    if (set.classIds.join('\n') !== trainSet.classIds.join('\n')) {
      throw new Error(`the ${split} split has other classes than the ${config.split} split of ${config.data}`);
    }
    return set;
  };
  const valSet = config.valSplit
    ? await openSplit(config.valSplit, 'validation', 'pass --val-split none to train without validation')
    : null;
  const scoreSplit = config.scoreSplit ?? config.valSplit;
  const scoreSet =
    config.scoreSplit && config.scoreSplit !== config.valSplit
      ? await openSplit(config.scoreSplit, 'score', 'check --score-split')
      : valSet;
  // Pretraining is sharded like the CASM phase: both average gradients across the ranks.
  const trainLoader = (fraction: number, seed: number, cropScale: [number, number]) =>
    new BatchLoader(trainSet, {
      batchSize: config.batchSize,
      size: config.imageSize,
      transform: 'train',
      seed,
      fraction,
      cropScale,
      strict: config.strict,
      shard,
    });
  const train = trainLoader(config.epochFraction, config.seed, config.cropScale);
  const pretrain = trainLoader(1, pretrainSeed(config.seed), config.pretrainCropScale ?? config.cropScale);
  // BatchNorm sees one process's slice of a batch, so the check is on the smallest slice.
  checkBatchNormBatches(Math.min(train.smallestBatch, pretrain.smallestBatch), config.imageSize);
  const evalLoader = (dataset: Dataset, transform: 'val' | 'score-crop') =>
    new BatchLoader(dataset, {
      batchSize: config.batchSize,
      size: config.imageSize,
      transform,
      seed: config.seed,
      strict: config.strict,
    });
  const val = valSet ? evalLoader(valSet, 'val') : null;
  const score = scoreSet ? evalLoader(scoreSet, 'score-crop') : null;
  // Model selection scores the validation split like the score split, never the score split itself.
  const selectionSet = valSet?.samples.some((s) => s.boxes.length > 0) ? valSet : null;
  const selection = selectionSet ? (selectionSet === scoreSet ? score : evalLoader(selectionSet, 'score-crop')) : null;

  return {
    numClasses: trainSet.classIds.length,
    classIds: trainSet.classIds,
    trainImages: trainSet.samples.length,
    valImages: valSet?.samples.length ?? 0,
    scoreHasBoxes: !!scoreSet && scoreSet.samples.some((s) => s.boxes.length > 0),
    scoreSamples: scoreSet?.samples ?? [],
    scoreSplit: scoreSet ? scoreSplit : null,
    skipped: [
      ...trainSet.skipped,
      ...(valSet?.skipped ?? []),
      ...(scoreSet && scoreSet !== valSet ? scoreSet.skipped : []),
    ],
    batchesPerEpoch: () => train.batchesPerEpoch,
    trainBatches: (epoch, startBatch) => train.batches({ epoch, startBatch }),
    pretrainBatchesPerEpoch: () => pretrain.batchesPerEpoch,
    pretrainBatches: (epoch, startBatch) => pretrain.batches({ epoch, startBatch }),
    valBatches: (limit) => (val ? firstImages(val.batches({ epoch: 0 }), limit) : noBatches()),
    scoreBatches: () => (score ? score.batches({ epoch: 0 }) : noBatches()),
    selection:
      selectionSet && selection
        ? { samples: selectionSet.samples, batches: () => selection.batches({ epoch: 0 }) }
        : null,
    decodeSkips: () => [
      ...train.skipped,
      ...pretrain.skipped,
      ...(val?.skipped ?? []),
      ...(score?.skipped ?? []),
      ...(selection && selection !== score ? selection.skipped : []),
    ],
    close: async () => undefined,
  };
}
