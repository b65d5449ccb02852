// Which samples an epoch visits, and in what order: a pure function of (n, seed, epoch, fraction),
// so an interrupted run that resumes at epoch e sees exactly the order it would have seen.
import { Random } from './random.js';

/** Stream tags keep the order, crop and replacement streams of one (seed, epoch) independent. */
export const STREAM_ORDER = 1;
export const STREAM_TRANSFORM = 2;
export const STREAM_REPLACEMENT = 3;

/** Samples per epoch when visiting `fraction` of `n` (at least one when n > 0). */
export function epochLength(n: number, fraction = 1): number {
  if (!(fraction > 0 && fraction <= 1)) throw new Error(`epoch fraction must be in (0, 1], got ${fraction}`);
  if (n === 0) return 0;
  return Math.max(1, Math.round(n * fraction));
}

/**
 * Dataset indices for one epoch: a fresh uniform permutation (Fisher–Yates) cut to
 * epochLength(n, fraction), so each epoch trains on a different random fraction. With
 * shuffle = false the first epochLength indices in dataset order.
 */
export function epochOrder(n: number, seed: number, epoch: number, fraction = 1, shuffle = true): Uint32Array {
  const length = epochLength(n, fraction);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (shuffle) {
    const rng = Random.stream(seed, epoch, STREAM_ORDER);
    // Only the first `length` places need to be drawn: the front of a partial Fisher–Yates shuffle
    // is already a uniform random sample in uniform random order.
    for (let i = 0; i < length && i < n - 1; i++) {
      const j = i + rng.int(n - i);
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
  }
  return order.subarray(0, length);
}
