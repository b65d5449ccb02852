// Preset F (the Baseline): the classifier is fixed and is always its own adversary. No pool.
import { NoPoolPolicy } from './no-pool.js';

export class FixedClassifierPolicy extends NoPoolPolicy {
  readonly kind = 'fixed' as const;
}
