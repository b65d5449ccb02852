// state.json of a checkpoint: everything TypeScript-side that a resumed run needs to continue
// exactly where the checkpoint was taken. Native state (weights, BN statistics, optimiser moments,
// pooled snapshots) is in the safetensors files next to it.
import type { TrainConfig } from './config.js';
import type { RunDiagnosisState } from './diagnosis.js';
import type { MaskAreaControllerState } from './mask-area-target.js';
import { checkSelectionState, type ModelSelectionState } from './model-selection.js';
import type { PolicyState } from './policies/index.js';
import type { PretrainState } from './pretrain.js';
import type { RunningStatsState } from './running-stats.js';

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
  /** The diagnosis's findings and counters (src/train/diagnosis.ts). */
  diagnosis?: RunDiagnosisState;
  /** The best model so far by validation LE (runs that select by it; src/train/model-selection.ts). */
  selection?: ModelSelectionState;
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

/**
 * Parses and checks a state.json. Every field a resumed run computes with is checked for its type
 * and range here, so a damaged or hand-edited file is refused up front, naming the field, instead
 * of resuming into a run that trains nothing and writes a checkpoint that resume then refuses.
 */
export function parseTrainState(text: string, origin: string): TrainState {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`${origin}: not JSON (${(err as Error).message})`);
  }
  const s = value as Partial<TrainState> | null;
  if (!isObject(s) || s.format !== TRAIN_STATE_FORMAT)
    throw new Error(`${origin}: not a casm-native training checkpoint`);
  if (!READABLE_VERSIONS.includes(s.version as number))
    throw new Error(`${origin}: checkpoint format version ${s.version}, this build reads ${TRAIN_STATE_VERSION}`);
  const bad = (field: string, expected: string, got: unknown) =>
    new Error(
      `${origin}: field ${field} must be ${expected} (got ${JSON.stringify(got) ?? 'nothing'}); the checkpoint is damaged`,
    );
  const count = (field: string, v: unknown) => {
    if (!(Number.isSafeInteger(v) && (v as number) >= 0)) throw bad(field, 'a non-negative integer', v);
  };
  count('step', s.step);
  if (!isObject(s.position)) throw bad('position', 'an object {epoch, batch}', s.position);
  count('position.epoch', s.position.epoch);
  count('position.batch', s.position.batch);
  if (s.position.phase !== undefined && s.position.phase !== 'pretrain' && s.position.phase !== 'casm')
    throw bad('position.phase', "'pretrain' or 'casm'", s.position.phase);
  if (!isObject(s.config)) throw bad('config', 'an object', s.config);
  if (!isObject(s.policy)) throw bad('policy', 'an object', s.policy);
  if (!(typeof s.lambdaR === 'number' && Number.isFinite(s.lambdaR) && s.lambdaR >= 0))
    throw bad('lambdaR', 'a finite non-negative number', s.lambdaR);
  const numbers = (field: string, o: unknown) => {
    if (!isObject(o)) throw bad(field, 'an object', o);
    for (const [name, v] of Object.entries(o)) {
      if (!(typeof v === 'number' && Number.isFinite(v))) throw bad(`${field}.${name}`, 'a finite number', v);
    }
  };
  numbers('epochStats', s.epochStats);
  numbers('intervalStats', s.intervalStats);
  // Version 2: the pretraining phase and the λr controller's window, when the run has them.
  if (s.pretrain !== undefined) {
    if (!isObject(s.pretrain)) throw bad('pretrain', 'an object', s.pretrain);
    count('pretrain.steps', s.pretrain.steps);
    numbers('pretrain.epochStats', s.pretrain.epochStats);
    numbers('pretrain.intervalStats', s.pretrain.intervalStats);
  }
  if (s.maskArea !== undefined) numbers('maskArea', s.maskArea);
  if (s.selection !== undefined) checkSelectionState(s.selection, bad);
  if (s.diagnosis !== undefined && !isObject(s.diagnosis)) throw bad('diagnosis', 'an object', s.diagnosis);
  if (!Array.isArray(s.classIds) || s.classIds.length === 0 || !s.classIds.every((c) => typeof c === 'string')) {
    throw bad('classIds', 'a non-empty array of strings', s.classIds);
  }
  if (!(typeof s.elapsedSeconds === 'number' && Number.isFinite(s.elapsedSeconds) && s.elapsedSeconds >= 0)) {
    throw bad('elapsedSeconds', 'a finite non-negative number', s.elapsedSeconds);
  }
  return s as TrainState;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
