import { describe, expect, it } from 'vitest';
import type { ThinningPolicy } from '../../src/train/policies/index.js';
import {
  CURRENT_CLASSIFIER,
  CurrentClassifierPolicy,
  createPolicy,
  EveryNPolicy,
  FirstSnapshotPolicy,
  FixedClassifierPolicy,
} from '../../src/train/policies/index.js';
import { Rng } from '../../src/train/rng.js';

/** Runs a policy for `steps` steps the way the loop does: decide, then sample. */
function drive(policy: ThinningPolicy, steps: number, from = 0) {
  const log: { step: number; snapshotId?: number; releaseId?: number; adversary: number; pool: number[] }[] = [];
  for (let step = from; step < from + steps; step++) {
    const decision = policy.decide(step);
    const adversary = policy.sampleAdversary();
    log.push({ step, ...decision, adversary, pool: [...policy.poolIds()] });
  }
  return log;
}

describe('Rng', () => {
  it('is reproducible from a seed and from a saved state', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const xs = Array.from({ length: 100 }, () => a.nextUint32());
    expect(Array.from({ length: 100 }, () => b.nextUint32())).toEqual(xs);
    const saved = a.state();
    const next = Array.from({ length: 10 }, () => a.next());
    expect(Array.from({ length: 10 }, () => Rng.fromState(saved).next())[0]).toBe(next[0]);
    const c = Rng.fromState(saved);
    expect(Array.from({ length: 10 }, () => c.next())).toEqual(next);
  });

  it('gives different streams for different seeds and streams', () => {
    expect(new Rng(1).nextUint32()).not.toBe(new Rng(2).nextUint32());
    expect(new Rng(1, 0).nextUint32()).not.toBe(new Rng(1, 1).nextUint32());
  });

  it('int(n) is uniform and in range', () => {
    const rng = new Rng(7);
    const counts = new Array(7).fill(0);
    const draws = 70_000;
    for (let i = 0; i < draws; i++) counts[rng.int(7)]++;
    for (const c of counts) expect(Math.abs(c / draws - 1 / 7)).toBeLessThan(0.01);
    expect(() => rng.int(0)).toThrow();
  });
});

describe('F and L policies', () => {
  it('F never snapshots and always faces its own classifier', () => {
    const log = drive(new FixedClassifierPolicy(), 500);
    expect(
      log.every((e) => e.adversary === CURRENT_CLASSIFIER && e.snapshotId === undefined && e.pool.length === 0),
    ).toBe(true);
  });

  it('L never snapshots and always faces the current classifier', () => {
    const log = drive(new CurrentClassifierPolicy(), 500);
    expect(
      log.every((e) => e.adversary === CURRENT_CLASSIFIER && e.snapshotId === undefined && e.pool.length === 0),
    ).toBe(true);
  });
});

describe('FL policy', () => {
  it('keeps only the snapshot taken at the first step', () => {
    const log = drive(new FirstSnapshotPolicy({ hp: 0.5, seed: 1 }), 2000);
    expect(log[0]!.snapshotId).toBe(0);
    expect(log[0]!.releaseId).toBeUndefined();
    expect(log.slice(1).every((e) => e.snapshotId === undefined && e.releaseId === undefined)).toBe(true);
    expect(log.every((e) => e.pool.length === 1 && e.pool[0] === 0)).toBe(true);
    // The just-taken snapshot can already be the adversary of step 0; over many steps hp ≈ 0.5.
    const pooled = log.filter((e) => e.adversary === 0).length;
    expect(log.every((e) => e.adversary === 0 || e.adversary === CURRENT_CLASSIFIER)).toBe(true);
    expect(Math.abs(pooled / log.length - 0.5)).toBeLessThan(0.05);
  });
});

describe('L-every-N policy', () => {
  it('snapshots when the pool is empty and every N steps, then replaces at random', () => {
    const every = 10;
    const capacity = 5;
    const log = drive(new EveryNPolicy({ hp: 0.5, capacity, every, seed: 3 }), 200);
    const snapshotSteps = log.filter((e) => e.snapshotId !== undefined).map((e) => e.step);
    // step 0 (empty pool), then steps 9, 19, 29, … ((step+1) % 10 == 0).
    expect(snapshotSteps).toEqual([0, ...Array.from({ length: 20 }, (_, i) => i * 10 + 9)]);
    const ids = log.filter((e) => e.snapshotId !== undefined).map((e) => e.snapshotId);
    expect(ids).toEqual(Array.from({ length: 21 }, (_, i) => i)); // fresh ids, never reused
    for (const e of log) expect(e.pool.length).toBeLessThanOrEqual(capacity);
    // Releases only start once the pool is full, and a release always names a pooled id.
    let pool: number[] = [];
    for (const e of log) {
      if (e.snapshotId === undefined) continue;
      if (pool.length < capacity) {
        expect(e.releaseId).toBeUndefined();
      } else {
        expect(pool).toContain(e.releaseId);
      }
      pool = e.pool;
      expect(pool).toContain(e.snapshotId);
      if (e.releaseId !== undefined) expect(pool).not.toContain(e.releaseId);
    }
  });

  it('replaces a uniformly random pooled snapshot', () => {
    // Capacity 4, a snapshot every step: count which slot each replacement hits.
    const capacity = 4;
    const policy = new EveryNPolicy({ hp: 0.5, capacity, every: 1, seed: 11 });
    const slotHits = new Array(capacity).fill(0);
    let pool = [...policy.poolIds()];
    const steps = 40_000;
    for (let step = 0; step < steps; step++) {
      const d = policy.decide(step);
      policy.sampleAdversary();
      if (d.releaseId !== undefined) slotHits[pool.indexOf(d.releaseId)]++;
      pool = [...policy.poolIds()];
    }
    const total = slotHits.reduce((a, b) => a + b, 0);
    expect(total).toBe(steps - capacity);
    for (const h of slotHits) expect(Math.abs(h / total - 1 / capacity)).toBeLessThan(0.02);
  });

  it('samples a pooled snapshot with probability hp, uniformly over the pool', () => {
    const capacity = 5;
    const policy = new EveryNPolicy({ hp: 0.5, capacity, every: 1, seed: 5 });
    drive(policy, capacity); // fill the pool
    const pool = [...policy.poolIds()];
    expect(pool).toEqual([0, 1, 2, 3, 4]);
    const counts = new Map<number, number>();
    const draws = 50_000;
    for (let i = 0; i < draws; i++) {
      const a = policy.sampleAdversary();
      counts.set(a, (counts.get(a) ?? 0) + 1);
    }
    expect(Math.abs((counts.get(CURRENT_CLASSIFIER) ?? 0) / draws - 0.5)).toBeLessThan(0.01);
    for (const id of pool) expect(Math.abs((counts.get(id) ?? 0) / draws - 0.5 / capacity)).toBeLessThan(0.01);
    expect([...counts.keys()].every((k) => k === CURRENT_CLASSIFIER || pool.includes(k))).toBe(true);
  });

  it('honours other hp values', () => {
    for (const hp of [0.1, 0.9, 1]) {
      const policy = new EveryNPolicy({ hp, capacity: 3, every: 100, seed: 9 });
      const log = drive(policy, 20_000);
      const pooled = log.filter((e) => e.adversary !== CURRENT_CLASSIFIER).length / log.length;
      expect(Math.abs(pooled - hp)).toBeLessThan(0.015);
    }
  });
});

describe('policy state', () => {
  it('a restored policy continues exactly like the original', () => {
    const a = new EveryNPolicy({ hp: 0.5, capacity: 4, every: 3, seed: 21 });
    drive(a, 57);
    const saved = JSON.parse(JSON.stringify(a.state()));
    const rest = drive(a, 100, 57);
    const b = new EveryNPolicy({ hp: 0.5, capacity: 4, every: 3, seed: 999 });
    b.restore(saved);
    expect(drive(b, 100, 57)).toEqual(rest);
  });

  it('refuses a state from a differently configured policy', () => {
    const a = new EveryNPolicy({ hp: 0.5, capacity: 4, every: 3, seed: 1 });
    expect(() => new EveryNPolicy({ hp: 0.5, capacity: 4, every: 100, seed: 1 }).restore(a.state())).toThrow(
      /does not match/,
    );
    expect(() => new FirstSnapshotPolicy({ hp: 0.5, seed: 1 }).restore(a.state())).toThrow(/does not match/);
    expect(() => new FixedClassifierPolicy().restore(a.state())).toThrow();
  });
});

describe('createPolicy', () => {
  const base = { poolSize: 30, seed: 0 };
  it('maps the knobs to the right class', () => {
    expect(createPolicy({ ...base, fixedClassifier: true, hp: 0, snapshotEvery: null })).toBeInstanceOf(
      FixedClassifierPolicy,
    );
    expect(createPolicy({ ...base, fixedClassifier: false, hp: 0, snapshotEvery: null })).toBeInstanceOf(
      CurrentClassifierPolicy,
    );
    expect(createPolicy({ ...base, fixedClassifier: false, hp: 0, snapshotEvery: 100 })).toBeInstanceOf(
      CurrentClassifierPolicy,
    );
    expect(createPolicy({ ...base, fixedClassifier: false, hp: 0.5, snapshotEvery: 'first' })).toBeInstanceOf(
      FirstSnapshotPolicy,
    );
    const every = createPolicy({ ...base, fixedClassifier: false, hp: 0.5, snapshotEvery: 100 });
    expect(every).toBeInstanceOf(EveryNPolicy);
    expect(every.state().capacity).toBe(30);
  });
});
