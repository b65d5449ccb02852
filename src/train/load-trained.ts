// Opens the model a training run produced, for saliency or evaluation: from a run folder (its final
// model.safetensors, or the newest checkpoint while it is still training) or from one checkpoint
// folder. The architecture and class list come from the checkpoint's state.json, so nothing has to
// be restated by the caller.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { NativeAddon, NativeModel } from '../native/types.js';
import { STATE_FILE, resolveCheckpointDir } from './checkpoint-store.js';
import type { TrainConfig } from './config.js';
import { FINAL_WEIGHTS_FILE } from './loop.js';
import { parseTrainState } from './train-state.js';

export interface TrainedModel {
  model: NativeModel;
  config: TrainConfig;
  classIds: string[];
  /** The weights file that was loaded. */
  weights: string;
  /** Steps the weights were trained for. */
  step: number;
}

export async function loadTrainedModel(dir: string, opts: { addon?: NativeAddon; device?: string } = {}): Promise<TrainedModel> {
  const checkpoint = await resolveCheckpointDir(dir);
  const state = parseTrainState(await fs.readFile(path.join(checkpoint, STATE_FILE), 'utf8'), path.join(checkpoint, STATE_FILE));
  // A finished run's final weights are newer than or equal to its last checkpoint.
  const final = path.join(path.resolve(dir), FINAL_WEIGHTS_FILE);
  const weights = (await isFile(final)) ? final : path.join(checkpoint, FINAL_WEIGHTS_FILE);
  const addon = opts.addon ?? (await import('../native/loader.js')).loadAddon();
  const c = state.config;
  const model = new addon.Model({ arch: c.arch, numClasses: state.classIds.length, device: opts.device ?? c.device, separateEncoder: c.separateEncoder, seed: c.seed });
  await model.init();
  await model.importWeights(weights, { strict: true });
  return { model, config: c, classIds: state.classIds, weights, step: state.step };
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isFile();
  } catch {
    return false;
  }
}
