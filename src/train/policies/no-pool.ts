// The policies without a pool (F and L): no snapshot is ever taken and the adversary is always
// the current classifier. They differ only in their kind (what the trainer does with the classifier).
import type { PolicyState, SnapshotDecision, ThinningPolicy } from './types.js';
import { CURRENT_CLASSIFIER } from './types.js';

export abstract class NoPoolPolicy implements ThinningPolicy {
  abstract readonly kind: 'fixed' | 'current';

  decide(_step: number): SnapshotDecision {
    return {};
  }

  sampleAdversary(): number {
    return CURRENT_CLASSIFIER;
  }

  poolIds(): readonly number[] {
    return [];
  }

  state(): PolicyState {
    return { kind: this.kind, hp: 0, every: null, capacity: 0, pool: [], nextId: 0, rng: null };
  }

  restore(state: PolicyState): void {
    if (state.kind !== this.kind)
      throw new Error(`policy state of kind '${state.kind}' given to a '${this.kind}' policy`);
  }
}
