// Builds the thinning policy a run asks for. The mapping from knobs to classes lives here so the
// loop and the CLI never branch on policy kinds themselves.
import { CurrentClassifierPolicy } from './current-classifier.js';
import { EveryNPolicy } from './every-n.js';
import { FirstSnapshotPolicy } from './first-snapshot.js';
import { FixedClassifierPolicy } from './fixed-classifier.js';
import type { ThinningPolicy } from './types.js';

export type { PolicyKind, PolicyState, SnapshotDecision, ThinningPolicy } from './types.js';
export { CURRENT_CLASSIFIER } from './types.js';
export { CurrentClassifierPolicy, EveryNPolicy, FirstSnapshotPolicy, FixedClassifierPolicy };

/** Settings from which {@link createPolicy} builds a thinning policy. */
export interface PolicyOptions {
  fixedClassifier: boolean;
  hp: number;
  /** 'first': keep only the first snapshot (FL); N: snapshot every N steps; null: never. */
  snapshotEvery: number | 'first' | null;
  poolSize: number;
  seed: number;
}

/** Builds the thinning policy a preset describes. */
export function createPolicy(opts: PolicyOptions): ThinningPolicy {
  if (opts.fixedClassifier) return new FixedClassifierPolicy();
  // With hp = 0 a pooled snapshot is never the adversary, so there is nothing to keep.
  if (opts.hp === 0 || opts.snapshotEvery === null) return new CurrentClassifierPolicy();
  if (opts.snapshotEvery === 'first') return new FirstSnapshotPolicy({ hp: opts.hp, seed: opts.seed });
  return new EveryNPolicy({ hp: opts.hp, capacity: opts.poolSize, every: opts.snapshotEvery, seed: opts.seed });
}
