// Preset L: the classifier is trained and the mask network always faces its latest version (hp = 0).
// Snapshots would never be sampled, so none are taken: that saves their memory and copy time.
import type { PolicyState, SnapshotDecision, ThinningPolicy } from './types.js';
import { CURRENT_CLASSIFIER } from './types.js';

export class CurrentClassifierPolicy implements ThinningPolicy {
  readonly kind = 'current' as const;

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
