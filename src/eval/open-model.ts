// Opens the model behind a --checkpoint or --classifiers argument: a run folder (its final weights),
// a checkpoint folder, or a bare model.safetensors. Folders also tell the class list and the image
// size the model was trained at; a bare weights file only tells the architecture.
import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { Model } from '../native/model.js';
import type { TrainConfig } from '../train/config.js';
import { loadTrainedModel } from '../train/load-trained.js';
import { METRICS_FILE } from '../train/metrics-log.js';

/** A model opened by {@link openModel}, with its class ids and input size where the source tells them. */
export interface OpenedModel {
  model: Model;
  /** What the user passed, resolved. */
  source: string;
  /** Class ids in logit order, when the source says. */
  classIds: string[] | null;
  /** The training image size, when the source says. */
  imageSize: number | null;
  /** The run folder when `source` is one (it has the training log). */
  runDir: string | null;
  /** Dataset and validation split the run trained on, when known. */
  trainedOn: { data: string; valSplit: string | null } | null;
  /** The run's full training configuration and the steps its weights were trained for, when known. */
  training: { config: TrainConfig; step: number; weights: string } | null;
}

/** Opens a model from a run folder, a checkpoint folder or a weights file. */
export async function openModel(source: string, opts: { device?: string } = {}): Promise<OpenedModel> {
  const resolved = path.resolve(source);
  if (!existsSync(resolved)) throw new Error(`${source}: no such file or folder`);
  if (statSync(resolved).isFile()) {
    const model = await Model.load(resolved, { device: opts.device });
    return { model, source: resolved, classIds: null, imageSize: null, runDir: null, trainedOn: null, training: null };
  }
  const trained = await loadTrainedModel(resolved, { device: opts.device });
  return {
    model: trained.model,
    source: resolved,
    classIds: trained.classIds,
    imageSize: trained.config.imageSize,
    runDir: isRunDir(resolved) ? resolved : null,
    trainedOn: { data: trained.config.data, valSplit: trained.config.valSplit },
    training: { config: trained.config, step: trained.step, weights: trained.weights },
  };
}

/** A run folder is the one that holds the training log. */
export function isRunDir(dir: string): boolean {
  return existsSync(path.join(dir, METRICS_FILE));
}
