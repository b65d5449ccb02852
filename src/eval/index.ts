// Evaluation and outputs (re-exported by src/index.ts): localisation scores with the trivial
// baselines, the Fig. 3 classifier check, saliency export and the HTML run report.
export { evaluateLocalisation, type LocalisationEvalOptions, type LocalisationEvalResult, type MaskSource } from './localisation.js';
export { LocalisationScorer, type ImageLocalisation } from './localisation-scorer.js';
export { toyMask, centerMargin, TOY_KINDS, CENTER_MARGIN_AT_224, type ToyKind } from './toy-masks.js';
export {
  evaluateClassifierAgnosticism,
  IMAGE_KINDS,
  type AgnosticismOptions,
  type AgnosticismResult,
  type ClassifierAccuracy,
  type ImageKind,
  type NamedClassifier,
} from './classifier-agnosticism.js';
export { maskBox, type MaskBox } from './mask-box.js';
export { openModel, type OpenedModel } from './open-model.js';
export { resolveSaliencyInputs, type SaliencyInput } from './saliency-inputs.js';
export { exportSaliency, SALIENCY_FILES, type SaliencyExportOptions, type SaliencyExportResult, type SaliencyRecord } from './saliency-export.js';
export { writeRunReport, REPORT_FILE, type RunReportOptions } from './run-report.js';
export { maskToOriginal, binaryToOriginal, type OriginalFrameMask } from './mask-to-original.js';
export { softmaxTop1 } from './top1.js';
