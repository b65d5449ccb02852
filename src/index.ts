// casm-native's public API: `import { … } from 'casm-native'`.

export type { CaseResult, Check } from './conformance/result.js';
export type { SuiteResult } from './conformance/run.js';
export { runConformance } from './conformance/run.js';
export type { Region, TransformKind, TransformPlan } from './data/transform-geometry.js';
// Types the functions above take or return, exported so that callers can name them (and the API
// reference, `npm run docs:api`, can document them).
export type { Box, Dataset, ImageBatch, Sample, SkipRecord } from './data/types.js';
// Evaluation and outputs: `eval`, `saliency`, `report`.
export * from './eval/index.js';
export type { ResizeMode } from './metrics/ground-truth-boxes.js';
export type { ComponentScratch } from './metrics/largest-component.js';
export type { MaskStatistics, MaskStatisticsSummary } from './metrics/mask-statistics.js';
export type { LocalisationSummary, MaskScore } from './metrics/score-mask.js';
export type { PixelBox } from './metrics/tight-box.js';
export type { AddonDecision, CandidateKind, CandidateVerdict } from './native/addon-decision.js';
export {
  IMPORT_WEIGHTS_DEFAULTS,
  importWeightsOptions,
  MODEL_DEFAULTS,
  modelOptions,
  PROCESS_GROUP_DEFAULTS,
  processGroupOptions,
  SALIENCY_DEFAULTS,
  STEP_DEFAULTS,
  saliencyOptions,
  stepOptions,
  TRAINER_DEFAULTS,
  trainerOptions,
} from './native/defaults.js';
export type { DoctorReport, GpuInfo } from './native/doctor.js';
export { doctorReport } from './native/doctor.js';
export type { LibTorchDetection, LibTorchInstall, LibTorchSource } from './native/libtorch-detect.js';
// Native models and the fused training step.
export { DisposedError, Model, Trainer } from './native/model.js';
export type { SourceBuildResult } from './native/source-build.js';
export type {
  ActivationMapLayer,
  ActivationMapMethod,
  ActivationMapOptions,
  ActivationMapResult,
  Arch,
  Batch,
  ImportWeightsOptions,
  ModelInfo,
  ModelOptions,
  NativeAddon,
  NativeImportWeightsOptions,
  NativeModel,
  NativeModelOptions,
  NativeProcessGroup,
  NativeProcessGroupOptions,
  NativeSaliencyOptions,
  NativeStepOptions,
  NativeTrainer,
  NativeTrainerOptions,
  PretrainStepOptions,
  PretrainStepStats,
  ProcessGroupOptions,
  SaliencyOptions,
  SaliencyResult,
  StepOptions,
  StepStats,
  TrainerOptions,
} from './native/types.js';
export { ARCHS } from './native/types.js';
export type { OnnxExportOptions } from './onnx/export.js';
export { exportOnnx, ONNX_METADATA, writeOnnx } from './onnx/export.js';
export type { OnnxModelInfo, OnnxModelOptions } from './onnx/runtime.js';
export { OnnxModel, OnnxRuntimeMissingError } from './onnx/runtime.js';
export type { Diagnosis, DiagnosisCode } from './train/diagnosis.js';
// Training.
export * from './train/index.js';
export type { LambdaAdjustment, MaskAreaTargetOptions } from './train/mask-area-target.js';
export type { SelectBy, SelectByFlag, SelectionScore } from './train/model-selection.js';
export type { PoolOptions } from './train/policies/snapshot-pool.js';
export type { Rng, RngState } from './train/rng.js';
export type { LearningRates } from './train/schedule.js';
export type { Rgb } from './viz/draw-box.js';
export { drawBox, GROUND_TRUTH_BOX_COLOUR, PREDICTED_BOX_COLOUR } from './viz/draw-box.js';
export { heatmapOverlay, jet, maskToGrey } from './viz/heatmap.js';
export {
  INPAINT_RADIUS,
  inpaintedMaskedOut,
  type MaskedImages,
  maskedImages,
  maskedIn,
  maskedOut,
} from './viz/masked-images.js';
export type { ReportGridRow, ReportMaskStatsRow, ReportMetricsRow } from './viz/report-html.js';
export { type ReportData, renderReportHtml } from './viz/report-html.js';
