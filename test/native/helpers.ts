// Shared helpers for tests that run the real addon: small models and deterministic batches.
import { Model, Trainer } from '../../src/native/model.js';
import type { Batch, ModelOptions, TrainerOptions } from '../../src/native/types.js';

export const SMALL: ModelOptions = { arch: 'custom', block: 'basic', layers: [1, 1, 1, 1], numClasses: 5, seed: 1 };

/** A seeded xorshift32 stream of uint32 values: cheap, fixed test inputs (not the product's RNG). */
export function xorshift32(seed: number): () => number {
  let s = (seed * 2654435761) >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

/** A deterministic uint8 NHWC batch with some structure (not constant, so BN statistics vary). */
export function pixelBatch(n: number, h: number, w: number, seed = 0): Batch {
  const data = new Uint8Array(n * h * w * 3);
  const next = xorshift32(seed);
  for (let i = 0; i < data.length; i++) data[i] = (next() & 0xff) ^ ((i >> 6) & 0x3f);
  return { kind: 'uint8', data, n, h, w };
}

export function labelsFor(n: number, classes: number, offset = 0): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => (i + offset) % classes);
}

export async function smallTrainer(
  model: ModelOptions = SMALL,
  opts: TrainerOptions = { lambdaR: 10 },
): Promise<{ model: Model; trainer: Trainer }> {
  const m = await Model.create(model);
  return { model: m, trainer: new Trainer(m, opts) };
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}
