// The one interface every thinning policy implements. A policy decides, before each fused step,
// whether the native trainer should store a snapshot of the classifier (and which stored snapshot
// it replaces), then which classifier the mask network is trained against. Native code only stores
// snapshots by the ids chosen here, so the whole policy (and its randomness) is checkpointable from
// TypeScript.
import type { RngState } from '../rng.js';

/** The kinds of thinning policy. */
export type PolicyKind = 'fixed' | 'current' | 'first' | 'every';

/** What the native step should do with the pool after its clean classifier step. */
export interface SnapshotDecision {
  /** Store a snapshot of the classifier under this id. */
  snapshotId?: number;
  /** Release this pooled snapshot first (it is being replaced). */
  releaseId?: number;
}

/** The adversary id meaning "the current classifier" (StepOptions.adversary). */
export const CURRENT_CLASSIFIER = -1;

/** What a thinning policy stores in a checkpoint. */
export interface PolicyState {
  kind: PolicyKind;
  hp: number;
  /** Snapshot interval for 'every'; null otherwise. */
  every: number | null;
  capacity: number;
  /** Ids of the pooled snapshots, in slot order. */
  pool: number[];
  nextId: number;
  rng: RngState | null;
}

/** Decides, step by step, which adversary the mask network faces and which snapshots to take or release. */
export interface ThinningPolicy {
  readonly kind: PolicyKind;
  /** Called once per step, before the step runs; `step` counts from 0 over the whole run. */
  decide(step: number): SnapshotDecision;
  /** Called after decide() for the same step, so a snapshot taken this step may be chosen. */
  sampleAdversary(): number;
  /** Ids currently pooled (after the last decide()). */
  poolIds(): readonly number[];
  state(): PolicyState;
  restore(state: PolicyState): void;
}
