// casm-native's public API: `import { … } from 'casm-native'`.

// Native models and the fused training step.
export { Model, Trainer, DisposedError } from './native/model.js';
export { ARCHS } from './native/types.js';
export { IMPORT_WEIGHTS_DEFAULTS, MODEL_DEFAULTS, PROCESS_GROUP_DEFAULTS, SALIENCY_DEFAULTS, STEP_DEFAULTS, TRAINER_DEFAULTS } from './native/defaults.js';
export { importWeightsOptions, modelOptions, processGroupOptions, saliencyOptions, stepOptions, trainerOptions } from './native/defaults.js';
export type {
  Arch,
  Batch,
  ImportWeightsOptions,
  ModelInfo,
  ModelOptions,
  SaliencyOptions,
  SaliencyResult,
  StepOptions,
  StepStats,
  PretrainStepOptions,
  PretrainStepStats,
  TrainerOptions,
  NativeProcessGroup,
  ProcessGroupOptions,
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

// Types the functions above take or return, exported so that callers can name them (and the API
// reference, `npm run docs:api`, can document them).
export type { Box, Dataset, ImageBatch, Sample, SkipRecord } from './data/types.js';
export type { Region, TransformKind, TransformPlan } from './data/transform-geometry.js';
export type { ResizeMode } from './metrics/ground-truth-boxes.js';
export type { MaskStatistics, MaskStatisticsSummary } from './metrics/mask-statistics.js';
export type { LocalisationSummary, MaskScore } from './metrics/score-mask.js';
export type { PixelBox } from './metrics/tight-box.js';
export type { ComponentScratch } from './metrics/largest-component.js';
export type { AddonDecision, CandidateKind, CandidateVerdict } from './native/addon-decision.js';
export type { LibTorchDetection, LibTorchInstall, LibTorchSource } from './native/libtorch-detect.js';
export type { SourceBuildResult } from './native/source-build.js';
export type {
  NativeAddon,
  NativeImportWeightsOptions,
  NativeModel,
  NativeModelOptions,
  NativeProcessGroupOptions,
  NativeSaliencyOptions,
  NativeStepOptions,
  NativeTrainer,
  NativeTrainerOptions,
} from './native/types.js';
export type { Rng, RngState } from './train/rng.js';
export type { LambdaAdjustment, MaskAreaTargetOptions } from './train/mask-area-target.js';
export type { LearningRates } from './train/schedule.js';
export type { PoolOptions } from './train/policies/snapshot-pool.js';
export type { ReportGridRow, ReportMaskStatsRow, ReportMetricsRow } from './viz/report-html.js';
export type { Rgb } from './viz/draw-box.js';
