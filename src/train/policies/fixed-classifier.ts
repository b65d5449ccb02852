// Preset F (the Baseline): the classifier is fixed and is always its own adversary. No pool.
import { NoPoolPolicy } from './no-pool.js';

/** Preset F: a fixed classifier that is its own adversary. */
export class FixedClassifierPolicy extends NoPoolPolicy {
  readonly kind = 'fixed' as const;
}
