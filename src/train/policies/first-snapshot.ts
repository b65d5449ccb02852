// Preset FL: the pool holds only the first snapshot (taken after the first clean step, when the pool
// is empty); the adversary is that early classifier with probability hp, else the current one.

import type { PoolOptions } from './snapshot-pool.js';
import { SnapshotPoolPolicy } from './snapshot-pool.js';
import type { SnapshotDecision } from './types.js';

/** Preset FL: the adversary is the first snapshot or the current classifier. */
export class FirstSnapshotPolicy extends SnapshotPoolPolicy {
  readonly kind = 'first' as const;

  constructor(opts: Omit<PoolOptions, 'capacity'>) {
    super({ ...opts, capacity: 1 });
  }

  decide(_step: number): SnapshotDecision {
    return this.pool.length === 0 ? this.take() : {};
  }

  protected every(): number | null {
    return null;
  }
}
