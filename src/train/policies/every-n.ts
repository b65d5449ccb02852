// Presets L100 / L1000 (L-every-N): after the clean step, a snapshot is taken when the pool is empty
// or when (step + 1) % N == 0; when the pool is full a uniformly random pooled snapshot is replaced.

import type { PoolOptions } from './snapshot-pool.js';
import { SnapshotPoolPolicy } from './snapshot-pool.js';
import type { SnapshotDecision } from './types.js';

/** Presets L100 and L1000: a snapshot every N steps into a bounded pool. */
export class EveryNPolicy extends SnapshotPoolPolicy {
  readonly kind = 'every' as const;
  private readonly interval: number;

  constructor(opts: PoolOptions & { every: number }) {
    super(opts);
    if (!(Number.isInteger(opts.every) && opts.every >= 1))
      throw new RangeError(`snapshot interval must be a positive integer, got ${opts.every}`);
    this.interval = opts.every;
  }

  decide(step: number): SnapshotDecision {
    if (this.pool.length === 0 || (step + 1) % this.interval === 0) return this.take();
    return {};
  }

  protected every(): number | null {
    return this.interval;
  }
}
