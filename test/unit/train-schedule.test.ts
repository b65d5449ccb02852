import { describe, expect, it } from 'vitest';
import { PRESETS, getPreset } from '../../src/train/presets.js';
import { learningRatesForEpoch } from '../../src/train/schedule.js';
import { adjustLambdaR } from '../../src/train/mask-area-target.js';

describe('presets', () => {
  it('match the spec table', () => {
    expect(PRESETS.F).toMatchObject({ fixedClassifier: true, hp: 0, snapshotEvery: null, lambdaR: { entropy: 2.5, classification: 9 } });
    expect(PRESETS.L).toMatchObject({ fixedClassifier: false, hp: 0, snapshotEvery: null, lambdaR: { entropy: 14, classification: 18 } });
    expect(PRESETS.FL).toMatchObject({ fixedClassifier: false, hp: 0.5, snapshotEvery: 'first', lambdaR: { entropy: 7.5, classification: 11 } });
    expect(PRESETS.L100).toMatchObject({ fixedClassifier: false, hp: 0.5, snapshotEvery: 100, lambdaR: { entropy: 10, classification: 17 } });
    expect(PRESETS.L1000).toMatchObject({ fixedClassifier: false, hp: 0.5, snapshotEvery: 1000, lambdaR: { entropy: 10, classification: 17 } });
    expect(() => getPreset('L10')).toThrow(/unknown preset/);
  });
});

describe('learning-rate schedule', () => {
  it('multiplies both rates by 0.1 every decayEvery epochs', () => {
    const base = { lr: 1e-3, lrMapping: 2e-3 };
    expect(learningRatesForEpoch(0, base, 20)).toEqual(base);
    expect(learningRatesForEpoch(19, base, 20)).toEqual(base);
    const e20 = learningRatesForEpoch(20, base, 20);
    expect(e20.lr).toBeCloseTo(1e-4, 15);
    expect(e20.lrMapping).toBeCloseTo(2e-4, 15);
    expect(learningRatesForEpoch(59, base, 20).lr).toBeCloseTo(1e-5, 15);
    expect(learningRatesForEpoch(59, base, 0)).toEqual(base);
  });
});

describe('mask-area target', () => {
  it('raises λr when masks are too large and lowers it when too small, within bounds', () => {
    const up = adjustLambdaR(10, 0.75, { target: 0.5 });
    expect(up.next).toBeCloseTo(15, 10);
    const down = adjustLambdaR(10, 0.25, { target: 0.5 });
    expect(down.next).toBeCloseTo(5, 10);
    expect(adjustLambdaR(10, 0.99, { target: 0.1 }).next).toBe(20); // clamped to ×2
    expect(adjustLambdaR(10, 0, { target: 0.5 }).next).toBe(5);
    expect(adjustLambdaR(10, Number.NaN, { target: 0.5 }).next).toBe(10);
    expect(() => adjustLambdaR(10, 0.5, { target: 1.5 })).toThrow();
  });
});
