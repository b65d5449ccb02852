// The training half of the public API (re-exported by src/index.ts).

export { resolveCheckpointDir } from './checkpoint-store.js';
export type { TrainConfig, TrainConfigInput } from './config.js';
export { RESUME_OVERRIDABLE, resolveTrainConfig, TRAIN_DEFAULTS, validateTrainConfig } from './config.js';
export type { TrainData } from './data-source.js';
export type { DistributedRun } from './distributed.js';
export type {
  CheckpointReason,
  PretrainSummary,
  RunLocalisation,
  TrainEvent,
  TrainEventType,
  ValidationSummary,
} from './events.js';
export type { TrainedModel } from './load-trained.js';
export { loadTrainedModel } from './load-trained.js';
export type { TrainOptions, TrainResult } from './loop.js';
export { CONFIG_FILE, FINAL_WEIGHTS_FILE, train } from './loop.js';
export { adjustLambdaR } from './mask-area-target.js';
export type { PolicyKind, PolicyOptions, PolicyState, SnapshotDecision, ThinningPolicy } from './policies/index.js';
export {
  CURRENT_CLASSIFIER,
  CurrentClassifierPolicy,
  createPolicy,
  EveryNPolicy,
  FirstSnapshotPolicy,
  FixedClassifierPolicy,
} from './policies/index.js';
export type { Preset, PresetName, ScoreName } from './presets.js';
export { DEFAULT_PRESET, getPreset, PRESETS } from './presets.js';
export type { ProgressMode, ProgressRenderer } from './progress.js';
export { createProgressRenderer, pickProgressMode } from './progress.js';
export type { StatsSummary } from './running-stats.js';
export { learningRatesForEpoch } from './schedule.js';
