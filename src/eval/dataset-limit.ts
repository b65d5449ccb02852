// --limit N: the first N samples of a split, in manifest order, so repeated evaluations (and the
// report's baselines) score exactly the same images.
import type { Dataset } from '../data/types.js';

export function limitDataset(dataset: Dataset, limit: number | undefined): Dataset {
  if (!limit || limit <= 0 || limit >= dataset.samples.length) return dataset;
  return { ...dataset, samples: dataset.samples.slice(0, limit) };
}
