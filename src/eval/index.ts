// Evaluation and outputs (re-exported by src/index.ts): localisation scores with the trivial
// baselines, the Fig. 3 classifier check, saliency export and the HTML run report.

export {
  type AgnosticismOptions,
  type AgnosticismResult,
  type ClassifierAccuracy,
  evaluateClassifierAgnosticism,
  IMAGE_KINDS,
  type ImageKind,
  type NamedClassifier,
} from './classifier-agnosticism.js';
export {
  evaluateLocalisation,
  type LocalisationEvalOptions,
  type LocalisationEvalResult,
  type MaskSource,
} from './localisation.js';
export { type ImageLocalisation, LocalisationScorer } from './localisation-scorer.js';
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
} from './saliency-export.js';
export { resolveSaliencyInputs, type SaliencyInput } from './saliency-inputs.js';
export { softmaxTop1 } from './top1.js';
export { CENTER_MARGIN_AT_224, centerMargin, TOY_KINDS, type ToyKind, toyMask } from './toy-masks.js';
