// Public surface of the metrics: the authors' localisation scoring (LE, OM, F1, F1a), mask
// statistics, the wsolevaluation extras (MaxBoxAccV2, PxAP) and the conformance runner.
export { type Binarization, binarizeTopFraction, maskMeanFloat32, thresholdRank } from './binarize.js';
export { boxF1, maskSum } from './box-f1.js';
export { boxIouAsPixelSets, IOU_HIT_THRESHOLD } from './box-iou.js';
export { camThresholds } from './cam-thresholds.js';
export { contourBoundingBoxes } from './contour-boxes.js';
export { clipBox, type ResizeMode, resizeGroundTruthBox, unclippedArea } from './ground-truth-boxes.js';
export {
  type ComponentScratch,
  componentScratch,
  type LargestComponent,
  largestComponent4,
} from './largest-component.js';
export {
  type MaskStatistics,
  MaskStatisticsAccumulator,
  type MaskStatisticsSummary,
  maskStatistics,
} from './mask-statistics.js';
export {
  boxesAtThresholds,
  MaxBoxAccAccumulator,
  type MaxBoxAccOptions,
  type MaxBoxAccResult,
  quantiseScoremap,
  type WsolBox,
  wsolIou,
} from './max-box-acc.js';
export { PxapAccumulator } from './pxap.js';
export {
  createScoreScratch,
  LocalisationAccumulator,
  type LocalisationSummary,
  type MaskScore,
  type ScoreOptions,
  type ScoreScratch,
  scoreMask,
} from './score-mask.js';
export { kthSmallest } from './select.js';
export { type PixelBox, tightBox, tightBoxOfLabel } from './tight-box.js';
