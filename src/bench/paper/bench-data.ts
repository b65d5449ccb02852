// The training data of a benchmark run, as src/train's TrainData. src/train's own adapter
// (openTrainData) reads the whole training split with the RandomResizedCrop transform; the benchmarks
// also need (1) class subsets for Table 3 (all stages trained on the seen classes only) and (2) the
// whole, squeezed image for the two-copies data, where a random crop would usually show one copy
// only and the premise of Section 2.1 (both copies always visible) would not hold.

import { firstImages, noBatches } from '../../data/batch-stream.js';
import { loadDataset } from '../../data/load.js';
import { BatchLoader } from '../../data/loader.js';
import type { TransformKind } from '../../data/transform-geometry.js';
import type { Dataset } from '../../data/types.js';
import type { TrainData } from '../../train/data-source.js';
import { pretrainSeed } from '../../train/dataset-adapter.js';

export interface BenchDataOptions {
  data: string;
  split: string;
  /** Validation split for the per-epoch accuracy / mask figures; null: none. */
  valSplit: string | null;
  /** Keep only these class subsets (A–F of the sorted classes), for training and validation. */
  subset?: string;
  trainTransform: Extract<TransformKind, 'train' | 'score-direct'>;
  imageSize: number;
  batchSize: number;
  epochFraction: number;
  seed: number;
}

export async function openBenchData(o: BenchDataOptions): Promise<TrainData> {
  const trainSet = await loadDataset({ data: o.data, split: o.split, subset: o.subset });
  if (trainSet.samples.length === 0)
    throw new Error(
      `${o.data}: the ${o.split} split${o.subset ? ` restricted to subsets ${o.subset}` : ''} has no samples`,
    );
  const valSet = o.valSplit ? await loadDataset({ data: o.data, split: o.valSplit, subset: o.subset }) : null;
  const trainLoader = (seed: number, fraction: number) =>
    new BatchLoader(trainSet, {
      batchSize: o.batchSize,
      size: o.imageSize,
      transform: o.trainTransform,
      // score-direct is deterministic; the order must still be shuffled for SGD.
      shuffle: true,
      seed,
      fraction,
    });
  const train = trainLoader(o.seed, o.epochFraction);
  const pretrain = trainLoader(pretrainSeed(o.seed), 1);
  const val =
    valSet && valSet.samples.length > 0
      ? new BatchLoader(valSet, { batchSize: o.batchSize, size: o.imageSize, transform: valTransform(o), seed: o.seed })
      : null;
  return {
    numClasses: trainSet.classIds.length,
    classIds: trainSet.classIds,
    trainImages: trainSet.samples.length,
    valImages: val ? valSet!.samples.length : 0,
    // Localisation is scored by the benchmark itself, on the score split.
    scoreHasBoxes: false,
    scoreSamples: valSet?.samples ?? [],
    scoreSplit: null,
    skipped: [...trainSet.skipped, ...(valSet?.skipped ?? [])],
    batchesPerEpoch: () => train.batchesPerEpoch,
    trainBatches: (epoch, startBatch) => train.batches({ epoch, startBatch }),
    pretrainBatchesPerEpoch: () => pretrain.batchesPerEpoch,
    pretrainBatches: (epoch, startBatch) => pretrain.batches({ epoch, startBatch }),
    valBatches: (limit) => (val ? firstImages(val.batches({ epoch: 0 }), limit) : noBatches()),
    scoreBatches: () => noBatches(),
    decodeSkips: () => [...train.skipped, ...pretrain.skipped, ...(val?.skipped ?? [])],
    close: async () => undefined,
  };
}

/** Validation sees what training sees: the squeezed whole image when training does. */
function valTransform(o: BenchDataOptions): TransformKind {
  return o.trainTransform === 'score-direct' ? 'score-direct' : 'val';
}

/** The score split, read once and shared by every model scored on it. */
export async function loadScoreSet(data: string, split: string, limit: number): Promise<Dataset> {
  const dataset = await loadDataset({ data, split });
  const withBoxes = dataset.samples.filter((s) => s.boxes.length > 0);
  if (withBoxes.length === 0) throw new Error(`${data}: the ${split} split has no ground-truth boxes to score against`);
  // A fixed, label-balanced-by-construction prefix would depend on file order; take every k-th image.
  const samples = limit > 0 && limit < withBoxes.length ? evenlySpaced(withBoxes, limit) : withBoxes;
  return { ...dataset, samples };
}

function evenlySpaced<T>(items: readonly T[], count: number): T[] {
  return Array.from({ length: count }, (_, i) => items[Math.floor((i * items.length) / count)]!);
}
