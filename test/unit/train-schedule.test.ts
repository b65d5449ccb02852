import { describe, expect, it } from 'vitest';
import { adjustLambdaR, MaskAreaController } from '../../src/train/mask-area-target.js';
import { getPreset, PRESETS } from '../../src/train/presets.js';
import { learningRatesForEpoch, pretrainLearningRate } from '../../src/train/schedule.js';

describe('presets', () => {
  it('match the spec table', () => {
    expect(PRESETS.F).toMatchObject({
      fixedClassifier: true,
      hp: 0,
      snapshotEvery: null,
      lambdaR: { entropy: 2.5, classification: 9 },
    });
    expect(PRESETS.L).toMatchObject({
      fixedClassifier: false,
      hp: 0,
      snapshotEvery: null,
      lambdaR: { entropy: 14, classification: 18 },
    });
    expect(PRESETS.FL).toMatchObject({
      fixedClassifier: false,
      hp: 0.5,
      snapshotEvery: 'first',
      lambdaR: { entropy: 7.5, classification: 11 },
    });
    expect(PRESETS.L100).toMatchObject({
      fixedClassifier: false,
      hp: 0.5,
      snapshotEvery: 100,
      lambdaR: { entropy: 10, classification: 17 },
    });
    expect(PRESETS.L1000).toMatchObject({
      fixedClassifier: false,
      hp: 0.5,
      snapshotEvery: 1000,
      lambdaR: { entropy: 10, classification: 17 },
    });
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
    const up = adjustLambdaR(10, 0.525, { target: 0.5, gain: 1 });
    expect(up.next).toBeCloseTo(10.5, 10);
    const down = adjustLambdaR(10, 0.475, { target: 0.5, gain: 1 });
    expect(down.next).toBeCloseTo(9.5, 10);
    expect(adjustLambdaR(10, 0.99, { target: 0.1 }).next).toBeCloseTo(11, 10); // clamped to ×1.1 (default)
    expect(adjustLambdaR(10, 0, { target: 0.5 }).next).toBeCloseTo(10 / 1.1, 10);
    expect(adjustLambdaR(10, Number.NaN, { target: 0.5 }).next).toBe(10);
    expect(adjustLambdaR(1e3, 0.9, { target: 0.5 }).next).toBe(1e3); // bounded above
    expect(() => adjustLambdaR(10, 0.5, { target: 1.5 })).toThrow();
  });

  it("the controller acts once per window on the window's mean mask, and its open window survives a restore", () => {
    const c = new MaskAreaController({ target: 0.2, every: 3, gain: 1, maxFactor: 1.25 });
    expect(c.observe(0.3, 4)).toBeNull();
    expect(c.observe(Number.NaN, 4)).toBeNull(); // a non-finite step is left out of the window
    expect(c.observe(0.3, 4)).toBeNull();
    const restored = new MaskAreaController({ target: 0.2, every: 3, gain: 1, maxFactor: 1.25 });
    restored.restore(c.state());
    const adj = restored.observe(0.3, 4)!;
    expect(adj.meanMask).toBeCloseTo(0.3, 12);
    expect(adj.next).toBeCloseTo(5, 12); // 4 · min(1.25, 0.3/0.2)
    expect(restored.state()).toEqual({ sum: 0, count: 0 });
    expect(() => new MaskAreaController({ target: 0.2, every: 0 })).toThrow(/window/);
  });

  it('drives a lagged mask-area response to the target without oscillating', () => {
    // A plant like the decoder's: the mean mask relaxes toward an equilibrium that falls with λr
    // (m* = 0.6 / (1 + λr)), with a lag of a few steps, plus batch noise.
    const c = new MaskAreaController({ target: 0.2, every: 10 });
    let lambda = 0.2;
    let mask = 0.5;
    let noise = 1;
    const trace: number[] = [];
    for (let step = 0; step < 2000; step++) {
      mask += 0.2 * (0.6 / (1 + lambda) - mask);
      noise = (noise * 16807) % 2147483647;
      const adj = c.observe(mask + 0.02 * (noise / 2147483647 - 0.5), lambda);
      if (adj) lambda = adj.next;
      trace.push(mask);
    }
    const tail = trace.slice(-500);
    expect(Math.max(...tail)).toBeLessThan(0.22);
    expect(Math.min(...tail)).toBeGreaterThan(0.18);
    expect(lambda).toBeCloseTo(2, 0);
  });
});

describe('pretraining schedule', () => {
  it('warms up linearly over 5% of the steps, then decays along a cosine to 0', () => {
    expect(pretrainLearningRate(0, 100, 0.1)).toBeCloseTo(0.02, 12);
    expect(pretrainLearningRate(4, 100, 0.1)).toBeCloseTo(0.1, 12);
    expect(pretrainLearningRate(5, 100, 0.1)).toBeCloseTo(0.1, 12);
    const mid = pretrainLearningRate(52, 100, 0.1);
    expect(mid).toBeGreaterThan(0.045);
    expect(mid).toBeLessThan(0.055);
    expect(pretrainLearningRate(99, 100, 0.1)).toBeLessThan(0.001);
    for (let t = 6; t < 100; t++)
      expect(pretrainLearningRate(t, 100, 0.1)).toBeLessThanOrEqual(pretrainLearningRate(t - 1, 100, 0.1));
    expect(() => pretrainLearningRate(100, 100, 0.1)).toThrow(RangeError);
  });
});
