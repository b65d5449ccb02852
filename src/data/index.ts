// The data layer's public surface: datasets, transforms, batches, the demo dataset.

export { DEFAULT_MAX_PIXELS, readImageBytes, readImageHeader } from './decode.js';
export { ensureFashionLoc } from './demo/fashion-loc.js';
export { FASHION_CLASSES, type FashionLocOptions, generateFashionLoc } from './fashion-loc.js';
export { type DatasetFormat, detectFormat, type LoadDatasetOptions, loadDataset } from './load.js';
export { BatchLoader, type BatchLoaderOptions, epochLength, epochOrder } from './loader.js';
export { Random } from './random.js';
export { DataError, formatSkipReport } from './skips.js';
export {
  parseClassRanges,
  parseSubsetSpec,
  SUBSET_NAMES,
  type SubsetName,
  subsetBounds,
  subsetClassIndices,
} from './subsets.js';
export { planTransform, transformBox, validationShortSide } from './transform-geometry.js';
export {
  type TransformedImage,
  type TransformKind,
  type TransformPlan,
  type TransformSpec,
  transformImage,
} from './transforms.js';
export type { Box, Dataset, ImageBatch, Sample, SkipRecord } from './types.js';
