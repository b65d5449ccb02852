// The training half of the public API (re-exported by src/index.ts).
export { train, FINAL_WEIGHTS_FILE, CONFIG_FILE } from './loop.js';
export type { TrainOptions, TrainResult } from './loop.js';
export { resolveTrainConfig, validateTrainConfig, TRAIN_DEFAULTS, RESUME_OVERRIDABLE } from './config.js';
export type { TrainConfig, TrainConfigInput } from './config.js';
export { PRESETS, DEFAULT_PRESET, getPreset } from './presets.js';
export type { Preset, PresetName, ScoreName } from './presets.js';
export { learningRatesForEpoch } from './schedule.js';
export { adjustLambdaR } from './mask-area-target.js';
export { createPolicy, CURRENT_CLASSIFIER, FixedClassifierPolicy, CurrentClassifierPolicy, FirstSnapshotPolicy, EveryNPolicy } from './policies/index.js';
export type { ThinningPolicy, PolicyState, PolicyKind, SnapshotDecision, PolicyOptions } from './policies/index.js';
export { resolveCheckpointDir } from './checkpoint-store.js';
export { loadTrainedModel } from './load-trained.js';
export type { TrainedModel } from './load-trained.js';
export { createProgressRenderer, pickProgressMode } from './progress.js';
export type { ProgressMode, ProgressRenderer } from './progress.js';
export type { TrainEvent, TrainEventType, ValidationSummary, RunLocalisation, PretrainSummary, CheckpointReason } from './events.js';
export type { StatsSummary } from './running-stats.js';
export type { TrainData } from './data-source.js';
