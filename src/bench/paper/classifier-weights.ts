// Hands a trained classifier to later runs as their f(0). The file uses torchvision's names (no
// "classifier." prefix) on purpose: the weight importer then loads it into the classifier *and*,
// for the not-shared ablation, into the separate encoder, exactly as a torchvision .pth would be.
// Our model.safetensors cannot serve: it also carries the decoder, which must start fresh.
import { rename, writeFile } from 'node:fs/promises';
import { Model } from '../../native/model.js';
import { encodeSafetensors } from '../../util/safetensors.js';

const PREFIX = 'classifier.';

/** Writes the classifier of `model` under torchvision's names; returns the number of tensors. */
export async function writeClassifierWeights(
  model: Model,
  out: string,
  metadata: Record<string, string>,
): Promise<number> {
  const tensors = await model.stateDict(PREFIX);
  const renamed = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, t] of Object.entries(tensors)) renamed.set(name.slice(PREFIX.length), t);
  if (renamed.size === 0) throw new Error('the model has no classifier tensors');
  const partial = `${out}.partial`;
  await writeFile(partial, encodeSafetensors(renamed, metadata));
  await rename(partial, out);
  return renamed.size;
}

/** The classifier of a finished run (its model.safetensors). */
export async function exportClassifierWeights(modelWeights: string, out: string): Promise<number> {
  return writeClassifierWeights(await Model.load(modelWeights), out, { source: modelWeights });
}
