// Evaluation and outputs (re-exported by src/index.ts): localisation scores with the trivial
// baselines, the Fig. 3 classifier check, saliency export and the HTML run report.

export { type ImageLocalisation, LocalisationScorer } from '../metrics/localisation-scorer.js';
export { softmaxTop1 } from '../metrics/top1.js';
export { CENTER_MARGIN_AT_224, centerMargin, TOY_KINDS, type ToyKind, toyMask } from '../metrics/toy-masks.js';
export {
  ACTIVATION_LAYERS,
  BASELINE_METHODS,
  type BaselineResult,
  type BaselineScoringOptions,
  candidateLayers,
  chooseLayer,
  compareWithBaselines,
  evaluateBaseline,
  formatTable1,
  type LayerChoice,
  type Table1Row,
  table1ForRun,
} from './baselines.js';
export {
  type AgnosticismOptions,
  type AgnosticismResult,
  type ClassifierAccuracy,
  evaluateClassifierAgnosticism,
  IMAGE_KINDS,
  type ImageKind,
  type NamedClassifier,
} from './classifier-agnosticism.js';
export { externalMask, imageId, mapFileFor, mapToScoringFrame } from './external-masks.js';
export {
  evaluateLocalisation,
  type LocalisationEvalOptions,
  type LocalisationEvalResult,
  type MaskSource,
  type MaskSourceName,
} from './localisation.js';
export { MAP_EXTENSIONS, readMapFile, type SaliencyMapFile } from './map-files.js';
export { type MaskBox, maskBox } from './mask-box.js';
export { binaryToOriginal, maskToOriginal, type OriginalFrameMask } from './mask-to-original.js';
export { type OpenedModel, openModel } from './open-model.js';
export { REPORT_FILE, type RunReportOptions, writeRunReport } from './run-report.js';
export {
  exportSaliency,
  SALIENCY_FILES,
  type SaliencyExportOptions,
  type SaliencyExportResult,
  type SaliencyRecord,
  type SaliencyRunner,
} from './saliency-export.js';
export { resolveSaliencyInputs, type SaliencyInput } from './saliency-inputs.js';
