// casm-native's public API: `import { … } from 'casm-native'`.

// Native models and the fused training step.
export { Model, Trainer, DisposedError } from './native/model.js';
export type {
  Arch,
  Batch,
  ModelInfo,
  ModelOptions,
  SaliencyResult,
  StepOptions,
  StepStats,
  TrainerOptions,
} from './native/types.js';
export { doctorReport } from './native/doctor.js';
export type { DoctorReport, GpuInfo } from './native/doctor.js';
export { runConformance } from './conformance/run.js';
export type { SuiteResult } from './conformance/run.js';
export type { CaseResult, Check } from './conformance/result.js';

// Training.
export * from './train/index.js';

// Evaluation and outputs: `eval`, `saliency`, `report`.
export * from './eval/index.js';
export { maskedIn, maskedOut, inpaintedMaskedOut, maskedImages, INPAINT_RADIUS, type MaskedImages } from './viz/masked-images.js';
export { heatmapOverlay, maskToGrey, jet } from './viz/heatmap.js';
export { drawBox, PREDICTED_BOX_COLOUR, GROUND_TRUTH_BOX_COLOUR } from './viz/draw-box.js';
export { renderReportHtml, type ReportData } from './viz/report-html.js';
