// state.json of a checkpoint: everything TypeScript-side that a resumed run needs to continue
// exactly where the checkpoint was taken. Native state (weights, BN statistics, optimiser moments,
// pooled snapshots) is in the safetensors files next to it.
import type { TrainConfig } from './config.js';
import type { PolicyState } from './policies/index.js';
import type { RunningStatsState } from './running-stats.js';
import type { PretrainState } from './pretrain.js';
import type { MaskAreaControllerState } from './mask-area-target.js';

export const TRAIN_STATE_FORMAT = 'casm-native/train-state';
/** Version 2 added the pretraining phase and the in-epoch λr controller; version 1 files still load. */
export const TRAIN_STATE_VERSION = 2;
const READABLE_VERSIONS = [1, 2];

export type TrainPhase = 'pretrain' | 'casm';

export interface TrainState {
  format: typeof TRAIN_STATE_FORMAT;
  version: number;
  /** Steps completed; the next step has this index. */
  step: number;
  /**
   * Where the next batch comes from: the phase (absent in version 1: 'casm') and the epoch and batch
   * within it. batch may equal the epoch's batch count (validation pending).
   */
  position: { phase?: TrainPhase; epoch: number; batch: number };
  config: TrainConfig;
  /** Current λr (differs from config.lambdaR under --target-mask-area). */
  lambdaR: number;
  policy: PolicyState;
  /** Sums of the epoch in progress, so the epoch record matches an uninterrupted run. */
  epochStats: RunningStatsState;
  /** Sums of the metrics-log interval in progress. */
  intervalStats: RunningStatsState;
  /** Pretraining's step count and sums (runs with pretrainEpochs > 0). */
  pretrain?: PretrainState;
  /** The λr controller's open window (runs with a target mask area). */
  maskArea?: MaskAreaControllerState;
  /** Classes of the training set, to refuse resuming on a different dataset. */
  classIds: string[];
  /**
   * Processes that trained the run (data-parallel; absent in older checkpoints: 1). A resume must
   * use as many, so that batches are split and statistics averaged as before.
   */
  worldSize?: number;
  /** Seconds of training before this checkpoint, across all resumes. */
  elapsedSeconds: number;
  savedAt: string;
}

export function serializeTrainState(state: TrainState): string {
  return `${JSON.stringify(state, null, 2)}\n`;
}

export function parseTrainState(text: string, origin: string): TrainState {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`${origin}: not JSON (${(err as Error).message})`);
  }
  const s = value as Partial<TrainState> | null;
  if (!s || s.format !== TRAIN_STATE_FORMAT) throw new Error(`${origin}: not a casm-native training checkpoint`);
  if (!READABLE_VERSIONS.includes(s.version as number)) throw new Error(`${origin}: checkpoint format version ${s.version}, this build reads ${TRAIN_STATE_VERSION}`);
  if (!Number.isInteger(s.step) || !s.position || !s.config || !s.policy || typeof s.lambdaR !== 'number' || !s.epochStats || !s.intervalStats || !Array.isArray(s.classIds)) {
    throw new Error(`${origin}: incomplete training state`);
  }
  return s as TrainState;
}
