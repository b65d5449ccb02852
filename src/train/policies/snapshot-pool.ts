// What the pooled policies (FL and L-every-N) share: a bounded pool of snapshot ids, id allocation,
// and the adversary draw "with probability hp a uniformly chosen pooled snapshot, else the current
// classifier". Subclasses only decide when a snapshot is taken.
import { Rng } from '../rng.js';
import type { PolicyKind, PolicyState, SnapshotDecision, ThinningPolicy } from './types.js';
import { CURRENT_CLASSIFIER } from './types.js';

/** Settings of a snapshot pool: the chance of facing a pooled snapshot, and its capacity. */
export interface PoolOptions {
  /** Probability of facing a pooled snapshot rather than the current classifier. */
  hp: number;
  /** Pool capacity (30 in the paper). */
  capacity: number;
  /** Seeds the policy's own random stream. */
  seed: number;
}

/** The random stream a policy draws from; distinct from the data pipeline's streams. */
const POLICY_RNG_STREAM = 0x706f6f6c; // "pool"

export abstract class SnapshotPoolPolicy implements ThinningPolicy {
  abstract readonly kind: PolicyKind;
  protected readonly hp: number;
  protected readonly capacity: number;
  protected pool: number[] = [];
  protected nextId = 0;
  protected rng: Rng;

  constructor(opts: PoolOptions) {
    if (!(opts.hp >= 0 && opts.hp <= 1)) throw new RangeError(`hp must be in [0, 1], got ${opts.hp}`);
    if (!(Number.isInteger(opts.capacity) && opts.capacity >= 1))
      throw new RangeError(`pool capacity must be a positive integer, got ${opts.capacity}`);
    this.hp = opts.hp;
    this.capacity = opts.capacity;
    this.rng = new Rng(opts.seed, POLICY_RNG_STREAM);
  }

  abstract decide(step: number): SnapshotDecision;

  /** Every snapshot gets a fresh id; ids are never reused, so a stale id can only fail loudly. */
  protected take(): SnapshotDecision {
    const snapshotId = this.nextId++;
    if (this.pool.length < this.capacity) {
      this.pool.push(snapshotId);
      return { snapshotId };
    }
    const slot = this.rng.int(this.pool.length);
    const releaseId = this.pool[slot]!;
    this.pool[slot] = snapshotId;
    return { snapshotId, releaseId };
  }

  sampleAdversary(): number {
    if (this.pool.length === 0 || this.hp === 0) return CURRENT_CLASSIFIER;
    if (this.rng.next() >= this.hp) return CURRENT_CLASSIFIER;
    return this.pool[this.rng.int(this.pool.length)]!;
  }

  poolIds(): readonly number[] {
    return this.pool;
  }

  protected abstract every(): number | null;

  state(): PolicyState {
    return {
      kind: this.kind,
      hp: this.hp,
      every: this.every(),
      capacity: this.capacity,
      pool: [...this.pool],
      nextId: this.nextId,
      rng: this.rng.state(),
    };
  }

  restore(state: PolicyState): void {
    // A state from a differently configured policy would silently change the run: refuse it.
    if (
      state.kind !== this.kind ||
      state.hp !== this.hp ||
      state.capacity !== this.capacity ||
      state.every !== this.every()
    ) {
      throw new Error(
        `policy state (${state.kind}, hp ${state.hp}, every ${state.every}, capacity ${state.capacity}) does not match this policy ` +
          `(${this.kind}, hp ${this.hp}, every ${this.every()}, capacity ${this.capacity})`,
      );
    }
    if (
      state.pool.length > this.capacity ||
      state.pool.some((id) => !Number.isInteger(id) || id < 0 || id >= state.nextId)
    ) {
      throw new Error('policy state: pool ids are inconsistent with nextId/capacity');
    }
    if (!state.rng) throw new Error('policy state: missing RNG state');
    this.pool = [...state.pool];
    this.nextId = state.nextId;
    this.rng.restore(state.rng);
  }
}
