// Opens the training data of a run with src/data: the training split through a BatchLoader with
// the RandomResizedCrop transform and a fresh random `epochFraction` each epoch, the validation
// split with the validation transform, and the same split with the localisation-scoring
// transform for the end-of-training LE/OM/F1.
import { BatchLoader } from '../data/loader.js';
import { loadDataset } from '../data/load.js';
import type { Dataset } from '../data/types.js';
import type { TrainConfig } from './config.js';
import type { TrainData } from './data-source.js';
import { firstImages, noBatches } from '../data/batch-stream.js';
import { checkBatchNormBatches } from './batch-norm-guard.js';

export async function openTrainData(config: TrainConfig): Promise<TrainData> {
  const access = { strict: config.strict, allowOutsideRoot: config.allowOutsideRoot ?? false };
  const trainSet = await loadDataset({ data: config.data, split: config.split, ...access });
  if (trainSet.samples.length === 0) throw new Error(`the ${config.split} split of ${config.data} has no usable samples`);
  let valSet: Dataset | null = null;
  if (config.valSplit) {
    try {
      valSet = await loadDataset({ data: config.data, split: config.valSplit, ...access });
    } catch (err) {
      throw new Error(`cannot read the validation split '${config.valSplit}' (pass --val-split none to train without validation): ${(err as Error).message}`);
    }
    if (valSet.classIds.join('\n') !== trainSet.classIds.join('\n')) {
      throw new Error(`the ${config.valSplit} split has other classes than the ${config.split} split of ${config.data}`);
    }
  }
  const train = new BatchLoader(trainSet, {
    batchSize: config.batchSize,
    size: config.imageSize,
    transform: 'train',
    seed: config.seed,
    fraction: config.epochFraction,
    cropScale: config.cropScale,
    strict: config.strict,
  });
  checkBatchNormBatches(train.smallestBatch, config.imageSize);
  const evalLoader = (dataset: Dataset, transform: 'val' | 'score-crop') =>
    new BatchLoader(dataset, { batchSize: config.batchSize, size: config.imageSize, transform, seed: config.seed, strict: config.strict });
  const val = valSet ? evalLoader(valSet, 'val') : null;
  const score = valSet ? evalLoader(valSet, 'score-crop') : null;

  return {
    numClasses: trainSet.classIds.length,
    classIds: trainSet.classIds,
    trainImages: trainSet.samples.length,
    valImages: valSet?.samples.length ?? 0,
    valHasBoxes: !!valSet && valSet.samples.some((s) => s.boxes.length > 0),
    valSamples: valSet?.samples ?? [],
    skipped: [...trainSet.skipped, ...(valSet?.skipped ?? [])],
    batchesPerEpoch: () => train.batchesPerEpoch,
    trainBatches: (epoch, startBatch) => train.batches({ epoch, startBatch }),
    valBatches: (limit) => (val ? firstImages(val.batches({ epoch: 0 }), limit) : noBatches()),
    scoreBatches: () => (score ? score.batches({ epoch: 0 }) : noBatches()),
    decodeSkips: () => [...train.skipped, ...(val?.skipped ?? []), ...(score?.skipped ?? [])],
    close: async () => undefined,
  };
}
