// Public surface of the metrics: the authors' localisation scoring (LE, OM, F1, F1a), mask
// statistics, the wsolevaluation extras (MaxBoxAccV2, PxAP) and the conformance runner.
export { binarizeTopFraction, maskMeanFloat32, thresholdRank, type Binarization } from './binarize.js';
export { kthSmallest } from './select.js';
export { largestComponent4, componentScratch, type LargestComponent, type ComponentScratch } from './largest-component.js';
export { tightBox, tightBoxOfLabel, type PixelBox } from './tight-box.js';
export { resizeGroundTruthBox, clipBox, unclippedArea, type ResizeMode } from './ground-truth-boxes.js';
export { boxIouAsPixelSets, IOU_HIT_THRESHOLD } from './box-iou.js';
export { boxF1, maskSum } from './box-f1.js';
export {
  scoreMask,
  createScoreScratch,
  LocalisationAccumulator,
  type MaskScore,
  type ScoreOptions,
  type ScoreScratch,
  type LocalisationSummary,
} from './score-mask.js';
export { maskStatistics, MaskStatisticsAccumulator, type MaskStatistics, type MaskStatisticsSummary } from './mask-statistics.js';
export { camThresholds } from './cam-thresholds.js';
export { contourBoundingBoxes } from './contour-boxes.js';
export { MaxBoxAccAccumulator, boxesAtThresholds, wsolIou, quantiseScoremap, type MaxBoxAccOptions, type MaxBoxAccResult, type WsolBox } from './max-box-acc.js';
export { PxapAccumulator } from './pxap.js';
export { runMetricsConformance, isMetricsConformanceDir, type CaseResult } from './conformance.js';
