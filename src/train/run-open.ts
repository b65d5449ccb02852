// Opening a run: a new one (its configuration resolved and validated, its folder must not hold a
// run already) or a resumed one (the checkpoint's configuration, with the few knobs that may change
// on resume taken from the caller).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import {
  checkpointsRoot,
  LATEST_POINTER,
  resolveCheckpointDir,
  runDirOfCheckpoint,
  STATE_FILE,
} from './checkpoint-store.js';
import type { TrainConfig, TrainConfigInput } from './config.js';
import { RESUME_OVERRIDABLE, resolveTrainConfig, TRAIN_DEFAULTS, validateTrainConfig } from './config.js';
import type { TrainState } from './train-state.js';
import { parseTrainState } from './train-state.js';

/** The file a run folder keeps its configuration in. */
export const CONFIG_FILE = 'config.json';

export interface OpenedRun {
  config: TrainConfig;
  runDir: string;
  /** The checkpoint to continue from, when resuming. */
  resume: { dir: string; state: TrainState } | null;
}

/**
 * `writes` (default true): whether this process creates the run folder and its config.json; in
 * data-parallel training only rank 0 does, the other ranks open the same run without writing.
 */
export async function openRun(
  input: TrainConfigInput | TrainConfig,
  resume: string | undefined,
  { writes = true } = {},
): Promise<OpenedRun> {
  if (resume) {
    const dir = await resolveCheckpointDir(resume);
    const stateFile = path.join(dir, STATE_FILE);
    const state = parseTrainState(await fs.readFile(stateFile, 'utf8'), stateFile);
    const runDir = runDirOfCheckpoint(dir);
    return { config: applyResumeOverrides(state.config, input), runDir, resume: { dir, state } };
  }
  const config = resolveTrainConfig(input);
  const runDir = path.resolve(config.out);
  await refuseExistingRun(runDir);
  if (writes) {
    await fs.mkdir(runDir, { recursive: true });
    await fs.writeFile(path.join(runDir, CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`);
  }
  return { config, runDir, resume: null };
}

/** A fresh run must not write into a folder that already holds one: that is what --resume is for. */
async function refuseExistingRun(runDir: string): Promise<void> {
  try {
    await fs.access(path.join(checkpointsRoot(runDir), LATEST_POINTER));
  } catch {
    return;
  }
  throw new Error(
    `${runDir} already holds a training run; continue it with --resume ${runDir}, or choose another --out`,
  );
}

function applyResumeOverrides(saved: TrainConfig, input: Partial<TrainConfig>): TrainConfig {
  // Checkpoints from before a knob existed trained with what is now its default (crop scale: the
  // spec's range, which was the default then; selection: the last model).
  const config: TrainConfig = {
    ...TRAIN_DEFAULTS,
    ...saved,
    cropScale: saved.cropScale ?? [0.08, 1],
    selectBy: saved.selectBy ?? 'last',
  };
  for (const key of RESUME_OVERRIDABLE) {
    const value = input[key];
    if (value !== undefined) (config as unknown as Record<string, unknown>)[key] = value;
  }
  validateTrainConfig(config);
  return config;
}
