// Public surface of the metrics: the authors' localisation scoring (LE, OM, F1, F1a), mask
// statistics, the wsolevaluation extras (MaxBoxAccV2, PxAP) and the conformance runner.
export { binarizeTopFraction, maskMeanFloat32, thresholdRank, type Binarization } from './binarize.js';
export { kthSmallest } from './select.js';
export { largestComponent4, componentScratch, type LargestComponent, type ComponentScratch } from './largestComponent.js';
export { tightBox, tightBoxOfLabel, type PixelBox } from './tightBox.js';
export { resizeGroundTruthBox, clipBox, unclippedArea, type ResizeMode } from './groundTruthBoxes.js';
export { boxIouAsPixelSets, IOU_HIT_THRESHOLD } from './boxIou.js';
export { boxF1, maskSum } from './boxF1.js';
export {
  scoreMask,
  createScoreScratch,
  LocalisationAccumulator,
  type MaskScore,
  type ScoreOptions,
  type ScoreScratch,
  type LocalisationSummary,
} from './scoreMask.js';
export { maskStatistics, MaskStatisticsAccumulator, type MaskStatistics, type MaskStatisticsSummary } from './maskStatistics.js';
export { camThresholds } from './camThresholds.js';
export { contourBoundingBoxes } from './contourBoxes.js';
export { MaxBoxAccAccumulator, boxesAtThresholds, wsolIou, quantiseScoremap, type MaxBoxAccOptions, type MaxBoxAccResult, type WsolBox } from './maxBoxAcc.js';
export { PxapAccumulator } from './pxap.js';
export { runMetricsConformance, isMetricsConformanceDir, type CaseResult } from './conformance.js';
