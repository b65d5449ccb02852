// Preset F (the Baseline): the classifier is fixed and is always its own adversary. No pool.
import type { PolicyState, SnapshotDecision, ThinningPolicy } from './types.js';
import { CURRENT_CLASSIFIER } from './types.js';

export class FixedClassifierPolicy implements ThinningPolicy {
  readonly kind = 'fixed' as const;

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
    if (state.kind !== this.kind) throw new Error(`policy state of kind '${state.kind}' given to a '${this.kind}' policy`);
  }
}
