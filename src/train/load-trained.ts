// Opens the model a training run produced, for saliency or evaluation: from a run folder (its final
// model.safetensors, or the newest checkpoint while it is still training) or from one checkpoint
// folder. The architecture comes from the weights file's metadata and the class list from the
// checkpoint's state.json, so nothing has to be restated by the caller.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Model } from '../native/model.js';
import { resolveCheckpointDir, STATE_FILE } from './checkpoint-store.js';
import type { TrainConfig } from './config.js';
import { FINAL_WEIGHTS_FILE } from './loop.js';
import { parseTrainState } from './train-state.js';

/** A trained model reopened from a run folder, with the class ids its outputs are indexed by. */
export interface TrainedModel {
  model: Model;
  config: TrainConfig;
  /** Class ids in label order (index = logit). */
  classIds: string[];
  /** The weights file that was loaded. */
  weights: string;
  /** Steps the weights were trained for. */
  step: number;
}

/** Opens the weights of a finished run (or one of its checkpoints) as a {@link Model}. Call `model.dispose()` when done. */
export async function loadTrainedModel(dir: string, opts: { device?: string } = {}): Promise<TrainedModel> {
  const checkpoint = await resolveCheckpointDir(dir);
  const state = parseTrainState(
    await fs.readFile(path.join(checkpoint, STATE_FILE), 'utf8'),
    path.join(checkpoint, STATE_FILE),
  );
  // A finished run's final weights are at least as new as its last checkpoint.
  const final = path.join(path.resolve(dir), FINAL_WEIGHTS_FILE);
  const weights = (await isFile(final)) ? final : path.join(checkpoint, FINAL_WEIGHTS_FILE);
  const model = await Model.load(weights, { device: opts.device ?? state.config.device });
  return { model, config: state.config, classIds: state.classIds, weights, step: state.step };
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isFile();
  } catch {
    return false;
  }
}
