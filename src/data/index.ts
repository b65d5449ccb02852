// The data layer's public surface: datasets, transforms, batches, the demo dataset.
export type { Box, Dataset, ImageBatch, Sample, SkipRecord } from './types.js';
export { loadDataset, detectFormat, type DatasetFormat, type LoadDatasetOptions } from './load.js';
export { parseClassRanges, subsetBounds, subsetClassIndices, parseSubsetSpec, SUBSET_NAMES, type SubsetName } from './subsets.js';
export { transformImage, type TransformSpec, type TransformedImage, type TransformKind, type TransformPlan } from './transforms.js';
export { planTransform, transformBox, validationShortSide } from './transform-geometry.js';
export { BatchLoader, epochOrder, epochLength, type BatchLoaderOptions } from './loader.js';
export { DataError, formatSkipReport } from './skips.js';
export { readImageBytes, readImageHeader, DEFAULT_MAX_PIXELS } from './decode.js';
export { generateFashionLoc, FASHION_CLASSES, type FashionLocOptions } from './fashion-loc.js';
export { ensureFashionLoc } from './demo/fashion-loc.js';
export { Random } from './random.js';
