// Step learning-rate schedule of the authors' code: both learning rates are multiplied by 0.1 every
// `decayEvery` epochs (20 of 60 by default). Epochs count from 0.

/** The classifier's and the mask decoder's learning rates. */
export interface LearningRates {
  lr: number;
  lrMapping: number;
}

/** The learning rates of an epoch: the base rates ×0.1 every `decayEvery` epochs (0: no decay). */
export function learningRatesForEpoch(epoch: number, base: LearningRates, decayEvery: number): LearningRates {
  if (!(Number.isInteger(epoch) && epoch >= 0))
    throw new RangeError(`epoch must be a non-negative integer, got ${epoch}`);
  // decayEvery <= 0 switches the decay off.
  const factor = decayEvery > 0 ? 0.1 ** Math.floor(epoch / decayEvery) : 1;
  return { lr: base.lr * factor, lrMapping: base.lrMapping * factor };
}

/**
 * Learning rate of classifier pretraining at step `t` of `total`: a linear warm-up over the first
 * 5% of the steps (a ResNet trained from scratch at a high rate needs it), then cosine decay to 0,
 * which gets the most accuracy out of a short, fixed budget.
 */
export function pretrainLearningRate(t: number, total: number, peak: number): number {
  if (!(Number.isInteger(t) && t >= 0 && t < total))
    throw new RangeError(`pretraining step ${t} is outside 0..${total - 1}`);
  const warmup = Math.max(1, Math.round(0.05 * total));
  if (t < warmup) return (peak * (t + 1)) / warmup;
  const progress = (t - warmup) / Math.max(1, total - warmup);
  return 0.5 * peak * (1 + Math.cos(Math.PI * progress));
}
