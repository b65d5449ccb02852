// Step learning-rate schedule of the authors' code: both learning rates are multiplied by 0.1 every
// `decayEvery` epochs (20 of 60 by default). Epochs count from 0.

export interface LearningRates {
  lr: number;
  lrMapping: number;
}

export function learningRatesForEpoch(epoch: number, base: LearningRates, decayEvery: number): LearningRates {
  if (!(Number.isInteger(epoch) && epoch >= 0)) throw new RangeError(`epoch must be a non-negative integer, got ${epoch}`);
  // decayEvery <= 0 switches the decay off.
  const factor = decayEvery > 0 ? Math.pow(0.1, Math.floor(epoch / decayEvery)) : 1;
  return { lr: base.lr * factor, lrMapping: base.lrMapping * factor };
}
