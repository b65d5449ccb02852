// state.json of a checkpoint: everything TypeScript-side that a resumed run needs to continue
// exactly where the checkpoint was taken. Native state (weights, BN statistics, optimiser moments,
// pooled snapshots) is in the safetensors files next to it.
import type { TrainConfig } from './config.js';
import type { PolicyState } from './policies/index.js';
import type { RunningStatsState } from './running-stats.js';

export const TRAIN_STATE_FORMAT = 'casm-native/train-state';
export const TRAIN_STATE_VERSION = 1;

export interface TrainState {
  format: typeof TRAIN_STATE_FORMAT;
  version: number;
  /** Steps completed; the next step has this index. */
  step: number;
  /** Where the next batch comes from. batch may equal the epoch's batch count (validation pending). */
  position: { epoch: number; batch: number };
  config: TrainConfig;
  /** Current λr (differs from config.lambdaR under --target-mask-area). */
  lambdaR: number;
  policy: PolicyState;
  /** Sums of the epoch in progress, so the epoch record matches an uninterrupted run. */
  epochStats: RunningStatsState;
  /** Sums of the metrics-log interval in progress. */
  intervalStats: RunningStatsState;
  /** Classes of the training set, to refuse resuming on a different dataset. */
  classIds: string[];
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
  if (!isObject(s) || s.format !== TRAIN_STATE_FORMAT) throw new Error(`${origin}: not a casm-native training checkpoint`);
  if (s.version !== TRAIN_STATE_VERSION) throw new Error(`${origin}: checkpoint format version ${s.version}, this build reads ${TRAIN_STATE_VERSION}`);
  const bad = (field: string, expected: string, got: unknown) =>
    new Error(`${origin}: field ${field} must be ${expected} (got ${JSON.stringify(got) ?? 'nothing'}); the checkpoint is damaged`);
  const count = (field: string, v: unknown) => {
    if (!(Number.isSafeInteger(v) && (v as number) >= 0)) throw bad(field, 'a non-negative integer', v);
  };
  count('step', s.step);
  if (!isObject(s.position)) throw bad('position', 'an object {epoch, batch}', s.position);
  count('position.epoch', s.position.epoch);
  count('position.batch', s.position.batch);
  if (!isObject(s.config)) throw bad('config', 'an object', s.config);
  if (!isObject(s.policy)) throw bad('policy', 'an object', s.policy);
  if (!(typeof s.lambdaR === 'number' && Number.isFinite(s.lambdaR) && s.lambdaR >= 0)) throw bad('lambdaR', 'a finite non-negative number', s.lambdaR);
  for (const key of ['epochStats', 'intervalStats'] as const) {
    const stats = s[key];
    if (!isObject(stats)) throw bad(key, 'an object', stats);
    for (const [name, v] of Object.entries(stats)) {
      if (!(typeof v === 'number' && Number.isFinite(v))) throw bad(`${key}.${name}`, 'a finite number', v);
    }
  }
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
