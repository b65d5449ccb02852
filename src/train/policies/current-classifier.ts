// Preset L: the classifier is trained and the mask network always faces its latest version (hp = 0).
// Snapshots would never be sampled, so none are taken: that saves their memory and copy time.
import { NoPoolPolicy } from './no-pool.js';

/** Preset L: the adversary is always the current classifier. */
export class CurrentClassifierPolicy extends NoPoolPolicy {
  readonly kind = 'current' as const;
}
